package filing

import (
	"context"
	"fmt"
	"sync"

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

// changes is where what the board and the statistics count from stands:
// the number of the last change to the campaign's filings and how many
// of them were ever removed (both kept by the database in the statement
// that makes the change: migration 0026), and the organisations' state
// (account.Service.Changed).
type changes struct {
	seq, removed int64
	orgs         string
}

// changesOf reads where c's filings and the organisations stand: one
// lookup of an index entry each. It is read on each request, so another
// server's write shows as well as this one's.
func (s *Service) changesOf(ctx context.Context, c campaign.Campaign) (changes, error) {
	var at changes
	err := s.DB.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0), COALESCE(MAX(removed), 0) FROM filing_changes WHERE campaign_id = ?`, c.ID).
		Scan(&at.seq, &at.removed)
	if err == nil {
		at.orgs, err = s.Accounts.Changed(ctx)
	}
	return at, err
}

// Fingerprint names the state of everything the board's counts and the
// statistics of c are counted from: the campaign's filings (the number of
// their last change, which every change of a filing, its state, its items
// or its scan takes, and how many were removed) and the organisations (the
// newest, and when the last one changed).
func (s *Service) Fingerprint(ctx context.Context, c campaign.Campaign) (string, error) {
	at, err := s.changesOf(ctx, c)
	return fmt.Sprintf("%d/%d/%d/%s", c.ID, at.seq, at.removed, at.orgs), err
}

// statuses are the board's statuses by their number in cells.
var statuses = [...]Status{StatusNotStarted, StatusDraft, StatusSubmitted, StatusReturned, StatusApproved}

func statusNumber(st Status) (uint8, error) {
	for i, s := range statuses {
		if s == st {
			return uint8(i), nil
		}
	}
	return 0, fmt.Errorf("filing: no board status %q", st)
}

// cells is one organisation of the board: its depth and the number (in
// statuses) of each table's status, in 8 bytes: a national board keeps
// 100,000 of them.
type cells struct {
	depth int32
	state [3]uint8
}

// boardCount is the board of one scope as it stood after the change
// numbered seq: each organisation's cells, and how many organisations
// have each. It is kept by pointer and changed only under mu.
type boardCount struct {
	mu   sync.Mutex
	seq  int64
	orgs map[int64]cells
	n    map[cells]int
}

// tallies are the board's counts of the organisations query b selects.
// They are counted once for each scope and state of the organisations,
// then kept: each request reads where the campaign's filings stand, and
// when they changed, reads only the filings changed since (by the index
// of their change numbers) and moves their organisations from one count
// to another. What it reads of a filing is its state now, not a
// difference, so reading a change twice does no harm; the number is read
// before the filings, so none is missed.
func (s *Service) tallies(ctx context.Context, c campaign.Campaign, b boardQuery) ([]boardTally, error) {
	at, err := s.changesOf(ctx, c)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprint(c.ID, "/", at.removed, "/", at.orgs, b.scope, b.scopeArgs)
	s.boardCountsMu.Lock()
	bc, ok := s.boardCounts.Get(key)
	if !ok {
		bc = &boardCount{}
		s.boardCounts.Put(key, bc)
	}
	s.boardCountsMu.Unlock()

	bc.mu.Lock()
	defer bc.mu.Unlock()
	switch {
	case bc.orgs == nil:
		err = bc.count(ctx, s.DB, b)
	case at.seq > bc.seq:
		err = bc.follow(ctx, s.DB, c, bc.seq)
	}
	if err != nil {
		bc.orgs = nil // counted again by the next request
		return nil, err
	}
	bc.seq = max(bc.seq, at.seq)
	return bc.tallies(b), nil
}

// count counts the board from scratch: one row per organisation.
func (bc *boardCount) count(ctx context.Context, q db.Querier, b boardQuery) error {
	rows, err := q.Query(ctx, `SELECT id, depth, s1, s2 FROM (`+b.scope+`) b`, b.scopeArgs...)
	if err != nil {
		return err
	}
	defer rows.Close()
	bc.orgs, bc.n = map[int64]cells{}, map[cells]int{}
	for rows.Next() {
		var id int64
		var cl cells
		var s1, s2 Status
		if err := rows.Scan(&id, &cl.depth, &s1, &s2); err != nil {
			return err
		}
		if cl.state[1], err = statusNumber(s1); err != nil {
			return err
		}
		if cl.state[2], err = statusNumber(s2); err != nil {
			return err
		}
		bc.orgs[id] = cl
		bc.n[cl]++
	}
	return rows.Err()
}

// follow reads the filings of c changed after the change numbered since
// and moves their organisations, those of the board, to their new cells.
func (bc *boardCount) follow(ctx context.Context, q db.Querier, c campaign.Campaign, since int64) error {
	rows, err := q.Query(ctx, `SELECT f1.org_id, f1.table_no, `+fmt.Sprintf(cellState, 1)+`
		FROM filings f1 WHERE f1.campaign_id = ? AND f1.change_seq > ?`, c.ID, since)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var org int64
		var table int
		var st Status
		if err := rows.Scan(&org, &table, &st); err != nil {
			return err
		}
		cl, ok := bc.orgs[org]
		if !ok || table < 1 || table > 2 {
			continue // not on this board
		}
		number, err := statusNumber(st)
		if err != nil {
			return err
		}
		if bc.n[cl]--; bc.n[cl] == 0 {
			delete(bc.n, cl)
		}
		cl.state[table] = number
		bc.orgs[org] = cl
		bc.n[cl]++
	}
	return rows.Err()
}

// tallies are bc's counts with whose deadline has passed: the campaign's
// answer, but for the organisations of b.others.
func (bc *boardCount) tallies(b boardQuery) []boardTally {
	by := map[boardTally]int{}
	tally := func(cl cells, passed bool) boardTally {
		return boardTally{Depth: int(cl.depth), State: [3]Status{1: statuses[cl.state[1]], 2: statuses[cl.state[2]]}, Passed: passed}
	}
	for cl, n := range bc.n {
		by[tally(cl, b.passed)] += n
	}
	for _, id := range b.others {
		if cl, ok := bc.orgs[id]; ok {
			by[tally(cl, b.passed)]--
			by[tally(cl, !b.passed)]++
		}
	}
	out := make([]boardTally, 0, len(by))
	for t, n := range by {
		if n > 0 {
			t.N = n
			out = append(out, t)
		}
	}
	return out
}
