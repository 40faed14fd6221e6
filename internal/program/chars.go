package program

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"unicode/utf8"
)

// lowRunes are the characters numbered by a table rather than a map:
// ASCII and the common CJK block, which is nearly all of the text.
const lowRunes = 0xA000

// verifyPart is how many candidates a core checks before another core is
// given a share.
const verifyPart = 8192

// chars lists, for each character of the search text and each pair of
// characters side by side, the rows holding it in program order, each
// with the fields that hold it: a term of one or two characters is its
// list, and a longer one is looked for only in the rows and fields that
// every pair of it names.
//
// A list is varints of (the row's distance from the previous row of the
// list)<<5 | (its five field bits), so a character on most rows costs a
// byte a row and a rare one a few bytes where it is found.
//
// An approval changes a few rows and moves the others: a patched index
// keeps the lists it was patched from, with where each of their rows went,
// and lists only the rows added since, until those are an eighth of it.
type chars struct {
	base *charLists
	// toRow is the row of this index that each row of base became, -1
	// when it is gone; nil when they are the same.
	toRow []int32
	// extra lists the rows added since base was built, as rows of this
	// index; nil when none were.
	extra *charLists
}

// charLists are the lists over one index's rows.
type charLists struct {
	keys
	// List k is data[off[k]:off[k+1]], naming n[k] rows.
	off  []uint32
	n    []int32
	data []byte
	// rows is how many rows the index had.
	rows int
}

// keys number characters and pairs of characters as the index meets
// them: a character below lowRunes by a table, and a pair of two of the
// first pairSide such characters met by another; any other character or
// pair by a map. In the tables 0 is not held, else the number plus one.
type keys struct {
	low []int32
	// ord is the place among the characters met of each below lowRunes,
	// for the first pairSide of them; pairs is indexed by two places.
	ord   []int32
	pairs []int32
	high  map[uint64]int32
	n     int32
	met   int32
}

// pairSide bounds the pairs numbered by a table (4 MiB): nearly all
// pairs of a program's text are of its commonest characters, met first.
const pairSide = 1024

func newKeys() keys {
	return keys{low: make([]int32, lowRunes), ord: make([]int32, lowRunes), pairs: make([]int32, pairSide*pairSide), high: map[uint64]int32{}}
}

// pairKey is the map's key of the pair a, b; a character alone is a pair
// with -1.
func pairKey(a, b rune) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// slot is where the table holds the number of a, or of the pair a, b;
// nil when the map holds it.
func (ks *keys) slot(a, b rune) *int32 {
	switch {
	case b < 0 && a < lowRunes:
		return &ks.low[a]
	case b >= 0 && a < lowRunes && b < lowRunes && ks.ord[a] > 0 && ks.ord[b] > 0:
		return &ks.pairs[(ks.ord[a]-1)*pairSide+ks.ord[b]-1]
	}
	return nil
}

// number is the number of a's list, or of the pair a, b's when b is not
// -1, given a new one the first time; a pair's characters are numbered
// before it.
func (ks *keys) number(a, b rune) int32 {
	if at := ks.slot(a, b); at != nil {
		if *at == 0 {
			ks.n++
			*at = ks.n
			if b < 0 && ks.met < pairSide {
				ks.met++
				ks.ord[a] = ks.met
			}
		}
		return *at - 1
	}
	k, ok := ks.high[pairKey(a, b)]
	if !ok {
		k = ks.n
		ks.n++
		ks.high[pairKey(a, b)] = k
	}
	return k
}

// list is the number of the list of a, or of the pair a, b when b is not
// -1; -1 when no row holds it.
func (ks *keys) list(a, b rune) int32 {
	if at := ks.slot(a, b); at != nil {
		return *at - 1
	}
	if k, ok := ks.high[pairKey(a, b)]; ok {
		return k
	}
	return -1
}

// withChars adds the character lists to a finished index, and sizes its
// term cache from it when the service left that to the index.
func (ix *index) withChars() *index {
	ix.chars = &chars{base: indexChars(ix, nil)}
	ix.sizeTerms()
	return ix
}

// sizeTerms sizes the term cache from the index when the service left
// that to the index.
func (ix *index) sizeTerms() {
	if ix.terms.max < 0 {
		ix.terms.max = max(minTermBytes, termBytesPerRow*ix.len())
	}
}

// withCharsFrom gives a patched index the lists of the index it was
// patched from, where moved says which row each of its rows became (-1:
// gone), and lists the rows that are new since those lists were built.
func (ix *index) withCharsFrom(from *index, moved []int32) *index {
	old := from.chars
	if old == nil {
		return ix.withChars()
	}
	toRow := make([]int32, old.base.rows)
	kept := make([]bool, ix.len())
	for b := range toRow {
		r := int32(b)
		if old.toRow != nil {
			r = old.toRow[b]
		}
		toRow[b] = -1
		if r >= 0 {
			toRow[b] = moved[r]
		}
		if toRow[b] >= 0 {
			kept[toRow[b]] = true
		}
	}
	var fresh []int32
	for r, k := range kept {
		if !k {
			fresh = append(fresh, int32(r))
		}
	}
	if len(fresh) > ix.len()/8 {
		return ix.withChars()
	}
	ix.chars = &chars{base: old.base, toRow: toRow}
	if len(fresh) > 0 {
		ix.chars.extra = indexChars(ix, fresh)
	}
	return ix
}

// A term's hits take 5 bytes a row: the term cache holds by default as
// much as sixteen terms found on every row, and at least a MiB.
const (
	termBytesPerRow = 16 * 5
	minTermBytes    = 1 << 20
)

// rowChars reads the characters and pairs of a row's fields, each once,
// with the bits of the fields holding it.
type rowChars struct {
	seen    []int32 // the row, plus one, that last held each key
	fields  []uint8
	touched []int32
}

func (rc *rowChars) read(ix *index, ks *keys, r int) []int32 {
	rc.touched = rc.touched[:0]
	touch := func(c int32, k int) {
		if int(c) >= len(rc.seen) {
			grow := int(c) + 1 - len(rc.seen)
			rc.seen, rc.fields = append(rc.seen, make([]int32, grow)...), append(rc.fields, make([]uint8, grow)...)
		}
		if rc.seen[c] != int32(r)+1 {
			rc.seen[c], rc.fields[c] = int32(r)+1, 0
			rc.touched = append(rc.touched, c)
		}
		rc.fields[c] |= 1 << k
	}
	for k := range 5 {
		f := ix.text[ix.field[5*r+k]:ix.field[5*r+k+1]]
		prev := rune(-1)
		for i := 0; i < len(f); {
			ch, size := rune(f[i]), 1
			if ch >= utf8.RuneSelf {
				ch, size = utf8.DecodeRune(f[i:])
			}
			i += size
			if ch == utf8.RuneError && size == 1 {
				prev = -1
				continue
			}
			touch(ks.number(ch, -1), k)
			if prev >= 0 {
				touch(ks.number(prev, ch), k)
			}
			prev = ch
		}
	}
	runtime.KeepAlive(ix)
	return rc.touched
}

// indexChars builds the lists of the index's rows given, or of every row
// when rows is nil: a first pass sizes each list, a second writes it in
// place, so nothing is held twice.
func indexChars(ix *index, rows []int32) *charLists {
	each := func(yield func(int) bool) {
		if rows == nil {
			for r := range ix.len() {
				if !yield(r) {
					return
				}
			}
		}
		for _, r := range rows {
			if !yield(int(r)) {
				return
			}
		}
	}
	ks := newKeys()
	var rc rowChars
	var last []int32
	var size []uint32
	var n []int32
	var buf [binary.MaxVarintLen64]byte
	for r := range each {
		for _, c := range rc.read(ix, &ks, r) {
			if int(c) >= len(last) {
				grow := int(c) + 1 - len(last)
				last, size, n = append(last, slices.Repeat([]int32{-1}, grow)...), append(size, make([]uint32, grow)...), append(n, make([]int32, grow)...)
			}
			size[c] += uint32(binary.PutUvarint(buf[:], posting(r, last[c], rc.fields[c])))
			last[c], n[c] = int32(r), n[c]+1
		}
	}
	ch := &charLists{keys: ks, n: n, off: make([]uint32, len(size)+1), rows: ix.len()}
	for c, s := range size {
		ch.off[c+1] = ch.off[c] + s
	}
	ch.data = outsideHeap(ch, int(ch.off[len(size)]))
	at := slices.Clone(ch.off[:len(size)])
	clear(rc.seen)
	for c := range last {
		last[c] = -1
	}
	for r := range each {
		for _, c := range rc.read(ix, &ch.keys, r) {
			at[c] += uint32(binary.PutUvarint(ch.data[at[c]:], posting(r, last[c], rc.fields[c])))
			last[c] = int32(r)
		}
	}
	return ch
}

func posting(r int, last int32, fields uint8) uint64 {
	return uint64(int32(r)-last)<<5 | uint64(fields)
}

func (ch *chars) size() int {
	n := ch.base.size() + 4*len(ch.toRow)
	if ch.extra != nil {
		n += ch.extra.size()
	}
	return n
}

func (ch *charLists) size() int {
	return len(ch.data) + 4*len(ch.off) + 4*len(ch.n) + 4*(len(ch.low)+len(ch.ord)+len(ch.pairs)) + 16*len(ch.high)
}

// postings are rows in program order with, for each, a set of fields.
type postings struct {
	rows   []int32
	fields []uint8
}

// decode reads list c whole.
func (ch *charLists) decode(c int32) postings {
	p := postings{rows: make([]int32, 0, ch.n[c]), fields: make([]uint8, 0, ch.n[c])}
	data, r := ch.data[ch.off[c]:ch.off[c+1]], int32(-1)
	for i := 0; i < len(data); {
		v, k := binary.Uvarint(data[i:])
		i += k
		r += int32(v >> 5)
		p.rows, p.fields = append(p.rows, r), append(p.fields, uint8(v&31))
	}
	runtime.KeepAlive(ch)
	return p
}

// within keeps the rows of p that list c holds too, in the fields both
// name; p is rewritten in place.
func (ch *charLists) within(p postings, c int32) postings {
	data, r := ch.data[ch.off[c]:ch.off[c+1]], int32(-1)
	out := postings{rows: p.rows[:0], fields: p.fields[:0]}
	var fields uint8
	for i, j := 0, 0; j < len(p.rows); j++ {
		want := p.rows[j]
		for r < want && i < len(data) {
			v, k := binary.Uvarint(data[i:])
			i += k
			r, fields = r+int32(v>>5), uint8(v&31)
		}
		if r < want {
			break
		}
		if f := p.fields[j] & fields; r == want && f != 0 {
			out.rows, out.fields = append(out.rows, r), append(out.fields, f)
		}
	}
	runtime.KeepAlive(ch)
	return out
}

// fieldScore is the score of a term held in the fields of the bits.
var fieldScore = func() (s [32]uint8) {
	for m := range s {
		for k, w := range fieldWeights {
			if m&(1<<k) != 0 {
				s[m] += uint8(w)
			}
		}
	}
	return s
}()

// charHits finds the rows holding t, scored as Rank scores them: a term
// of one or two characters from its list; a longer one by looking for it
// in the fields of the rows that the lists of all its pairs name.
func (ix *index) charHits(t []byte) *termHits {
	runes := []rune(string(t))
	p := ix.chars.base.candidates(runes)
	if to := ix.chars.toRow; to != nil {
		// Rows keep their order when moved: p stays in program order.
		k := 0
		for i, r := range p.rows {
			if to[r] >= 0 {
				p.rows[k], p.fields[k] = to[r], p.fields[i]
				k++
			}
		}
		p.rows, p.fields = p.rows[:k], p.fields[:k]
	}
	if ix.chars.extra != nil {
		p = merge(p, ix.chars.extra.candidates(runes))
	}
	if len(runes) <= 2 {
		h := &termHits{rows: p.rows, scores: p.fields}
		for i, f := range p.fields {
			h.scores[i] = fieldScore[f]
		}
		return h
	}
	return ix.verify(p, t)
}

// candidates are the rows holding every character of runes, when it is
// one, or else every pair of characters side by side in it, with the
// fields holding them all; the lists are read rarest first.
func (ch *charLists) candidates(runes []rune) postings {
	var lists []int32
	for i := range runes {
		var c int32
		switch {
		case len(runes) == 1:
			c = ch.list(runes[0], -1)
		case i > 0:
			c = ch.list(runes[i-1], runes[i])
		default:
			continue
		}
		if c < 0 {
			return postings{}
		}
		if !slices.Contains(lists, c) {
			lists = append(lists, c)
		}
	}
	slices.SortFunc(lists, func(a, b int32) int { return int(ch.n[a] - ch.n[b]) })
	p := ch.decode(lists[0])
	for _, c := range lists[1:] {
		if len(p.rows) == 0 {
			break
		}
		p = ch.within(p, c)
	}
	return p
}

// merge is the rows of a and b, which hold none in common, in order.
func merge(a, b postings) postings {
	out := postings{rows: make([]int32, 0, len(a.rows)+len(b.rows)), fields: make([]uint8, 0, len(a.rows)+len(b.rows))}
	i, j := 0, 0
	for i < len(a.rows) || j < len(b.rows) {
		if j == len(b.rows) || i < len(a.rows) && a.rows[i] < b.rows[j] {
			out.rows, out.fields = append(out.rows, a.rows[i]), append(out.fields, a.fields[i])
			i++
		} else {
			out.rows, out.fields = append(out.rows, b.rows[j]), append(out.fields, b.fields[j])
			j++
		}
	}
	return out
}

// verify scores t in the named fields of each candidate, keeping the rows
// that hold it; many candidates are shared among the cores.
func (ix *index) verify(p postings, t []byte) *termHits {
	n := len(p.rows)
	ends := make([]int, runtime.GOMAXPROCS(0))
	parts := inParts(n, verifyPart, func(w, lo, hi int) {
		// Each part rewrites its own stretch of p in place.
		at := lo
		for i := lo; i < hi; i++ {
			r := int(p.rows[i])
			var s uint8
			for f := p.fields[i]; f != 0; f &= f - 1 {
				k := bits.TrailingZeros8(f)
				if bytes.Contains(ix.text[ix.field[5*r+k]:ix.field[5*r+k+1]], t) {
					s += uint8(fieldWeights[k])
				}
			}
			if s > 0 {
				p.rows[at], p.fields[at] = p.rows[i], s
				at++
			}
		}
		ends[w] = at
	})
	runtime.KeepAlive(ix)
	h := &termHits{rows: p.rows[:0], scores: p.fields[:0]}
	for w := range parts {
		lo := w * n / parts
		h.rows = append(h.rows, p.rows[lo:ends[w]]...)
		h.scores = append(h.scores, p.fields[lo:ends[w]]...)
	}
	return h
}

// inParts calls fn on n items split into runs of at least least items,
// at most one a core, all at once, and says how many runs there were.
func inParts(n, least int, fn func(part, lo, hi int)) int {
	parts := min(runtime.GOMAXPROCS(0), max(1, n/least))
	var wg sync.WaitGroup
	for p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(p, p*n/parts, (p+1)*n/parts)
		}()
	}
	wg.Wait()
	return parts
}
