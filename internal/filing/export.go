package filing

import (
	"archive/zip"
	"compress/flate"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// ExportRow is one approved item with who filed it.
type ExportRow struct {
	District string // the district bureau's name (所属区县), empty for the city's own
	Unit     string // the filing organisation's name (填报单位)
	Values   Values
}

// ExportSpec says what to export.
type ExportSpec struct {
	Template Template
	Year     int    // campaign year for the title: "2020年科技活动周重点项目备案表"
	Filer    string // text after 填报单位（盖章）：, e.g. 泉州市科学技术局 or 丰泽区工业信息化和科技局
	// WithUnits adds the 所属区县 and 填报单位 columns after 序号 (the whole city's export).
	WithUnits bool
	// GroupLabel, when set, heads the grouping column instead of 所属区县:
	// a level above a city groups its rows by the level below it.
	GroupLabel string
	Rows       []ExportRow
	// Campaign, when set, marks the workbook with the campaign's slug and
	// the table, so that an import can tell it from another's.
	Campaign string
	// Choices, when set, puts a dropdown of the allowed values on each
	// choice column of the rows (a blank template).
	Choices *Window
	// Note, when set, is printed in a row under the table.
	Note string
}

// The fixed words of the printed form. They are the notice's own wording,
// printed the same whatever the reader's language, like 附件N and the title.
const (
	labelSeq      = "序号"
	labelDistrict = "所属区县"
	labelRegion   = "所属地区"
	labelUnit     = "填报单位"
	filerPrefix   = "填报单位（盖章）："
	// pageFooter numbers the printed pages: 第 1 页，共 3 页.
	pageFooter = "&C第 &P 页，共 &N 页"
)

// The rows of the sheet above the items.
const (
	rowAttachment = 1
	rowTitle      = 2
	rowFiler      = 3
	rowHeader     = 4
	firstItemRow  = 5
)

// widthSample is how many rows are measured to size the columns; the
// first few hundred items tell the width as well as all of them.
const widthSample = 500

type columnKind int

const (
	colSeq columnKind = iota
	colDistrict
	colUnit
	colField
)

// exportColumn is one column of the exported table.
type exportColumn struct {
	kind  columnKind
	label string
	field Field // for colField
}

// exportColumns lists the columns: 序号, the unit columns when asked for,
// the official table's active fields in order, then the retired fields that still hold a
// value in some row, so that nothing filed is lost from the export. The
// retired ones come last to keep the current columns as the form prints
// them.
func exportColumns(spec ExportSpec) []exportColumn {
	cols := []exportColumn{{kind: colSeq, label: labelSeq}}
	if spec.WithUnits {
		group := labelDistrict
		if spec.GroupLabel != "" {
			group = spec.GroupLabel
		}
		cols = append(cols, exportColumn{kind: colDistrict, label: group}, exportColumn{kind: colUnit, label: labelUnit})
	}
	for _, f := range spec.Template.Official() {
		cols = append(cols, exportColumn{kind: colField, label: f.Label, field: f})
	}
	for _, f := range spec.Template.Fields {
		if f.Retired && anyRowHas(spec.Rows, f.Key) {
			cols = append(cols, exportColumn{kind: colField, label: f.Label, field: f})
		}
	}
	return cols
}

func anyRowHas(rows []ExportRow, key string) bool {
	for _, r := range rows {
		if strings.TrimSpace(r.Values[key]) != "" {
			return true
		}
	}
	return false
}

// text is the cell's text as printed. Several choices read best on one
// line joined with 、 as a clerk writes them; time slots keep one a line,
// since each is a separate visit.
func (c exportColumn) text(seq int, r ExportRow) string {
	switch c.kind {
	case colSeq:
		return strconv.Itoa(seq)
	case colDistrict:
		return r.District
	case colUnit:
		return r.Unit
	}
	v := r.Values[c.field.Key]
	switch c.field.Type {
	case TypeMulti:
		return strings.Join(splitLines(v), "、")
	case TypeSlots:
		return strings.Join(splitLines(v), "\n")
	}
	return strings.ReplaceAll(v, "\r\n", "\n")
}

// number returns the value of a number column as a number, so that a
// spreadsheet can sum it; a value that is not a plain number (one kept
// from a retired field) stays text.
func (c exportColumn) number(text string) (int, bool) {
	if c.kind == colSeq {
		n, err := strconv.Atoi(text)
		return n, err == nil
	}
	if c.kind != colField || c.field.Type != TypeNumber {
		return 0, false
	}
	n, err := strconv.Atoi(text)
	return n, err == nil
}

// centred reports whether the column holds short values that read best
// centred, as on the paper form.
func (c exportColumn) centred() bool {
	if c.kind == colSeq {
		return true
	}
	if c.kind != colField {
		return false
	}
	switch c.field.Type {
	case TypeNumber, TypePhone, TypeDate, TypeDateTime, TypeChoice:
		return true
	}
	return false
}

// widthRange is the narrowest and widest a column may be, in Excel's
// character units (a Chinese character takes two). Long texts wrap inside
// their maximum, so that the table still fits one landscape page wide at a
// readable size.
func (c exportColumn) widthRange() (lo, hi float64) {
	switch c.kind {
	case colSeq:
		return 5, 6
	case colDistrict:
		return 8, 14
	case colUnit:
		return 10, 20
	}
	switch c.field.Type {
	case TypeTextarea:
		return 24, 40
	case TypeAddress:
		return 12, 22
	case TypeNumber:
		return 6, 10
	case TypePhone:
		return 8, 14
	case TypeDate:
		return 11, 12
	case TypeDateTime:
		// 2020-08-23 09:00 wraps at the space into date over time.
		return 11, 12
	case TypeChoice:
		return 6, 14
	case TypeMulti:
		return 8, 18
	case TypeSlots:
		// One slot, 2020-08-23 09:00-11:30, a line.
		return 23, 23
	case TypeFile:
		return 10, 20
	}
	return 6, 18
}

// columnWidths sizes each column to its label and the longest value among the
// first rows, within the column's range.
func columnWidths(cols []exportColumn, rows []ExportRow) []float64 {
	n := min(len(rows), widthSample)
	out := make([]float64, len(cols))
	for i, c := range cols {
		w := displayWidth(c.label)
		if c.kind == colSeq {
			w = max(w, len(strconv.Itoa(len(rows))))
		}
		for j := 0; j < n && c.kind != colSeq; j++ {
			for _, line := range strings.Split(c.text(j+1, rows[j]), "\n") {
				w = max(w, displayWidth(line))
			}
		}
		lo, hi := c.widthRange()
		out[i] = min(max(float64(w)+2, lo), hi)
	}
	return out
}

// displayWidth counts a wide (CJK or full-width) character as two.
func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		if r >= 0x2E80 {
			w += 2
		} else {
			w++
		}
	}
	return w
}

// formulaStart reports whether a spreadsheet would take the text for a
// formula: it begins with = + - @, or with a tab or carriage return that
// hides such a start (OWASP, CSV injection).
func formulaStart(s string) bool {
	return s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0
}

// neutralise makes a CSV cell read as text: a leading single quote keeps
// a spreadsheet from running it as a formula.
func neutralise(s string) string {
	if formulaStart(s) {
		return "'" + s
	}
	return s
}

// exportStyles are the cell styles of the sheet.
type exportStyles struct {
	attachment, title, filer, header int
	text, centred, number            int
	note                             int
}

func newExportStyles(f *excelize.File) (exportStyles, error) {
	var s exportStyles
	border := []excelize.Border{
		{Type: "left", Color: "000000", Style: 1}, {Type: "top", Color: "000000", Style: 1},
		{Type: "right", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1},
	}
	body := &excelize.Font{Family: "宋体", Size: 10}
	// Text cells carry the text number format (@), so that a value which
	// looks like a formula stays text even when a reader edits the cell.
	const textFormat = 49
	for _, d := range []struct {
		id    *int
		style excelize.Style
	}{
		{&s.attachment, excelize.Style{Font: &excelize.Font{Family: "黑体", Size: 12}}},
		{&s.title, excelize.Style{Font: &excelize.Font{Family: "宋体", Size: 18, Bold: true},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}}},
		{&s.filer, excelize.Style{Font: &excelize.Font{Family: "宋体", Size: 12},
			Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center"}}},
		{&s.header, excelize.Style{Font: &excelize.Font{Family: "宋体", Size: 10, Bold: true}, Border: border,
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9D9D9"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&s.text, excelize.Style{Font: body, Border: border, NumFmt: textFormat,
			Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "top", WrapText: true}}},
		{&s.centred, excelize.Style{Font: body, Border: border, NumFmt: textFormat,
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "top", WrapText: true}}},
		{&s.number, excelize.Style{Font: body, Border: border,
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "top"}}},
		{&s.note, excelize.Style{Font: body, Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "top", WrapText: true}}},
	} {
		id, err := f.NewStyle(&d.style)
		if err != nil {
			return s, err
		}
		*d.id = id
	}
	return s, nil
}

// WriteXLSX writes the table as an .xlsx workbook in the printed layout of
// the notice: 附件N at the top left, the title over all columns,
// 填报单位（盖章）, the header row, then one row per item numbered from 1.
// It prints A4 landscape, one page wide, the header row on every page.
//
// The sheet is streamed, so memory stays bounded whatever the number of
// rows: past 16 MiB the cells go to a temporary file (in os.TempDir) and
// the zip goes straight to w. On an error, w may hold part of a workbook.
func WriteXLSX(w io.Writer, spec ExportSpec) (err error) {
	cols := exportColumns(spec)
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("export xlsx: %w", cerr)
		}
	}()
	if err := writeExportSheet(f, spec, cols); err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	// The zip is written to w as it is made rather than gathered in a
	// buffer first, which would hold the whole compressed workbook in
	// memory; the buffer WriteToBuffer returns stays empty.
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(w)
		// The fastest deflate level compresses the sheet nearly twice
		// as fast as the default, for a file some 5% larger.
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(out, flate.BestSpeed)
		})
		return zw
	})
	if _, err := f.WriteToBuffer(); err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	return nil
}

func writeExportSheet(f *excelize.File, spec ExportSpec, cols []exportColumn) error {
	sheet := spec.Template.Attachment()
	if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
		return err
	}
	st, err := newExportStyles(f)
	if err != nil {
		return err
	}
	last, err := excelize.ColumnNumberToName(len(cols))
	if err != nil {
		return err
	}
	lastRow := rowHeader + len(spec.Rows)
	if err := f.SetDocProps(&excelize.DocProperties{Title: spec.Template.FullTitle(spec.Year), Creator: spec.Filer}); err != nil {
		return err
	}
	if spec.Campaign != "" {
		if err := setIdentity(f, spec.Campaign, spec.Template.Table); err != nil {
			return err
		}
	}
	if spec.Choices != nil {
		if err := addChoiceLists(f, sheet, cols, *spec.Choices, len(spec.Rows)); err != nil {
			return err
		}
	}
	// AutoFilter replaces the sheet properties, so it comes before
	// fit-to-page, and both before the stream writer, which writes the
	// sheet properties when it starts.
	if err := f.AutoFilter(sheet, fmt.Sprintf("A%d:%s%d", rowHeader, last, lastRow), nil); err != nil {
		return err
	}
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: new(true)}); err != nil {
		return err
	}
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{
		Size: new(9), Orientation: new("landscape"), FitToWidth: new(1), FitToHeight: new(0),
	}); err != nil {
		return err
	}
	if err := f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{
		Left: new(0.4), Right: new(0.4), Top: new(0.6), Bottom: new(0.6), Header: new(0.3), Footer: new(0.3),
		Horizontally: new(true),
	}); err != nil {
		return err
	}
	if err := f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddFooter: pageFooter}); err != nil {
		return err
	}
	// The header row repeats on every printed page; 附件N, the title and
	// the filer are printed once, at the top of the first, as on paper.
	if err := f.SetDefinedName(&excelize.DefinedName{
		Name: "_xlnm.Print_Titles", Scope: sheet, RefersTo: fmt.Sprintf("'%s'!$%d:$%d", sheet, rowHeader, rowHeader),
	}); err != nil {
		return err
	}

	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	// The stream writer puts each new column before the ones already set,
	// and spreadsheets want them in ascending order: set them last first.
	widths := columnWidths(cols, spec.Rows)
	for i := len(widths) - 1; i >= 0; i-- {
		if err := sw.SetColWidth(i+1, i+1, widths[i]); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: rowHeader, TopLeftCell: fmt.Sprintf("A%d", firstItemRow), ActivePane: "bottomLeft",
	}); err != nil {
		return err
	}
	for _, r := range []int{rowTitle, rowFiler} {
		if err := sw.MergeCell(fmt.Sprintf("A%d", r), fmt.Sprintf("%s%d", last, r)); err != nil {
			return err
		}
	}
	head := []struct {
		row    int
		text   string
		style  int
		height float64
	}{
		{rowAttachment, spec.Template.Attachment(), st.attachment, 20},
		{rowTitle, spec.Template.FullTitle(spec.Year), st.title, 40},
		{rowFiler, filerPrefix + spec.Filer, st.filer, 24},
	}
	for _, h := range head {
		if err := sw.SetRow(fmt.Sprintf("A%d", h.row), []any{excelize.Cell{StyleID: h.style, Value: h.text}},
			excelize.RowOpts{Height: h.height}); err != nil {
			return err
		}
	}

	// One slice of cells serves every row: SetRow copies what it needs.
	cells := make([]excelize.Cell, len(cols))
	values := make([]any, len(cols))
	for i, c := range cols {
		cells[i] = excelize.Cell{StyleID: st.header, Value: c.label}
		values[i] = &cells[i]
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", rowHeader), values); err != nil {
		return err
	}
	styles := make([]int, len(cols))
	for i, c := range cols {
		styles[i] = st.text
		if c.centred() {
			styles[i] = st.centred
		}
	}
	for i, r := range spec.Rows {
		for j, c := range cols {
			text := c.text(i+1, r)
			switch n, ok := c.number(text); {
			case ok:
				cells[j] = excelize.Cell{StyleID: st.number, Value: n}
			case text == "":
				// An empty cell keeps its borders.
				cells[j] = excelize.Cell{StyleID: styles[j]}
			default:
				cells[j] = excelize.Cell{StyleID: styles[j], Value: text}
			}
		}
		// A string value is always written as text, never as a formula,
		// so =, +, - and @ at the start of a value stay as typed.
		if err := sw.SetRow("A"+strconv.Itoa(firstItemRow+i), values); err != nil {
			return err
		}
	}
	if spec.Note != "" {
		row := firstItemRow + len(spec.Rows) + 1
		if err := sw.MergeCell(fmt.Sprintf("A%d", row), fmt.Sprintf("%s%d", last, row)); err != nil {
			return err
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", row), []any{excelize.Cell{StyleID: st.note, Value: spec.Note}},
			excelize.RowOpts{Height: 48}); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// WriteCSV writes the table as CSV in UTF-8 with a byte order mark and
// CRLF line ends, as Excel reads and writes it: the header row, then one
// row per item, in the columns of WriteXLSX without the title lines.
// Values a spreadsheet would run as formulas start with a single quote.
func WriteCSV(w io.Writer, spec ExportSpec) error {
	cols := exportColumns(spec)
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	record := make([]string, len(cols))
	for i, c := range cols {
		record[i] = neutralise(c.label)
	}
	if err := cw.Write(record); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	for i, r := range spec.Rows {
		for j, c := range cols {
			record[j] = neutralise(c.text(i+1, r))
		}
		if err := cw.Write(record); err != nil {
			return fmt.Errorf("export csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
