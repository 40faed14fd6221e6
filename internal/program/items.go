package program

import (
	"context"
	"time"

	"github.com/sciweek/sciweek/internal/platform/db"
)

// ItemActivities maps the items of a filing to their activities, listed or
// not, so another domain can follow an item into the program.
func (s *Service) ItemActivities(ctx context.Context, filingID int64) (map[string]int64, error) {
	return db.Pairs[string, int64](ctx, s.DB, `SELECT item_uid, id FROM program_activities WHERE filing_id = ?`, filingID)
}

// Listed counts the campaign's activities in the public program.
func (s *Service) Listed(ctx context.Context, campaignID int64) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM program_activities WHERE campaign_id = ? AND listed = TRUE`, campaignID).Scan(&n)
	return n, err
}

// Takes reports whether the activity is listed in the program of a
// campaign that is not a draft, and whether that campaign's week is held
// online: what booking checks before it takes a place. The answer is
// held in memory until the program next changes, and no longer than a
// campaign is (a campaign set back to draft), so a booking rush asks the
// database about an activity once.
func (s *Service) Takes(ctx context.Context, activityID int64) (listed, online bool, err error) {
	s.mu.Lock()
	held, ok := s.takes[activityID]
	s.mu.Unlock()
	campaignID := held.campaignID
	if !ok || time.Since(held.at) >= s.holdFor() {
		err = s.DB.QueryRow(ctx, `SELECT COALESCE(MAX(a.campaign_id), 0) FROM program_activities a JOIN campaigns c ON c.id = a.campaign_id
			WHERE a.id = ? AND a.listed = TRUE AND c.state <> 'draft'`, activityID).Scan(&campaignID)
		if err != nil {
			return false, false, err
		}
		s.mu.Lock()
		if s.takes == nil {
			s.takes = map[int64]heldTake{}
		}
		s.takes[activityID] = heldTake{campaignID, time.Now()}
		s.mu.Unlock()
	}
	if campaignID == 0 {
		return false, false, nil
	}
	_, online = s.Switches(ctx)[campaignID]
	return true, online, nil
}

// heldTake is Takes's answer for an activity: the campaign whose program
// lists it, 0 for none.
type heldTake struct {
	campaignID int64
	at         time.Time
}

// UnitsFor maps each of the given activities of the campaign, listed or
// not, to the code of its unit: a lookup of each, for a caller that needs
// few of a large program.
func (s *Service) UnitsFor(ctx context.Context, campaignID int64, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	for len(ids) > 0 {
		n := min(len(ids), 1000)
		in, args := db.In("id", ids[:n])
		got, err := db.Pairs[int64, string](ctx, s.DB, `SELECT id, unit_code FROM program_activities WHERE campaign_id = ? AND `+in,
			append([]any{campaignID}, args...)...)
		if err != nil {
			return nil, err
		}
		for id, unit := range got {
			out[id] = unit
		}
		ids = ids[n:]
	}
	return out, nil
}

// UnitsOf maps each activity of the campaign, listed or not, to the code of
// its unit; with listed, only the activities in the public program.
func (s *Service) UnitsOf(ctx context.Context, campaignID int64, listed bool) (map[int64]string, error) {
	q := `SELECT id, unit_code FROM program_activities WHERE campaign_id = ?`
	if listed {
		q += ` AND listed = TRUE`
	}
	rows, err := s.DB.Query(ctx, q, campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var unit string
		if err := rows.Scan(&id, &unit); err != nil {
			return nil, err
		}
		out[id] = unit
	}
	return out, rows.Err()
}
