package booking

import (
	"context"

	"github.com/sciweek/sciweek/internal/platform/db"
)

// BookableIn is Bookable for every activity of the campaigns at once: the
// program asks it once for a whole chain's bookable filter, instead of
// naming each of its activities.
func (s *Service) BookableIn(ctx context.Context, campaignIDs []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(campaignIDs) == 0 {
		return out, nil
	}
	switched := s.Program.Switches(ctx)
	now := db.At(s.now())
	var onSite []int64
	for _, id := range campaignIDs {
		if _, online := switched[id]; !online {
			onSite = append(onSite, id)
		}
	}
	if len(onSite) == 0 {
		return out, nil
	}
	in, args := db.In("r.campaign_id", onSite)
	return db.Set[int64](ctx, s.DB, `SELECT r.activity_id FROM booking_rules r
		WHERE r.online_at IS NULL AND r.opens_at <= ? AND r.closes_at > ?
		AND EXISTS (SELECT 1 FROM booking_slots s WHERE s.activity_id = r.activity_id AND s.start_at > ?)
		AND `+in, append([]any{now, now, now}, args...)...)
}
