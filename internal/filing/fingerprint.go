package filing

import (
	"context"
	"fmt"

	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// boardTally is how many organisations of a depth have their two tables
// in the states State[1] and State[2], with their deadline passed or not.
type boardTally struct {
	Depth  int
	State  [3]Status
	Passed bool
	N      int
}

// Fingerprint names the state of everything the board's counts and the
// statistics of c are counted from: the campaign's filings (how many, and
// the sum of their versions, which every change of a filing, its state or
// its items raises by one: one pass over the campaign's part of the
// board's index of filings) and the organisations (the newest, and when
// the last one changed: a lookup of one index entry each). It is read on
// each request, so another server's write changes it as well as this
// one's.
func (s *Service) Fingerprint(ctx context.Context, c campaign.Campaign) (string, error) {
	var filings, versions, newest int64
	var changed db.Time
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(version), 0) FROM filings WHERE campaign_id = ?`, c.ID).Scan(&filings, &versions)
	if err == nil {
		err = s.DB.QueryRow(ctx, `SELECT (SELECT COALESCE(MAX(id), 0) FROM organisations), (SELECT MAX(updated_at) FROM organisations)`).Scan(&newest, &changed)
	}
	return fmt.Sprintf("%d/%d/%d/%d/%d", c.ID, filings, versions, newest, changed.UnixNano()), err
}

// tallies are the board's counts of the organisations query b selects,
// counted once for each fingerprint of what they are counted from.
func (s *Service) tallies(ctx context.Context, c campaign.Campaign, b boardQuery) ([]boardTally, error) {
	print, err := s.Fingerprint(ctx, c)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprint(print, b.sql, b.args)
	if v, ok := s.boardCounts.Get(key); ok {
		return v, nil
	}
	rows, err := s.DB.Query(ctx, `SELECT depth, s1, s2, passed, COUNT(*) FROM (`+b.sql+`) b GROUP BY depth, s1, s2, passed`, b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []boardTally
	for rows.Next() {
		var t boardTally
		if err := rows.Scan(&t.Depth, &t.State[1], &t.State[2], &t.Passed, &t.N); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	s.boardCounts.Put(key, out)
	return out, nil
}
