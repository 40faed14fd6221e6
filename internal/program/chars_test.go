package program

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestCharHitsMatchTheScan compares what the character lists find with
// a scan of the text, after the lists are built and after approvals.
func TestCharHitsMatchTheScan(t *testing.T) {
	b := newBuilder(nil, 0, []int64{1}, -1)
	for i := range 600 {
		r := testRow(i, 0)
		b.add(&r)
	}
	ix := b.done().withChars()
	matchScan(t, ix)
	if ix.terms.max != minTermBytes {
		t.Errorf("a small program's term cache holds %d bytes, want %d", ix.terms.max, minTermBytes)
	}
	// Approvals, each of a tenth of the rows: the first lists its rows
	// apart, the second makes the rows apart more than an eighth, so the
	// lists are built again, and so on.
	for k, filing := range []int64{3, 5, 3, 7, 8} {
		var rows []indexRow
		for i := range 600 {
			if r := testRow(i, k+1); r.filing == filing {
				rows = append(rows, r)
			}
		}
		slices.SortFunc(rows, func(x, y indexRow) int { return programOrder(x.start, x.id, y.start, y.id) })
		ix = ix.patched(filing, rows[:len(rows)-k])
		if (ix.chars.extra != nil) != (k%2 == 0) {
			t.Errorf("patch %d: rows listed apart %v", k+1, ix.chars.extra != nil)
		}
		matchScan(t, ix)
	}
}

var testWords = []string{"科技", "科学", "技术", "普及", "华侨大学", "vr", "ai", "机器人", "科科", "k", "2026", "ÿ", "\ufffd", "𝛑", "实验室", "讲座"}

// testRow is the i-th row of a small program, its text as of version v.
func testRow(i, v int) indexRow {
	r := indexRow{id: int64(i + 1), start: int64(i / 3), unit: fmt.Sprint("u", i%7), filing: int64(i%10 + 1)}
	for k := range r.fields {
		for j := range (i*7+k*3+v)%5 + k%2 {
			r.fields[k] += testWords[(i*(k+1)+j*5+v*3)%len(testWords)]
		}
	}
	// More characters than the table of pairs takes.
	r.fields[3] += string(rune(0x4e00+(i*7+v)%1500)) + string(rune(0x4e00+(i*11)%1500))
	return r
}

// matchScan finds every piece of one to four characters of the rows'
// text, and words held nowhere, from the lists and by scanning the text:
// the rows and their scores must be the same.
func matchScan(t *testing.T, ix *index) {
	t.Helper()
	terms := map[string]bool{"量子": true, "科技普及化": true, "zz": true}
	for r := range ix.len() {
		for k := range 5 {
			f := []rune(string(ix.text[ix.field[5*r+k]:ix.field[5*r+k+1]]))
			for i := range f {
				for n := 1; n <= 4 && i+n <= len(f); n++ {
					terms[string(f[i:i+n])] = true
				}
			}
		}
	}
	for term := range terms {
		want, got := ix.scan([]byte(term)), ix.charHits([]byte(term))
		if !slices.Equal(got.rows, want.rows) || !slices.Equal(got.scores, want.scores) {
			t.Fatalf("%q (%d characters): rows %v scores %v, the scan %v %v", term, utf8.RuneCountInString(term), got.rows, got.scores, want.rows, want.scores)
		}
	}
}

// BenchmarkTermHits finds a word in 100,000 rows from the character
// lists and by scanning the text, side by side: one character on most
// rows, two, a rare word and one held nowhere.
func BenchmarkTermHits(b *testing.B) {
	build := newBuilder(nil, 0, []int64{1}, -1)
	for i := range 100000 {
		r := testRow(i, 0)
		r.fields[3] = strings.Repeat(r.fields[0]+r.fields[1]+"的科学原理，现场互动体验。", 4)
		build.add(&r)
	}
	ix := build.done().withChars()
	for _, q := range []struct{ name, term string }{{"one", "科"}, {"two", "科技"}, {"rare", "2026华侨"}, {"none", "不存在的词语"}} {
		for _, way := range []struct {
			name string
			find func([]byte) *termHits
		}{{"lists", ix.charHits}, {"scan", ix.scan}} {
			b.Run(q.name+"/"+way.name, func(b *testing.B) {
				for b.Loop() {
					way.find([]byte(q.term))
				}
			})
		}
	}
}

// TestSnapshotHoldsTheLists: an index read from its snapshot, after
// approvals listed rows apart, has the character lists it was saved
// with, in memory mapped apart from the heap, and finds what a scan
// finds; a snapshot of the layout before the lists were saved is refused.
func TestSnapshotHoldsTheLists(t *testing.T) {
	defer func(least int) { outsideMin = least }(outsideMin)
	outsideMin = 0
	b := newBuilder(nil, 0, []int64{1}, -1)
	for i := range 600 {
		r := testRow(i, 0)
		b.add(&r)
	}
	ix := b.done().withChars()
	var rows []indexRow
	for i := range 600 {
		if r := testRow(i, 1); r.filing == 3 {
			rows = append(rows, r)
		}
	}
	slices.SortFunc(rows, func(x, y indexRow) int { return programOrder(x.start, x.id, y.start, y.id) })
	ix = ix.patched(3, rows)
	if ix.chars.toRow == nil || ix.chars.extra == nil {
		t.Fatal("the approval did not list its rows apart")
	}
	var saved bytes.Buffer
	if err := ix.writeSnapshot(&saved); err != nil {
		t.Fatal(err)
	}
	loaded, err := readSnapshot(bytes.NewReader(saved.Bytes()), -1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(loaded.chars, ix.chars) {
		t.Error("the lists read differ from the lists saved")
	}
	if loaded.terms.max != ix.terms.max {
		t.Errorf("term cache of %d bytes, want %d", loaded.terms.max, ix.terms.max)
	}
	matchScan(t, loaded)

	old := bytes.Replace(saved.Bytes(), []byte(snapshotMagic), []byte("sciweek program index 1\n"), 1)
	if _, err := readSnapshot(bytes.NewReader(old), -1); err == nil {
		t.Error("a snapshot of the older layout was read")
	}
}
