package report

import (
	"context"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/media"
	"github.com/sciweek/sciweek/internal/review"
)

// BoardRow is one unit on the reports board.
type BoardRow struct {
	Org      account.Organisation
	Report   Report
	State    State
	Deadline time.Time
	Late     bool
	Photos   int
	Videos   int
}

// Board lists every organisation below the caller (the whole campaign for
// the system) with its report's state (see account.BoardRoot). Errors:
// Forbidden.
func (s *Service) Board(ctx context.Context, c campaign.Campaign) ([]BoardRow, error) {
	root, err := s.Accounts.BoardRoot(ctx, c.OwnerOrgID)
	if err != nil {
		return nil, err
	}
	return s.board(ctx, c, root)
}

func (s *Service) board(ctx context.Context, c campaign.Campaign, root account.Organisation) ([]BoardRow, error) {
	orgs, err := s.Accounts.Subtree(ctx, root)
	if err != nil {
		return nil, err
	}
	below, err := s.levelsBelow(ctx, c)
	if err != nil {
		return nil, err
	}
	reports, err := s.List(ctx, c)
	if err != nil {
		return nil, err
	}
	byOrg := map[int64]Report{}
	for _, r := range reports {
		byOrg[r.OrgID] = r
	}
	counts := map[int64][2]int{}
	rows, err := s.DB.Query(ctx, `SELECT m.report_id, m.kind, COUNT(*) FROM report_media m JOIN reports r ON r.id = m.report_id
		WHERE r.campaign_id = ? AND m.offer = 0 GROUP BY m.report_id, m.kind`, c.ID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var kind string
		var n int
		if err := rows.Scan(&id, &kind, &n); err != nil {
			rows.Close()
			return nil, err
		}
		cnt := counts[id]
		if kind == string(media.Photo) {
			cnt[0] = n
		} else if kind == string(media.Video) {
			cnt[1] = n
		}
		counts[id] = cnt
	}
	rows.Close()
	now := s.Clock.Now()
	var out []BoardRow
	for _, o := range orgs {
		if o.ID == c.OwnerOrgID || o.Status != account.StatusActive || inLevelBelow(o, below) {
			continue
		}
		row := BoardRow{Org: o, State: StateNotStarted, Deadline: s.Deadline(ctx, c, o.ID)}
		if r, ok := byOrg[o.ID]; ok {
			row.Report, row.State = r, r.State
			row.Photos, row.Videos = counts[r.ID][0], counts[r.ID][1]
		}
		row.Late = review.Late(row.State, row.Deadline, now)
		out = append(out, row)
	}
	return out, nil
}

// levelsBelow are the organisers of c's child campaigns: each sends its
// own summary to c, and the organisations below it report to it instead.
func (s *Service) levelsBelow(ctx context.Context, c campaign.Campaign) ([]account.Organisation, error) {
	kids, err := s.Campaigns.Children(account.AsSystem(ctx), c)
	if err != nil {
		return nil, err
	}
	var out []account.Organisation
	for _, k := range kids {
		if k.State == campaign.StateDraft {
			continue
		}
		o, err := s.Accounts.OrgByID(ctx, k.OwnerOrgID)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// inLevelBelow reports whether o lies under the organiser of a child
// campaign, so reports to that campaign rather than to this one.
func inLevelBelow(o account.Organisation, below []account.Organisation) bool {
	for _, k := range below {
		if o.ID != k.ID && k.Contains(o) {
			return true
		}
	}
	return false
}
