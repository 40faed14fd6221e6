package program

import (
	"bytes"
	"cmp"
	"container/list"
	"context"
	"iter"
	"runtime"
	"slices"
	"sort"
	"sync"
)

// termHits are the rows holding a term, in program order, with the term's
// score in each.
type termHits struct {
	rows   []int32
	scores []uint8
}

func (h *termHits) size() int { return 5*len(h.rows) + 96 }

// termCache holds recent terms' hits, the least recently used dropped
// first once they take more than max bytes.
type termCache struct {
	mu        sync.Mutex
	max, used int
	order     *list.List
	at        map[string]*list.Element
	// finding holds the terms being looked for, so a rush of one new
	// word looks for it once and the others wait for that answer.
	finding map[string]*finding
}

type finding struct {
	done chan struct{}
	hits *termHits
	err  error
}

type termEntry struct {
	term string
	hits *termHits
}

func newTermCache(max int) *termCache {
	return &termCache{max: max, order: list.New(), at: map[string]*list.Element{}, finding: map[string]*finding{}}
}

func (c *termCache) get(t string) *termHits {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.at[t]
	if !ok {
		return nil
	}
	c.order.MoveToFront(e)
	return e.Value.(termEntry).hits
}

func (c *termCache) put(t string, h *termHits) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.at[t]; ok || h.size() > c.max {
		return
	}
	c.at[t] = c.order.PushFront(termEntry{t, h})
	c.used += h.size()
	for c.used > c.max {
		last := c.order.Back()
		e := last.Value.(termEntry)
		c.order.Remove(last)
		delete(c.at, e.term)
		c.used -= e.hits.size()
	}
}

// hits finds the rows holding t, from the index's character lists (see
// chars.go), each scored the same way Rank does; a rush of one new word
// looks for it once.
func (s *Service) hits(ctx context.Context, ix *index, t string) (*termHits, error) {
	if h := ix.terms.get(t); h != nil {
		return h, nil
	}
	c := ix.terms
	c.mu.Lock()
	if f, ok := c.finding[t]; ok {
		c.mu.Unlock()
		select {
		case <-f.done:
			return f.hits, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &finding{done: make(chan struct{})}
	c.finding[t] = f
	c.mu.Unlock()
	// The search goes on if the asker leaves: the others wait for it.
	f.hits, f.err = s.find(context.WithoutCancel(ctx), ix, t)
	if f.err == nil {
		c.put(t, f.hits)
	}
	c.mu.Lock()
	delete(c.finding, t)
	c.mu.Unlock()
	close(f.done)
	return f.hits, f.err
}

func (s *Service) find(ctx context.Context, ix *index, t string) (*termHits, error) {
	return ix.charHits([]byte(t)), nil
}

// score is t's weight in row r: the weights of the fields holding it.
func (ix *index) score(r int, t []byte) uint8 {
	var s uint8
	for k := range 5 {
		if bytes.Contains(ix.text[ix.field[5*r+k]:ix.field[5*r+k+1]], t) {
			s += uint8(fieldWeights[k])
		}
	}
	return s
}

// scan finds t in the arena, each core taking a run of rows.
func (ix *index) scan(t []byte) *termHits {
	out := make([]termHits, runtime.GOMAXPROCS(0))
	parts := inParts(ix.len(), 4096, func(p, lo, hi int) { out[p] = ix.scanRows(t, lo, hi) })
	h := &termHits{}
	for _, o := range out[:parts] {
		h.rows, h.scores = append(h.rows, o.rows...), append(h.scores, o.scores...)
	}
	return h
}

func (ix *index) scanRows(t []byte, lo, hi int) termHits {
	var h termHits
	end := int(ix.field[5*hi])
	for r, at := lo, int(ix.field[5*lo]); r < hi; {
		i := bytes.Index(ix.text[at:end], t)
		if i < 0 {
			break
		}
		// The row holding the match: the first whose end is past it.
		hit, from := uint32(at+i), r
		r = from + sort.Search(hi-from, func(k int) bool { return ix.field[5*(from+k)+5] > hit })
		if sc := ix.score(r, t); sc > 0 {
			h.rows, h.scores = append(h.rows, int32(r)), append(h.scores, sc)
		}
		r++
		if r < hi {
			at = int(ix.field[5*r])
		}
	}
	runtime.KeepAlive(ix)
	return h
}

// intersect keeps the rows in both, adding their scores.
func intersect(a *termHits, b *termHits) *termHits {
	out := &termHits{}
	for i, j := 0, 0; i < len(a.rows) && j < len(b.rows); {
		switch {
		case a.rows[i] < b.rows[j]:
			i++
		case a.rows[i] > b.rows[j]:
			j++
		default:
			out.rows, out.scores = append(out.rows, a.rows[i]), append(out.scores, a.scores[i]+b.scores[j])
			i++
			j++
		}
	}
	return out
}

// match is a filter with its values looked up in an index's dictionaries.
type rowMatch struct {
	v                                             *view
	day, district, unit, province, city, category int32
	audience                                      uint64
	needFlags                                     uint8
	bookable                                      rowSet
	none                                          bool
}

func (ix *index) match(v *view, f Filter) rowMatch {
	m := rowMatch{v: v, day: -1, district: -1, unit: -1, province: -1, city: -1, category: -1}
	look := func(d *dict, code string, dst *int32) {
		if code != "" {
			*dst = d.find(code)
			m.none = m.none || *dst < 0
		}
	}
	look(ix.days_, f.Day, &m.day)
	look(ix.districts, f.District, &m.district)
	look(ix.units, f.Unit, &m.unit)
	look(ix.provinces, f.Province, &m.province)
	look(ix.cities, f.City, &m.city)
	look(ix.categories, f.Category, &m.category)
	if f.Audience != "" {
		k := ix.audiences.find(f.Audience)
		m.none = m.none || k < 0 || k >= 64
		if k >= 0 {
			m.audience = 1 << (k & 63)
		}
	}
	if f.OpenDay {
		m.needFlags |= flagOpenDay
	}
	switch f.Mode {
	case ModeOnsite:
		m.needFlags |= flagOnsite
	case ModeOnline:
		m.needFlags |= flagOnline
	case ModeBoth:
		m.needFlags |= flagBoth
	}
	return m
}

func (m *rowMatch) keeps(ix *index, r int) bool {
	return m.v.holds(ix, r) &&
		(m.day < 0 || ix.onDay(r, m.day)) &&
		(m.district < 0 || ix.district[r] == m.district) &&
		(m.unit < 0 || ix.unit[r] == m.unit) &&
		(m.province < 0 || ix.province[r] == m.province) &&
		(m.city < 0 || ix.city[r] == m.city) &&
		(m.category < 0 || ix.category[r] == m.category) &&
		ix.audience[r]&m.audience == m.audience &&
		ix.flags[r]&m.needFlags == m.needFlags &&
		(m.bookable == nil || m.bookable.has(r))
}

// rows are the rows of the campaign's program that pass the filter, in
// the order the program shows them, from the from-th to before the to-th,
// with how many pass in all: ranked by score, then program order, when
// there is a query; by their start that day on a day; in program order
// otherwise. Only the window is kept, so a page of a program of any size
// costs a pass over the columns and no more memory than the page.
func (s *Service) rows(ctx context.Context, ix *index, v *view, f Filter, from, to int) ([]int32, int, error) {
	m := ix.match(v, f)
	if m.none {
		return nil, 0, nil
	}
	if f.Bookable {
		var err error
		if m.bookable, err = s.bookableRows(ctx, ix); err != nil {
			return nil, 0, err
		}
	}
	var win window
	win.from, win.to = from, to
	terms := f.Terms()
	if len(terms) == 0 {
		if rows, total, ok := ix.denseRows(&m, from, to); ok {
			return rows, total, nil
		}
		// On a day, an open day with several sessions that day is placed
		// by its first of them; every other row's place is its start, in
		// program order already.
		var moved bool
		var all []int32
		for r := range m.candidates(ix) {
			if !m.keeps(ix, r) {
				continue
			}
			if m.day >= 0 {
				moved = moved || ix.startOn(r, m.day) != ix.start[r]
				all = append(all, int32(r))
			}
			win.add(int32(r))
		}
		if moved {
			slices.SortStableFunc(all, func(x, y int32) int { return cmp.Compare(ix.startOn(int(x), m.day), ix.startOn(int(y), m.day)) })
			return all[min(from, len(all)):min(to, len(all))], len(all), nil
		}
		return win.rows, win.n, nil
	}
	var found *termHits
	for _, t := range terms {
		h, err := s.hits(ctx, ix, t)
		if err != nil {
			return nil, 0, err
		}
		if found == nil {
			found = h
		} else {
			found = intersect(found, h)
		}
		if len(found.rows) == 0 {
			return nil, 0, nil
		}
	}
	// A filter of values held as row sets is checked by one bit a hit.
	keeps := func(r int32) bool { return m.keeps(ix, int(r)) }
	if pass, ok := ix.passing(&m); ok {
		defer dropSet(pass)
		keeps = func(r int32) bool { return pass.has(int(r)) }
	}
	// Scores are small: count the rows kept at each, then walk the scores
	// from the highest, in program order within each, as Rank orders them,
	// reading only the scores the window reaches.
	var count [256]int
	for i, r := range found.rows {
		if keeps(r) {
			count[found.scores[i]]++
		}
	}
	total := 0
	for sc := 255; sc > 0; sc-- {
		if count[sc] == 0 {
			continue
		}
		if total < to && total+count[sc] > from {
			for i, r := range found.rows {
				if found.scores[i] == uint8(sc) && keeps(r) {
					win.add(r)
				}
			}
		} else {
			win.n += count[sc]
		}
		total += count[sc]
	}
	return win.rows, total, nil
}

// candidates are the rows a filter needs to look at: those of the rarest
// value it names, or every row.
func (m *rowMatch) candidates(ix *index) iter.Seq[int] {
	var rows []int32
	all := true
	for _, c := range []struct {
		d *dict
		k int32
	}{{ix.days_, m.day}, {ix.units, m.unit}, {ix.districts, m.district}, {ix.provinces, m.province}, {ix.cities, m.city}, {ix.categories, m.category}} {
		if c.k >= 0 && (all || len(ix.posts[c.d][c.k]) < len(rows)) {
			rows, all = ix.posts[c.d][c.k], false
		}
	}
	return func(yield func(int) bool) {
		if all {
			for r := range ix.len() {
				if !yield(r) {
					return
				}
			}
			return
		}
		for _, r := range rows {
			if !yield(int(r)) {
				return
			}
		}
	}
}

// window keeps the rows from the from-th to before the to-th of those
// added, and counts them all.
type window struct {
	from, to, n int
	rows        []int32
}

func (w *window) add(r int32) {
	if w.n >= w.from && w.n < w.to {
		w.rows = append(w.rows, r)
	}
	w.n++
}
