package program

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"time"
)

// An index is saved beside the database as a snapshot of what it was
// built from: its columns, dictionaries, search text and character lists,
// not the row lists and sets that done derives from them in a moment. A
// server started again loads it and checks it against the stored program
// (the same count and last change that refresh compares), so start-up
// reads a file instead of every activity: at 500,000 activities a few
// hundred megabytes read at disk speed rather than 18 s of reading rows
// and folding text and 8 s of listing characters. A snapshot that does
// not match, or cannot be read, is ignored and the index is built as
// before.

// snapshotMagic opens every snapshot; the number after it changes
// whenever the columns do, so a snapshot of an older layout is ignored.
const snapshotMagic = "sciweek program index 2\n"

// snapshotDelay is how long after a patch a snapshot is written: the
// approvals of a review session are saved together, not one by one.
const snapshotDelay = time.Minute

// snapshotPath is where the index of the chain under root is saved.
func (s *Service) snapshotPath(root int64) string {
	return filepath.Join(s.SnapshotDir, "index-"+strconv.FormatInt(root, 10)+".bin")
}

// loadSnapshot returns the saved index of the chain under root when it
// holds exactly the campaigns of scope and matches the stored program;
// nil otherwise.
func (s *Service) loadSnapshot(ctx context.Context, root int64, scope []int64) *index {
	if s.SnapshotDir == "" {
		return nil
	}
	f, err := os.Open(s.snapshotPath(root))
	if err != nil {
		return nil
	}
	defer f.Close()
	ix, err := readSnapshot(bufio.NewReaderSize(f, 1<<20), s.termBytes())
	if err != nil {
		s.Log.Warn("program index snapshot not read", "campaign", root, "err", err)
		return nil
	}
	if len(ix.scope) != len(scope) {
		return nil
	}
	for _, id := range scope {
		if !ix.scope[id] {
			return nil
		}
	}
	if mark, err := s.mark(ctx, scope); err != nil || mark != ix.mark() {
		return nil
	}
	return ix
}

// saveSnapshot writes the index of the chain under root, through a
// temporary file renamed into place, so a crash leaves the old snapshot
// or the new one, never half of one. Close waits for it.
func (s *Service) saveSnapshot(root int64, ix *index) {
	s.mu.Lock()
	if s.SnapshotDir == "" || s.closed {
		s.mu.Unlock()
		return
	}
	s.saves.Add(1)
	s.mu.Unlock()
	defer s.saves.Done()
	err := func() error {
		if err := os.MkdirAll(s.SnapshotDir, 0o700); err != nil {
			return err
		}
		tmp, err := os.CreateTemp(s.SnapshotDir, "index-*.tmp")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		w := bufio.NewWriterSize(tmp, 1<<20)
		err = ix.writeSnapshot(w)
		if err == nil {
			err = w.Flush()
		}
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		return os.Rename(tmp.Name(), s.snapshotPath(root))
	}()
	if err != nil {
		s.Log.Warn("program index snapshot not saved", "campaign", root, "err", err)
	}
}

// saveLater writes the snapshot of root's index a while after a patch,
// once for all the patches of that while.
func (s *Service) saveLater(root int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.SnapshotDir == "" || s.closed || s.saving[root] {
		return
	}
	if s.saving == nil {
		s.saving = map[int64]bool{}
	}
	s.saving[root] = true
	time.AfterFunc(snapshotDelay, func() { s.savePending(root) })
}

// savePending writes root's snapshot if a patch is waiting for it.
func (s *Service) savePending(root int64) {
	s.mu.Lock()
	pending := s.saving[root]
	delete(s.saving, root)
	h := s.indexes[root]
	s.mu.Unlock()
	if pending && h != nil {
		s.saveSnapshot(root, h.ix)
	}
}

// Close writes the snapshots patches are waiting for, waits for those
// being written, and writes none after: what a server stopping does, so
// it starts again from its last approvals.
func (s *Service) Close() {
	s.mu.Lock()
	roots := make([]int64, 0, len(s.saving))
	for root := range s.saving {
		roots = append(roots, root)
	}
	s.mu.Unlock()
	for _, root := range roots {
		s.savePending(root)
	}
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.saves.Wait()
}

// snapWriter writes a snapshot's parts, keeping the first error.
type snapWriter struct {
	w   io.Writer
	err error
}

func (s *snapWriter) bytes(b []byte) {
	s.uint(uint64(len(b)))
	if s.err == nil {
		_, s.err = s.w.Write(b)
	}
}

func (s *snapWriter) uint(v uint64) {
	if s.err == nil {
		s.err = binary.Write(s.w, binary.LittleEndian, v)
	}
}

func (s *snapWriter) dict(d *dict) {
	s.uint(uint64(len(d.codes)))
	for i := range d.codes {
		s.bytes([]byte(d.codes[i]))
		s.bytes([]byte(d.names[i]))
	}
}

// number is the kinds of number a column holds.
type number interface {
	int64 | int32 | uint64 | uint32 | uint8
}

// columnPart is how much of a column is encoded at a time: a column is
// never copied whole on its way to or from the file.
const columnPart = 64 << 10

// column writes a column of fixed-size numbers, its length first.
func column[T number](s *snapWriter, xs []T) {
	s.uint(uint64(len(xs)))
	var buf []byte
	for len(xs) > 0 && s.err == nil {
		part := xs[:min(len(xs), columnPart/binary.Size(xs[0]))]
		buf, s.err = binary.Append(buf[:0], binary.LittleEndian, part)
		if s.err == nil {
			_, s.err = s.w.Write(buf)
		}
		xs = xs[len(part):]
	}
}

// snapReader reads what snapWriter wrote, keeping the first error.
type snapReader struct {
	r   io.Reader
	err error
}

// maxPart bounds any length a snapshot gives, so a damaged file cannot
// ask for more memory than a national program needs.
const maxPart = 1 << 32

func (s *snapReader) uint() uint64 {
	var v uint64
	if s.err == nil {
		s.err = binary.Read(s.r, binary.LittleEndian, &v)
	}
	return v
}

func (s *snapReader) length() int {
	n := s.uint()
	if s.err == nil && n > maxPart {
		s.err = fmt.Errorf("a part of %d", n)
	}
	if s.err != nil {
		return 0
	}
	return int(n)
}

func (s *snapReader) bytes() []byte {
	b := make([]byte, s.length())
	if s.err == nil {
		_, s.err = io.ReadFull(s.r, b)
	}
	return b
}

// bytesOf reads bytes into memory outside the heap, owned by owner.
func bytesOf[T any](s *snapReader, owner *T) []byte {
	n := s.length()
	if s.err != nil {
		return nil
	}
	b := outsideHeap(owner, n)
	_, s.err = io.ReadFull(s.r, b)
	return b
}

func (s *snapReader) dict() *dict {
	d := newDict()
	for range s.length() {
		code, name := string(s.bytes()), string(s.bytes())
		if s.err != nil {
			break
		}
		d.intern(code, name)
	}
	return d
}

func readColumn[T number](s *snapReader) []T {
	xs := make([]T, s.length())
	if len(xs) == 0 {
		return xs
	}
	size := binary.Size(xs[0])
	buf := make([]byte, min(len(xs), columnPart/size)*size)
	for rest := xs; len(rest) > 0 && s.err == nil; {
		part := rest[:min(len(rest), len(buf)/size)]
		if _, s.err = io.ReadFull(s.r, buf[:len(part)*size]); s.err == nil {
			_, s.err = binary.Decode(buf[:len(part)*size], binary.LittleEndian, part)
		}
		rest = rest[len(part):]
	}
	return xs
}

// castagnoli sums a snapshot: the sum of all before it ends the file, so
// a snapshot damaged anywhere is refused.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// writeSnapshot writes what the index was built from, then its sum.
func (ix *index) writeSnapshot(w io.Writer) error {
	sum := crc32.New(castagnoli)
	s := &snapWriter{w: io.MultiWriter(w, sum)}
	s.bytes([]byte(snapshotMagic))
	scope := make([]int64, 0, len(ix.scope))
	for id := range ix.scope {
		scope = append(scope, id)
	}
	slices.Sort(scope)
	column(s, scope)
	s.uint(uint64(ix.updated))
	for _, d := range ix.dicts() {
		s.dict(d)
	}
	column(s, ix.id)
	column(s, ix.start)
	column(s, ix.filing)
	column(s, ix.changed)
	column(s, ix.sessStart)
	column(s, ix.days)
	column(s, ix.audience)
	column(s, ix.campaign)
	column(s, ix.unit)
	column(s, ix.district)
	column(s, ix.province)
	column(s, ix.city)
	column(s, ix.category)
	column(s, ix.expected)
	column(s, ix.sessDay)
	column(s, ix.unitDistrict)
	column(s, ix.cityProvince)
	column(s, ix.districtCity)
	column(s, ix.sessOff)
	column(s, ix.field)
	column(s, ix.flags)
	s.bytes(ix.text)
	rows := make([]int32, 0, len(ix.moreDays))
	for r := range ix.moreDays {
		rows = append(rows, r)
	}
	slices.Sort(rows)
	s.uint(uint64(len(rows)))
	for _, r := range rows {
		s.uint(uint64(r))
		column(s, ix.moreDays[r])
	}
	s.lists(ix.chars.base)
	column(s, ix.chars.toRow)
	s.uint(boolUint(ix.chars.extra != nil))
	if ix.chars.extra != nil {
		s.lists(ix.chars.extra)
	}
	runtime.KeepAlive(ix)
	if s.err == nil {
		s.err = binary.Write(w, binary.LittleEndian, sum.Sum32())
	}
	return s.err
}

// dicts are the index's dictionaries in the order a snapshot holds them.
func (ix *index) dicts() []*dict {
	return []*dict{ix.campaigns, ix.days_, ix.units, ix.districts, ix.provinces, ix.cities, ix.categories, ix.audiences}
}

// readSnapshot reads an index writeSnapshot wrote and derives the rest
// (row lists, row sets, the character lists) as a build does.
func readSnapshot(r io.Reader, termBytes int) (*index, error) {
	sum := crc32.New(castagnoli)
	s := &snapReader{r: io.TeeReader(r, sum)}
	if magic := s.bytes(); s.err == nil && string(magic) != snapshotMagic {
		return nil, errors.New("not a snapshot of this layout")
	}
	b := newBuilder(nil, 0, readColumn[int64](s), termBytes)
	ix := b.ix
	ix.updated = int64(s.uint())
	ix.campaigns, ix.days_, ix.units, ix.districts = s.dict(), s.dict(), s.dict(), s.dict()
	ix.provinces, ix.cities, ix.categories, ix.audiences = s.dict(), s.dict(), s.dict(), s.dict()
	ix.id, ix.start, ix.filing, ix.changed, ix.sessStart = readColumn[int64](s), readColumn[int64](s), readColumn[int64](s), readColumn[int64](s), readColumn[int64](s)
	ix.days, ix.audience = readColumn[uint64](s), readColumn[uint64](s)
	ix.campaign, ix.unit, ix.district, ix.province = readColumn[int32](s), readColumn[int32](s), readColumn[int32](s), readColumn[int32](s)
	ix.city, ix.category, ix.expected, ix.sessDay = readColumn[int32](s), readColumn[int32](s), readColumn[int32](s), readColumn[int32](s)
	ix.unitDistrict, ix.cityProvince, ix.districtCity = readColumn[int32](s), readColumn[int32](s), readColumn[int32](s)
	ix.sessOff, ix.field = readColumn[uint32](s), readColumn[uint32](s)
	ix.flags = readColumn[uint8](s)
	ix.text = bytesOf(s, ix)
	for range s.length() {
		r := int32(s.uint())
		ix.moreDays[r] = readColumn[int32](s)
	}
	ch := &chars{base: s.lists()}
	if ch.toRow = readColumn[int32](s); len(ch.toRow) == 0 {
		ch.toRow = nil
	}
	if s.uint() == 1 {
		ch.extra = s.lists()
	}
	if s.err != nil {
		return nil, s.err
	}
	var want uint32
	if err := binary.Read(r, binary.LittleEndian, &want); err != nil {
		return nil, err
	}
	if want != sum.Sum32() {
		return nil, errors.New("its sum does not match")
	}
	if err := ix.consistent(); err != nil {
		return nil, err
	}
	if err := ch.consistent(ix.len()); err != nil {
		return nil, err
	}
	ix.chars = ch
	ix.sizeTerms()
	return b.done(), nil
}

// consistent checks that a snapshot's columns agree with each other, so
// a damaged one is refused rather than read out of bounds later.
func (ix *index) consistent() error {
	n := ix.len()
	for _, l := range []int{len(ix.start), len(ix.filing), len(ix.changed), len(ix.days), len(ix.audience), len(ix.campaign), len(ix.unit),
		len(ix.district), len(ix.province), len(ix.city), len(ix.category), len(ix.expected), len(ix.flags)} {
		if l != n {
			return errors.New("columns of different lengths")
		}
	}
	if len(ix.sessOff) != n+1 || len(ix.field) != 5*n+1 || len(ix.sessDay) != len(ix.sessStart) ||
		int(ix.sessOff[n]) != len(ix.sessStart) || int(ix.field[5*n]) != len(ix.text) {
		return errors.New("sessions or search text out of line")
	}
	for i := 1; i < len(ix.field); i++ {
		if ix.field[i] < ix.field[i-1] {
			return errors.New("search text out of order")
		}
	}
	for i := 1; i < len(ix.sessOff); i++ {
		if ix.sessOff[i] < ix.sessOff[i-1] {
			return errors.New("sessions out of order")
		}
	}
	for _, c := range []struct {
		col []int32
		d   *dict
	}{{ix.campaign, ix.campaigns}, {ix.unit, ix.units}, {ix.district, ix.districts}, {ix.province, ix.provinces}, {ix.city, ix.cities},
		{ix.category, ix.categories}, {ix.sessDay, ix.days_}, {ix.unitDistrict, ix.districts}, {ix.cityProvince, ix.provinces},
		{ix.districtCity, ix.cities}} {
		for _, k := range c.col {
			if k < -1 || int(k) >= len(c.d.codes) {
				return errors.New("a value outside its dictionary")
			}
		}
	}
	if len(ix.unitDistrict) != len(ix.units.codes) || len(ix.cityProvince) != len(ix.cities.codes) || len(ix.districtCity) != len(ix.districts.codes) {
		return errors.New("units, cities or districts without the level above")
	}
	return nil
}

func boolUint(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// lists writes character lists: their keys, then where each list is.
func (s *snapWriter) lists(ch *charLists) {
	column(s, ch.low)
	column(s, ch.ord)
	column(s, ch.pairs)
	high := make([]uint64, 0, len(ch.high))
	for k := range ch.high {
		high = append(high, k)
	}
	slices.Sort(high)
	numbers := make([]int32, len(high))
	for i, k := range high {
		numbers[i] = ch.high[k]
	}
	column(s, high)
	column(s, numbers)
	s.uint(uint64(ch.keys.n))
	s.uint(uint64(ch.met))
	s.uint(uint64(ch.rows))
	column(s, ch.off)
	column(s, ch.n)
	s.bytes(ch.data)
	runtime.KeepAlive(ch)
}

// lists reads what snapWriter.lists wrote.
func (s *snapReader) lists() *charLists {
	ch := &charLists{}
	ch.low, ch.ord, ch.pairs = readColumn[int32](s), readColumn[int32](s), readColumn[int32](s)
	high, numbers := readColumn[uint64](s), readColumn[int32](s)
	ch.keys.n, ch.met, ch.rows = int32(s.uint()), int32(s.uint()), s.length()
	ch.off, ch.n = readColumn[uint32](s), readColumn[int32](s)
	ch.data = bytesOf(s, ch)
	if s.err == nil && len(high) != len(numbers) {
		s.err = errors.New("character keys out of line")
	}
	if s.err != nil {
		return nil
	}
	ch.high = make(map[uint64]int32, len(high))
	for i, k := range high {
		ch.high[k] = numbers[i]
	}
	return ch
}

// consistent checks that the lists of a snapshot name lists they hold
// and rows of an index of n rows.
func (ch *chars) consistent(n int) error {
	base := ch.base
	if ch.toRow == nil && base.rows != n || ch.toRow != nil && len(ch.toRow) != base.rows || ch.extra != nil && ch.extra.rows != n {
		return errors.New("character lists of another program")
	}
	for _, r := range ch.toRow {
		if r < -1 || int(r) >= n {
			return errors.New("a row moved outside the program")
		}
	}
	for _, l := range []*charLists{base, ch.extra} {
		if l == nil {
			continue
		}
		if err := l.consistent(); err != nil {
			return err
		}
	}
	return nil
}

func (ch *charLists) consistent() error {
	lists := len(ch.n)
	if len(ch.low) != lowRunes || len(ch.ord) != lowRunes || len(ch.pairs) != pairSide*pairSide || int(ch.keys.n) != lists ||
		len(ch.off) != lists+1 || int(ch.off[lists]) != len(ch.data) {
		return errors.New("character lists out of line")
	}
	for i := 1; i < len(ch.off); i++ {
		if ch.off[i] < ch.off[i-1] {
			return errors.New("character lists out of order")
		}
	}
	for _, table := range [][]int32{ch.low, ch.pairs} {
		for _, k := range table {
			if k < 0 || int(k) > lists {
				return errors.New("a character key outside the lists")
			}
		}
	}
	for _, k := range ch.ord {
		if k < 0 || k > pairSide {
			return errors.New("a character placed outside the table of pairs")
		}
	}
	for _, k := range ch.high {
		if k < 0 || int(k) >= lists {
			return errors.New("a character key outside the lists")
		}
	}
	return nil
}
