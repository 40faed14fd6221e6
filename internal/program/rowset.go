package program

import (
	"cmp"
	"math/bits"
	"slices"
	"sync"
)

// rowSet is a set of an index's rows, one bit each: 62.5 kB for 500,000
// rows. The values that many rows share (a day, a province, a focus area,
// an audience, a way of taking part, open days, what takes bookings, a
// view's campaigns) are held as row sets, so a filter of them is an AND
// word by word and its total a count of bits, whatever it matches. Values
// that few rows share (a city, a district, a unit) keep their row lists.
type rowSet []uint64

func newRowSet(n int) rowSet { return make(rowSet, (n+63)/64) }

// scratchSets are row sets a request fills and drops: reused, a page of a
// national program does not make 62.5 kB of garbage for its filter.
var scratchSets sync.Pool

// scratchSet is a row set for n rows holding anything: the caller writes
// every word before reading it, and hands it back with dropSet.
func scratchSet(n int) rowSet {
	if s, ok := scratchSets.Get().(*rowSet); ok && cap(*s) >= (n+63)/64 {
		return (*s)[:(n+63)/64]
	}
	return newRowSet(n)
}

func dropSet(s rowSet) { scratchSets.Put(&s) }

func (s rowSet) add(r int) { s[r>>6] |= 1 << (r & 63) }

func (s rowSet) has(r int) bool { return s[r>>6]&(1<<(r&63)) != 0 }

func (s rowSet) remove(r int) { s[r>>6] &^= 1 << (r & 63) }

// rowSetOf is the set of the rows listed.
func rowSetOf(n int, rows []int32) rowSet {
	s := newRowSet(n)
	for _, r := range rows {
		s.add(int(r))
	}
	return s
}

// sets are the row sets of the index's common values.
type sets struct {
	days, provinces, categories []rowSet // by dictionary number
	audiences                   []rowSet // by dictionary number, below 64
	flags                       [4]rowSet
	// moved lists, by day, the open days whose first session that day is
	// not their start: on a day they take the place of that session.
	moved map[int32][]int32
}

// buildSets makes the row sets from the finished columns and row lists.
func (ix *index) buildSets() {
	n := ix.len()
	of := func(d *dict) []rowSet {
		out := make([]rowSet, len(d.codes))
		for k, rows := range ix.posts[d] {
			out[k] = rowSetOf(n, rows)
		}
		return out
	}
	s := &ix.sets
	s.days, s.provinces, s.categories = of(ix.days_), of(ix.provinces), of(ix.categories)
	s.audiences = make([]rowSet, min(64, len(ix.audiences.codes)))
	for k := range s.audiences {
		s.audiences[k] = newRowSet(n)
	}
	for b := range s.flags {
		s.flags[b] = newRowSet(n)
	}
	s.moved = map[int32][]int32{}
	for r := range n {
		for m := ix.audience[r]; m != 0; m &= m - 1 {
			s.audiences[bits.TrailingZeros64(m)].add(r)
		}
		for m := uint(ix.flags[r]); m != 0; m &= m - 1 {
			s.flags[bits.TrailingZeros(m)].add(r)
		}
		for i := ix.sessOff[r]; i < ix.sessOff[r+1]; i++ {
			day := ix.sessDay[i]
			if moved := s.moved[day]; (len(moved) == 0 || moved[len(moved)-1] != int32(r)) && ix.startOn(r, day) != ix.start[r] {
				s.moved[day] = append(moved, int32(r))
			}
		}
	}
}

// passing is the set of rows passing a filter that names only values
// held as row sets, a scratch set for the caller to drop; ok is false
// when it names a value held only as a row list.
func (ix *index) passing(m *rowMatch) (acc rowSet, ok bool) {
	if m.district >= 0 || m.unit >= 0 || m.city >= 0 {
		return nil, false
	}
	s := &ix.sets
	and := []rowSet{m.v.rows, m.bookable}
	for _, c := range []struct {
		k    int32
		sets []rowSet
	}{{m.day, s.days}, {m.province, s.provinces}, {m.category, s.categories}} {
		if c.k >= 0 {
			and = append(and, c.sets[c.k])
		}
	}
	for a := m.audience; a != 0; a &= a - 1 {
		and = append(and, s.audiences[bits.TrailingZeros64(a)])
	}
	for f := uint(m.needFlags); f != 0; f &= f - 1 {
		and = append(and, s.flags[bits.TrailingZeros(f)])
	}
	and = slices.DeleteFunc(and, func(s rowSet) bool { return s == nil })
	n := ix.len()
	acc = scratchSet(n)
	if len(and) == 0 {
		for i := range acc {
			acc[i] = ^uint64(0)
		}
		if n%64 != 0 {
			acc[len(acc)-1] = 1<<(n%64) - 1
		}
		return acc, true
	}
	copy(acc, and[0])
	for _, s := range and[1:] {
		for i, w := range s {
			acc[i] &= w
		}
	}
	return acc, true
}

// denseRows are the rows passing a filter that names only values held as
// row sets, in the order the program shows them, from the from-th to
// before the to-th, with how many pass in all. ok is false when the
// filter names a value held only as a row list.
func (ix *index) denseRows(m *rowMatch, from, to int) (rows []int32, total int, ok bool) {
	acc, ok := ix.passing(m)
	if !ok {
		return nil, 0, false
	}
	defer dropSet(acc)
	s := &ix.sets
	// On a day, the open days placed by a later session that day leave
	// program order: they are merged back in by that session's start.
	var moved []int32
	if m.day >= 0 {
		for _, r := range s.moved[m.day] {
			if acc.has(int(r)) {
				acc.remove(int(r))
				moved = append(moved, r)
			}
		}
		slices.SortStableFunc(moved, func(x, y int32) int { return cmp.Compare(ix.startOn(int(x), m.day), ix.startOn(int(y), m.day)) })
	}
	for _, w := range acc {
		total += bits.OnesCount64(w)
	}
	total += len(moved)
	to = min(to, total)
	if from >= to {
		return nil, total, true
	}
	rows = make([]int32, 0, to-from)
	if len(moved) == 0 {
		// Skip whole words up to the page, then read its rows.
		seen := 0
		for i, w := range acc {
			c := bits.OnesCount64(w)
			if seen+c <= from {
				seen += c
				continue
			}
			for ; w != 0 && seen < to; w &= w - 1 {
				if seen >= from {
					rows = append(rows, int32(i*64+bits.TrailingZeros64(w)))
				}
				seen++
			}
			if seen >= to {
				break
			}
		}
		return rows, total, true
	}
	// Merge the rows in program order with the moved ones by start that
	// day, as a stable sort of all of them by that start would place them.
	before := func(r, moved int32) bool {
		return cmp.Or(cmp.Compare(ix.start[r], ix.startOn(int(moved), m.day)), cmp.Compare(r, moved)) < 0
	}
	next := acc.each()
	r, more := next()
	for at := 0; at < to; at++ {
		pick := r
		if more && (len(moved) == 0 || before(r, moved[0])) {
			r, more = next()
		} else {
			pick, moved = moved[0], moved[1:]
		}
		if at >= from {
			rows = append(rows, pick)
		}
	}
	return rows, total, true
}

// each returns the set's rows in order, one a call, and false after the
// last.
func (s rowSet) each() func() (int32, bool) {
	i, w := 0, uint64(0)
	if len(s) > 0 {
		w = s[0]
	}
	return func() (int32, bool) {
		for w == 0 {
			i++
			if i >= len(s) {
				return 0, false
			}
			w = s[i]
		}
		r := int32(i*64 + bits.TrailingZeros64(w))
		w &= w - 1
		return r, true
	}
}
