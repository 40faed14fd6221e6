package program

import (
	"context"
	"runtime/debug"
	"time"

	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// BookableScope is what a booking side offers that can name, in one
// answer, every activity of some campaigns taking bookings now; without
// it the program asks Bookable with every id.
type BookableScope interface {
	BookableIn(ctx context.Context, campaignIDs []int64) (map[int64]bool, error)
}

// heldIndex is the index of a campaign chain's top campaign.
type heldIndex struct {
	ix *index
	// stale asks for mark to be checked, refreshing that the check runs.
	stale, refreshing bool
	// patches counts the approvals patched in, so a rebuild that began
	// before one is not swapped in over it.
	patches int
}

// indexFor is the index holding the campaign's program, with the view of
// its scope. It is built on first use; once built, a change another
// server made is taken in by a rebuild in the background while this one
// is read.
func (s *Service) indexFor(ctx context.Context, c campaign.Campaign) (*index, *view, error) {
	root, err := s.rootOf(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	scope, err := s.scopeIDs(ctx, c.ID)
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	h := s.indexes[root]
	if h != nil && h.stale && !h.refreshing {
		h.refreshing = true
		go s.refresh(root, h)
	}
	s.mu.Unlock()
	if h == nil || !covers(h.ix, scope) {
		if h, err = s.build(ctx, root, scope); err != nil {
			return nil, nil, err
		}
	}
	return h.ix, h.ix.viewOf(c.ID, scope), nil
}

func covers(ix *index, scope []int64) bool {
	for _, id := range scope {
		if !ix.scope[id] {
			return false
		}
	}
	return true
}

// rootOf is the top campaign of c's chain.
func (s *Service) rootOf(ctx context.Context, c campaign.Campaign) (int64, error) {
	if c.ParentID == 0 {
		return c.ID, nil
	}
	s.mu.Lock()
	root, ok := s.roots[c.ID]
	s.mu.Unlock()
	if ok {
		return root, nil
	}
	chain, err := s.Campaigns.Ancestors(ctx, c)
	if err != nil {
		return 0, err
	}
	root = c.ID
	if len(chain) > 0 {
		root = chain[0].ID
	}
	s.mu.Lock()
	if s.roots == nil {
		s.roots = map[int64]int64{}
	}
	s.roots[c.ID] = root
	s.mu.Unlock()
	return root, nil
}

// build makes the root's index, unless one that covers scope was made
// while this waited its turn.
func (s *Service) build(ctx context.Context, root int64, scope []int64) (*heldIndex, error) {
	s.building.Lock()
	defer s.building.Unlock()
	s.mu.Lock()
	h := s.indexes[root]
	s.mu.Unlock()
	if h != nil && covers(h.ix, scope) {
		return h, nil
	}
	all, err := s.scopeIDs(ctx, root)
	if err != nil {
		return nil, err
	}
	all = union(all, scope)
	started := time.Now()
	ix := s.loadSnapshot(ctx, root, all)
	if ix != nil {
		s.fromSnapshot.Add(1)
		s.Log.Info("program index loaded", "campaign", root, "activities", ix.len(), "took", time.Since(started))
	} else {
		if ix, err = buildIndex(ctx, s.DB, all, s.termBytes()); err != nil {
			return nil, err
		}
		// A build reads the program once more than it keeps (the table's
		// order, then program order): the rest goes back to the system now
		// rather than whenever the collector gets to it.
		debug.FreeOSMemory()
		s.built.Add(1)
		s.Log.Info("program index built", "campaign", root, "activities", ix.len(), "text_bytes", len(ix.text), "char_bytes", ix.chars.size(), "took", time.Since(started))
		go s.saveSnapshot(root, ix)
	}
	h = &heldIndex{ix: ix}
	s.mu.Lock()
	if s.indexes == nil {
		s.indexes = map[int64]*heldIndex{}
	}
	s.indexes[root] = h
	s.mu.Unlock()
	return h, nil
}

func union(a, b []int64) []int64 {
	out := append([]int64(nil), a...)
	for _, id := range b {
		found := false
		for _, x := range a {
			found = found || x == id
		}
		if !found {
			out = append(out, id)
		}
	}
	return out
}

// refresh checks a stale index against the database and rebuilds it when
// the program changed, swapping the new one in unless an approval was
// patched in meanwhile (then it is checked again on next use).
func (s *Service) refresh(root int64, h *heldIndex) {
	ctx := context.Background()
	s.mu.Lock()
	h.stale = false
	patches := h.patches
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		h.refreshing = false
		s.mu.Unlock()
	}()
	scope := make([]int64, 0, len(h.ix.scope))
	for id := range h.ix.scope {
		scope = append(scope, id)
	}
	mark, err := s.mark(ctx, scope)
	if err != nil || mark == h.ix.mark() {
		return
	}
	started := time.Now()
	ix, err := buildIndex(ctx, s.DB, scope, s.termBytes())
	if err != nil {
		s.Log.Error("program index", "campaign", root, "err", err)
		return
	}
	defer debug.FreeOSMemory()
	s.rebuilt.Add(1)
	s.Log.Info("program index rebuilt: the stored program moved", "campaign", root, "activities", ix.len(), "took", time.Since(started))
	s.mu.Lock()
	defer s.mu.Unlock()
	if h.patches != patches || s.indexes[root] != h {
		h.stale = true
		return
	}
	s.indexes[root] = &heldIndex{ix: ix}
	if s.Cache != nil {
		s.Cache.Clear()
	}
	go s.saveSnapshot(root, ix)
}

// mark sums up the stored program of the campaigns: how many activities
// are listed, and when the last of them changed. A patched index may be
// off by an unlisted row that was the last changed: then it is rebuilt
// once more than needed.
func (s *Service) mark(ctx context.Context, scope []int64) (string, error) {
	var n int64
	var last db.Time
	in, args := db.In("campaign_id", scope)
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*), MAX(updated_at) FROM program_activities WHERE listed = TRUE AND `+in, args...).Scan(&n, &last)
	var at int64
	if n > 0 {
		at = last.UnixNano()
	}
	return markOf(n, at), err
}

// patch brings every held index holding the campaign in line with the
// filing's stored activities; filingID 0 (every filing of the campaign
// changed) drops those indexes instead.
func (s *Service) patch(ctx context.Context, campaignID, filingID int64) error {
	s.building.Lock()
	defer s.building.Unlock()
	s.mu.Lock()
	var roots []int64
	for root, h := range s.indexes {
		if h.ix.scope[campaignID] {
			roots = append(roots, root)
		}
	}
	s.mu.Unlock()
	if len(roots) == 0 {
		return nil
	}
	if filingID == 0 {
		s.mu.Lock()
		for _, root := range roots {
			delete(s.indexes, root)
		}
		s.mu.Unlock()
		return nil
	}
	rows, err := readRows(ctx, s.DB, "filing_id = ?", filingID)
	if err != nil {
		return err
	}
	for _, root := range roots {
		s.mu.Lock()
		h := s.indexes[root]
		s.mu.Unlock()
		if h == nil {
			continue
		}
		ix := h.ix.patched(filingID, rows)
		s.patched.Add(1)
		s.mu.Lock()
		s.indexes[root] = &heldIndex{ix: ix, stale: h.stale, patches: h.patches + 1}
		// A rebuild under way sees the count move and is not swapped in.
		h.patches++
		s.mu.Unlock()
		s.saveLater(root)
	}
	return nil
}

// bookableRows says, by row, which activities of the index take bookings
// now: one question to booking, held as long as a campaign is.
func (s *Service) bookableRows(ctx context.Context, ix *index) (rowSet, error) {
	ix.mu.Lock()
	rows, at := ix.bookable, ix.bookableAt
	ix.mu.Unlock()
	if rows != nil && time.Since(at) < s.holdFor() {
		return rows, nil
	}
	rows = newRowSet(ix.len())
	if s.Bookings == nil {
		return rows, nil
	}
	var ok map[int64]bool
	var err error
	if b, can := s.Bookings.(BookableScope); can {
		scope := make([]int64, 0, len(ix.scope))
		for id := range ix.scope {
			scope = append(scope, id)
		}
		ok, err = b.BookableIn(ctx, scope)
	} else {
		ok, err = s.Bookings.Bookable(ctx, ix.id)
	}
	if err != nil {
		return nil, err
	}
	for id := range ok {
		if r := ix.rowOf(id); r >= 0 {
			rows.add(int(r))
		}
	}
	ix.mu.Lock()
	ix.bookable, ix.bookableAt = rows, time.Now()
	ix.mu.Unlock()
	return rows, nil
}

func (ix *index) dropBookable() {
	ix.mu.Lock()
	ix.bookable = nil
	ix.mu.Unlock()
}

// Highlights are what a campaign's home shows first: its first two open
// days, then the projects expecting the most people, six in all.
func (s *Service) Highlights(ctx context.Context, c campaign.Campaign) ([]Activity, error) {
	ix, v, err := s.indexFor(ctx, c)
	if err != nil {
		return nil, err
	}
	const n = 6
	var open, best []int32
	for r := range ix.len() {
		if !v.holds(ix, r) {
			continue
		}
		if ix.flags[r]&flagOpenDay != 0 {
			if len(open) < 2 {
				open = append(open, int32(r))
			}
			continue
		}
		// best stays sorted by expected, most first, earlier rows first
		// among equals.
		if len(best) == n && ix.expected[best[n-1]] >= ix.expected[r] {
			continue
		}
		at := len(best)
		for at > 0 && ix.expected[best[at-1]] < ix.expected[r] {
			at--
		}
		if len(best) < n {
			best = append(best, 0)
		}
		copy(best[at+1:], best[at:])
		best[at] = int32(r)
	}
	var ids []int64
	for _, r := range append(open, best...)[:min(n, len(open)+len(best))] {
		ids = append(ids, ix.id[r])
	}
	return s.byIDs(ctx, ids)
}

func (s *Service) termBytes() int {
	if s.TermCacheBytes == 0 {
		return -1
	}
	return max(0, s.TermCacheBytes)
}
