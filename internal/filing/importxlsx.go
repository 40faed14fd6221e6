package filing

import (
	"archive/zip"
	"bytes"
	"io"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/xuri/excelize/v2"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/timetext"
)

// Limits of a workbook import.
const (
	// MaxImportBytes is the largest upload accepted; the handler enforces
	// it while reading.
	MaxImportBytes = 10 << 20
	// MaxImportRows is the most data rows one workbook may hold.
	MaxImportRows = 10000
	// maxUnzippedBytes bounds what the whole workbook may unpack to, so a
	// small zip bomb cannot fill the memory or the disk.
	maxUnzippedBytes = 64 << 20
	// maxXMLBytes is how much of one part is unpacked in memory; larger
	// worksheets are streamed from a temporary file.
	maxXMLBytes = 16 << 20
	// maxPartBytes bounds one worksheet or the shared strings: both are
	// decoded whole, and 10,000 rows of long texts stay well below it.
	maxPartBytes = 32 << 20
	// maxParts bounds the entries of the zip.
	maxParts = 10000
	// headerScanRows is how far down a sheet the header row is looked for.
	headerScanRows = 30
	// maxMerges bounds the merged ranges of a sheet that are honoured.
	maxMerges = 100000
)

// ImportRow is a row that passed the checks, ready to become an item.
type ImportRow struct {
	Row    int    // the row number in the sheet, as Excel shows it
	Values Values // normalised by Check
	// Readings are how the opening times of the row were read, by field
	// key: the text as written, its sessions and a summary.
	Readings map[string]timetext.Reading
}

// ImportProblem is one thing wrong with one cell or row.
type ImportProblem struct {
	Row   int      // sheet row number (0 for a problem with the whole sheet, e.g. a missing column)
	Field string   // the field key ("" for the whole row)
	Label string   // the column header as the template names it
	Value string   // what the cell held
	Msg   errs.Msg // the message (catalogue key + args)
}

// ImportRejected is a row left out of the import, with the values as read
// from the sheet (trimmed, merged cells filled in, date serials written as
// dates) so that the user can correct them in the preview.
type ImportRejected struct {
	Row      int
	Values   Values
	Readings map[string]timetext.Reading // as in ImportRow, flags and all
}

// ImportResult is the preview of a workbook.
type ImportResult struct {
	Sheet     string
	HeaderRow int
	// Unit is what the 填报单位（盖章）： line above the header names, if
	// anything; the caller may compare it with the filing unit.
	Unit     string
	Rows     []ImportRow      // only the importable rows
	Problems []ImportProblem  // every problem, by row
	Rejected []ImportRejected // the rows left out, with their raw values by field key
	Ignored  []string         // header cells that match no field (序号 aside)
	// Unknown are the values of choice columns that are none of the
	// choices, each once with its rows and a suggestion.
	Unknown []UnknownChoice
}

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// ReadWorkbook reads the items of table t from an .xlsx workbook filled by
// hand: the first sheet holding the table's header row, found by its
// column names whatever rows stand above it (附件1, the title, 填报单位),
// whatever order the columns come in and whatever extra columns there are.
// Every data row goes through Check; blank rows and the notes below the
// table (注：…, 填表人：…, 合计) are skipped. A value merged over several
// rows applies to each of them.
// Errors: Invalid "filing.import.empty", "filing.import.xls" (the old
// binary format or an encrypted workbook), "filing.import.not_xlsx"
// (anything else that is not a readable .xlsx), "filing.import.no_header",
// "filing.import.too_many_rows"; TooLarge "filing.import.too_large" (over
// MaxImportBytes) and "filing.import.unzip_too_large" (unpacks to too much).
func ReadWorkbook(r io.ReaderAt, size int64, t Template, w Window) (ImportResult, error) {
	if size <= 0 {
		return ImportResult{}, errs.New(errs.Invalid, "filing.import.empty")
	}
	if size > MaxImportBytes {
		return ImportResult{}, errs.New(errs.TooLarge, "filing.import.too_large", MaxImportBytes>>20)
	}
	head := make([]byte, 8)
	if n, _ := r.ReadAt(head, 0); n < len(head) {
		return ImportResult{}, errs.New(errs.Invalid, "filing.import.not_xlsx")
	}
	if bytes.Equal(head, oleMagic) {
		return ImportResult{}, errs.New(errs.Invalid, "filing.import.xls")
	}
	if !bytes.HasPrefix(head, zipMagic) {
		return ImportResult{}, errs.New(errs.Invalid, "filing.import.not_xlsx")
	}
	zr, err := zip.NewReader(io.NewSectionReader(r, 0, size), size)
	if err != nil {
		return ImportResult{}, errs.Wrap(errs.Invalid, err, "filing.import.not_xlsx")
	}
	parts, err := checkParts(zr)
	if err != nil {
		return ImportResult{}, err
	}
	f, err := excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{
		RawCellValue: true, UnzipSizeLimit: maxUnzippedBytes, UnzipXMLSizeLimit: maxXMLBytes})
	if f != nil {
		defer f.Close()
	}
	if err != nil {
		if strings.Contains(err.Error(), "unzip size exceeds") {
			return ImportResult{}, errs.Wrap(errs.TooLarge, err, "filing.import.unzip_too_large", maxUnzippedBytes>>20)
		}
		return ImportResult{}, errs.Wrap(errs.Invalid, err, "filing.import.not_xlsx")
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return ImportResult{}, errs.New(errs.Invalid, "filing.import.not_xlsx")
	}
	date1904 := false
	if p, err := f.GetWorkbookProps(); err == nil && p.Date1904 != nil {
		date1904 = *p.Date1904
	}
	paths := sheetPaths(parts)
	for _, sheet := range sheets {
		sr := sheetReader{t: t, w: w, date1904: date1904}
		found, err := sr.read(f, sheet)
		if err != nil {
			return ImportResult{}, err
		}
		if !found {
			continue
		}
		merges, err := sheetMerges(f, sheet, parts[strings.ToLower(paths[sheet])])
		if err != nil {
			return ImportResult{}, errs.Wrap(errs.Invalid, err, "filing.import.not_xlsx")
		}
		res := sr.result(merges)
		res.Sheet = sheet
		return res, nil
	}
	return ImportResult{}, errs.New(errs.Invalid, "filing.import.no_header", t.Attachment(), t.Title, headerExample(t))
}

// checkParts refuses a zip that unpacks to too much, by the sizes its
// directory declares; the zip reader refuses to inflate an entry past its
// declared size, so a lying directory cannot get round it. It returns the
// entries by lower-case name.
func checkParts(zr *zip.Reader) (map[string]*zip.File, error) {
	if len(zr.File) > maxParts {
		return nil, errs.New(errs.TooLarge, "filing.import.unzip_too_large", maxUnzippedBytes>>20)
	}
	parts := make(map[string]*zip.File, len(zr.File))
	var total uint64
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		if zf.UncompressedSize64 > maxPartBytes || total > maxUnzippedBytes {
			return nil, errs.New(errs.TooLarge, "filing.import.unzip_too_large", maxUnzippedBytes>>20)
		}
		parts[strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(zf.Name, "\\", "/"), "/"))] = zf
	}
	return parts, nil
}

// headerExample names the first required columns, for the message that
// says no header row was found.
func headerExample(t Template) string {
	var labels []string
	for _, f := range t.Active() {
		if f.Required && len(labels) < 3 {
			labels = append(labels, f.Label)
		}
	}
	return strings.Join(labels, "、")
}

// column is what one column of the sheet holds.
type column struct {
	field Field
	ok    bool // the column is a field's
}

// rawRow is a data row as read: cells by column index, untrimmed.
type rawRow struct {
	n     int
	cells []string
}

// sheetReader reads one sheet.
type sheetReader struct {
	t        Template
	w        Window
	date1904 bool

	labels    []labelKey
	headerRow int
	header    []string // the header cells, trimmed
	cols      []column
	missing   []Field
	ignored   []string
	unit      string
	rows      []rawRow
}

// read looks for the header row in the first rows of the sheet and, when
// it is there, reads the data rows below it.
func (s *sheetReader) read(f *excelize.File, sheet string) (bool, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return false, errs.Wrap(errs.Invalid, err, "filing.import.not_xlsx")
	}
	defer rows.Close()
	footer := false
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns()
		if err != nil {
			return false, errs.Wrap(errs.Invalid, err, "filing.import.not_xlsx")
		}
		if s.cols == nil {
			if n > headerScanRows {
				return false, nil
			}
			if cols, ok := s.matchHeader(cells); ok {
				s.setHeader(n, cols, cells)
			} else if u := unitLine(cells); u != "" && s.unit == "" {
				s.unit = u
			}
			continue
		}
		if len(cells) > len(s.cols) {
			cells = cells[:len(s.cols)]
		}
		filled := s.filled(cells)
		switch {
		case isNote(cells):
			footer = true
			continue
		case filled == 0:
			continue
		case footer && filled < 2:
			continue // a note running over several lines
		}
		if s.isHeader(cells) {
			continue // the header repeated, as on each printed page
		}
		if len(s.rows) == MaxImportRows {
			return false, errs.New(errs.Invalid, "filing.import.too_many_rows", MaxImportRows)
		}
		s.rows = append(s.rows, rawRow{n: n, cells: cells})
	}
	if err := rows.Error(); err != nil {
		return false, errs.Wrap(errs.Invalid, err, "filing.import.not_xlsx")
	}
	return s.cols != nil, nil
}

// filled counts the cells of the row that hold something in a field's
// column; 序号 and unknown columns do not count.
func (s *sheetReader) filled(cells []string) int {
	n := 0
	for i, c := range cells {
		if i < len(s.cols) && s.cols[i].ok && trimCell(c) != "" {
			n++
		}
	}
	return n
}

// matchHeader maps the cells to fields when they are the table's header
// row: they name at least half the active fields.
func (s *sheetReader) matchHeader(cells []string) ([]column, bool) {
	active := s.t.Active()
	need := max(1, (len(active)+1)/2)
	if len(cells) < need {
		return nil, false
	}
	cols := make([]column, len(cells))
	used := map[string]bool{}
	activeHits := 0
	for i, c := range cells {
		f, ok := s.fieldFor(c)
		if !ok || used[f.Key] {
			continue
		}
		used[f.Key] = true
		cols[i] = column{field: f, ok: true}
		if !f.Retired {
			activeHits++
		}
	}
	if activeHits < need {
		return nil, false
	}
	return cols, true
}

// labelKey is a label of a field in the forms headerKey gives.
type labelKey struct {
	field        Field
	exact, loose string
}

// fieldFor returns the field a header cell names: exactly, or once
// spaces, line breaks, the ＊ of a required column and remarks in
// parentheses are set aside.
func (s *sheetReader) fieldFor(cell string) (Field, bool) {
	if s.labels == nil {
		for _, f := range s.t.Fields {
			for _, label := range []string{f.Label, f.LabelEn} {
				if label != "" {
					e, l := headerKey(label)
					s.labels = append(s.labels, labelKey{field: f, exact: e, loose: l})
				}
			}
		}
	}
	exact, loose := headerKey(cell)
	if exact == "" {
		return Field{}, false
	}
	for _, l := range s.labels {
		if l.exact == exact {
			return l.field, true
		}
	}
	for _, l := range s.labels {
		if l.loose == loose {
			return l.field, true
		}
	}
	return Field{}, false
}

// isHeader reports whether a data row repeats the header row.
func (s *sheetReader) isHeader(cells []string) bool {
	same, named := 0, 0
	for i, c := range s.cols {
		if !c.ok {
			continue
		}
		named++
		if i < len(cells) && trimCell(cells[i]) == s.header[i] {
			same++
		}
	}
	return same*2 > named
}

var remark = regexp.MustCompile(`\([^)]*\)|\[[^\]]*\]|【[^】]*】`)

// headerKey returns a header cell in two comparable forms: without
// spaces and marks, and further without remarks in parentheses.
func headerKey(s string) (exact, loose string) {
	exact = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r) || r == '*' || r == '＊' || r == '\ufeff' || r == '\u200b':
			return -1
		case r >= '！' && r <= '～':
			r = r - '！' + '!'
		}
		return unicode.ToLower(r)
	}, s)
	exact = strings.TrimRight(exact, ":")
	loose = strings.TrimRight(remark.ReplaceAllString(exact, ""), ":")
	return exact, loose
}

// isSerialColumn reports whether a header cell is the 序号 column, which
// every printed table carries and which the import does not need.
func isSerialColumn(cell string) bool {
	_, k := headerKey(cell)
	switch k {
	case "序号", "序", "编号", "no", "no.", "#":
		return true
	}
	return false
}

// setHeader records the header row, what each column holds, the required
// columns the sheet lacks and the header cells that name no field.
func (s *sheetReader) setHeader(n int, cols []column, cells []string) {
	s.headerRow = n
	width := 0
	for i, c := range cols {
		if c.ok {
			width = i + 1
		}
	}
	s.cols = cols[:width]
	s.header = make([]string, width)
	for i := range s.header {
		s.header[i] = trimCell(cells[i])
	}
	has := map[string]bool{}
	for _, c := range s.cols {
		if c.ok {
			has[c.field.Key] = true
		}
	}
	for i, c := range cells {
		if (i < width && cols[i].ok) || trimCell(c) == "" || isSerialColumn(c) {
			continue
		}
		s.ignored = append(s.ignored, strings.Join(strings.Fields(c), " "))
	}
	for _, f := range s.t.Active() {
		if f.Required && !has[f.Key] {
			s.missing = append(s.missing, f)
		}
	}
}

// result applies the merged ranges and checks each row.
func (s *sheetReader) result(merges []mergeRange) ImportResult {
	res := ImportResult{HeaderRow: s.headerRow, Unit: s.unit, Ignored: s.ignored}
	for _, f := range s.missing {
		res.Problems = append(res.Problems, ImportProblem{Field: f.Key, Label: f.Label,
			Msg: errs.Msg{Key: "filing.import.missing_column", Args: []any{f.Label}}})
	}
	rows := s.fillMerges(merges)
	checked := make([]checkedRow, len(rows))
	s.checkAll(rows, checked)
	var rejected []rawRowValues
	for i, raw := range rows {
		c := checked[i]
		if len(c.bad) == 0 {
			res.Rows = append(res.Rows, ImportRow{Row: raw.n, Values: c.out, Readings: c.readings})
			continue
		}
		res.Rejected = append(res.Rejected, ImportRejected{Row: raw.n, Values: c.in, Readings: c.readings})
		rejected = append(rejected, rawRowValues{row: raw.n, values: c.in})
		for _, f := range s.t.Fields {
			if m, ok := c.bad[f.Key]; ok {
				res.Problems = append(res.Problems, ImportProblem{Row: raw.n, Field: f.Key, Label: f.Label, Value: c.in[f.Key], Msg: m})
			}
		}
	}
	res.Unknown = unknownChoices(s.t, s.w, rejected)
	return res
}

// checkedRow is a row as read and as Check returns it.
type checkedRow struct {
	in, out  Values
	bad      map[string]errs.Msg
	readings map[string]timetext.Reading
}

// checkAll checks the rows on every processor: checking is most of the
// time an import takes once the sheet is read.
func (s *sheetReader) checkAll(rows []rawRow, out []checkedRow) {
	workers := min(runtime.GOMAXPROCS(0), 8, 1+len(rows)/256)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(rows); i += workers {
				out[i] = s.check(rows[i])
			}
		}()
	}
	wg.Wait()
}

// check reads one row's values and checks them.
func (s *sheetReader) check(raw rawRow) checkedRow {
	in := Values{}
	for i, c := range raw.cells {
		if i < len(s.cols) && s.cols[i].ok {
			f := s.cols[i].field
			in[f.Key] = cellText(f, c, s.date1904)
		}
	}
	for _, f := range s.t.Active() {
		if _, ok := in[f.Key]; !ok {
			in[f.Key] = ""
		}
	}
	out, bad, readings := check(s.t, s.w, in)
	return checkedRow{in: in, out: out, bad: bad, readings: readings}
}

// fillMerges drops the rows that belong to a header merged over several
// rows and gives the cells under a value merged down over several rows
// that value. Only the first column of a merge is filled, so a value
// merged across two fields is not copied into the second.
func (s *sheetReader) fillMerges(merges []mergeRange) []rawRow {
	headerEnd := s.headerRow
	for _, m := range merges {
		if m.top <= s.headerRow && m.bottom > headerEnd && m.bottom <= s.headerRow+3 {
			headerEnd = m.bottom
		}
	}
	rows := s.rows
	for len(rows) > 0 && rows[0].n <= headerEnd {
		rows = rows[1:]
	}
	if len(rows) == 0 {
		return rows
	}
	byCol := map[int][]mergeRange{}
	for _, m := range merges {
		if m.bottom > m.top && m.left < len(s.cols) && s.cols[m.left].ok && m.top > headerEnd {
			byCol[m.left] = append(byCol[m.left], m)
		}
	}
	index := func(n int) int { return sort.Search(len(rows), func(i int) bool { return rows[i].n >= n }) }
	for col, ms := range byCol {
		sort.Slice(ms, func(i, j int) bool { return ms[i].top < ms[j].top })
		last := 0
		for _, m := range ms {
			if m.top <= last {
				continue // overlapping ranges are not a sheet Excel writes
			}
			last = m.bottom
			i := index(m.top)
			if i == len(rows) || rows[i].n != m.top || col >= len(rows[i].cells) {
				continue
			}
			v := rows[i].cells[col]
			for i++; i < len(rows) && rows[i].n <= m.bottom; i++ {
				r := &rows[i]
				if col < len(r.cells) && trimCell(r.cells[col]) != "" {
					continue
				}
				for len(r.cells) <= col {
					r.cells = append(r.cells, "")
				}
				r.cells[col] = v
			}
		}
	}
	return rows
}
