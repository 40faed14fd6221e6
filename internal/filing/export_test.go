package filing

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// exportSpec is a city export of table 2 with a retired field that still
// holds a value and values that look like formulas.
func exportSpec() ExportSpec {
	t := DefaultTemplate(2)
	t.Fields = append(t.Fields[:3:3], append([]Field{
		{Key: "fax", Label: "传真", Type: TypeText, Retired: true},
		{Key: "old_note", Label: "旧备注", Type: TypeText, Retired: true},
	}, t.Fields[3:]...)...)
	t.Fields = append(t.Fields, Field{Key: "visits", Label: "参观须知", Type: TypeMulti, Choices: []string{"预约", "带身份证"}})
	return ExportSpec{
		Template: t, Year: 2020, Filer: "泉州市科学技术局", WithUnits: true,
		Rows: []ExportRow{
			{District: "丰泽区", Unit: "华侨大学", Values: Values{
				KeyUnitName: "华侨大学材料科学与工程学院", KeyOpenContent: "=HYPERLINK(\"http://x\")", KeyAddress: "泉州市丰泽区城华北路269号",
				KeyContact: "林老师", KeyPhone: "0595-22692114", KeySlots: "2020-08-23 09:00-11:30\n2020-08-24 14:00-16:30",
				KeyCapacity: "30", "fax": "0595-22690000", "visits": "预约\n带身份证",
			}},
			{District: "", Unit: "泉州市科技馆", Values: Values{
				KeyUnitName: "+1", KeyOpenContent: "-2", KeyAddress: "@SUM(A1)", KeyContact: "\t=1+1",
				KeyPhone: "13812345678", KeySlots: "2020-08-25 09:00-11:00", KeyCapacity: "120",
			}},
			{District: "晋江市", Unit: "泉州师范学院", Values: Values{
				KeyUnitName: "泉州师范学院", KeyOpenContent: "化学实验室开放\r\n学生讲解", KeyAddress: "东海大街398号",
				KeyContact: "陈", KeyPhone: "0595-22919500", KeySlots: "2020-08-26 09:00-10:00", KeyCapacity: "约30人",
			}},
		},
	}
}

func TestExportColumns(t *testing.T) {
	spec := exportSpec()
	var got []string
	for _, c := range exportColumns(spec) {
		got = append(got, c.label)
	}
	want := "序号 所属区县 填报单位 单位名称 开放内容 具体地址 联系人 联系电话 开放时间 每场接待上限 参观须知 传真"
	if strings.Join(got, " ") != want {
		t.Errorf("columns = %v, want %s", got, want)
	}
	spec.WithUnits = false
	if c := exportColumns(spec); c[0].label != "序号" || c[1].label != "单位名称" {
		t.Errorf("without units: %v", c[:2])
	}
}

func TestWriteXLSX(t *testing.T) {
	spec := exportSpec()
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, spec); err != nil {
		t.Fatal(err)
	}
	sheetXML := zipEntry(t, buf.Bytes(), "xl/worksheets/sheet1.xml")
	// Spreadsheets want the column widths in ascending order.
	if i, j := strings.Index(sheetXML, `<col min="1"`), strings.Index(sheetXML, `<col min="2"`); i < 0 || j < i {
		t.Errorf("columns out of order: %s", sheetXML[strings.Index(sheetXML, "<cols>"):strings.Index(sheetXML, "</cols>")])
	}
	if strings.Contains(sheetXML, "<f>") {
		t.Error("the sheet holds a formula")
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 1 || got[0] != "附件2" {
		t.Fatalf("sheets = %v", got)
	}
	const sheet = "附件2"
	cell := func(ref string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for ref, want := range map[string]string{
		"A1": "附件2",
		"A2": "2020年参与开放活动的科研机构和大学备案表",
		"A3": "填报单位（盖章）：泉州市科学技术局",
	} {
		if got := cell(ref); got != want {
			t.Errorf("%s = %q, want %q", ref, got, want)
		}
	}
	merged, err := f.GetMergeCells(sheet)
	if err != nil {
		t.Fatal(err)
	}
	var ranges []string
	for _, m := range merged {
		ranges = append(ranges, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	if strings.Join(ranges, " ") != "A2:L2 A3:L3" {
		t.Errorf("merged = %v, want A2:L2 A3:L3", ranges)
	}

	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 7 {
		t.Fatalf("%d rows, want 7", len(rows))
	}
	wantRows := [][]string{
		{"序号", "所属区县", "填报单位", "单位名称", "开放内容", "具体地址", "联系人", "联系电话", "开放时间", "每场接待上限", "参观须知", "传真"},
		{"1", "丰泽区", "华侨大学", "华侨大学材料科学与工程学院", "=HYPERLINK(\"http://x\")", "泉州市丰泽区城华北路269号", "林老师", "0595-22692114",
			"2020-08-23 09:00-11:30\n2020-08-24 14:00-16:30", "30", "预约、带身份证", "0595-22690000"},
		{"2", "", "泉州市科技馆", "+1", "-2", "@SUM(A1)", "\t=1+1", "13812345678", "2020-08-25 09:00-11:00", "120"},
		{"3", "晋江市", "泉州师范学院", "泉州师范学院", "化学实验室开放\n学生讲解", "东海大街398号", "陈", "0595-22919500", "2020-08-26 09:00-10:00", "约30人"},
	}
	for i, want := range wantRows {
		if got := rows[3+i]; strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("row %d = %q\nwant %q", 4+i, got, want)
		}
	}

	// Numbers are numbers (a cell without a type is a number in the file
	// format); text that is not a number stays text.
	for ref, number := range map[string]bool{"A5": true, "A7": true, "J5": true, "J6": true, "J7": false, "H5": false, "D6": false} {
		got, err := f.GetCellType(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		if isNumber := got == excelize.CellTypeUnset || got == excelize.CellTypeNumber; isNumber != number {
			t.Errorf("type of %s = %v, want a number: %v", ref, got, number)
		}
	}
	// Nothing that looks like a formula became one.
	for _, ref := range []string{"E5", "D6", "E6", "F6", "G6"} {
		if formula, err := f.GetCellFormula(sheet, ref); err != nil || formula != "" {
			t.Errorf("%s has formula %q (%v)", ref, formula, err)
		}
	}

	layout, err := f.GetPageLayout(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if layout.Orientation == nil || *layout.Orientation != "landscape" || layout.Size == nil || *layout.Size != 9 ||
		layout.FitToWidth == nil || *layout.FitToWidth != 1 || layout.FitToHeight == nil || *layout.FitToHeight != 0 {
		t.Errorf("page layout = %+v", layout)
	}
	props, err := f.GetSheetProps(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if props.FitToPage == nil || !*props.FitToPage {
		t.Error("fit to page is off")
	}
	var titles string
	for _, d := range f.GetDefinedName() {
		if d.Name == "_xlnm.Print_Titles" && d.Scope == sheet {
			titles = d.RefersTo
		}
	}
	if titles != "'附件2'!$4:$4" {
		t.Errorf("print titles = %q", titles)
	}
	panes, err := f.GetPanes(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 4 || panes.TopLeftCell != "A5" {
		t.Errorf("panes = %+v", panes)
	}

	widths := map[string]float64{}
	for _, col := range []string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"} {
		w, err := f.GetColWidth(sheet, col)
		if err != nil || w <= 0 {
			t.Errorf("width of %s = %v (%v)", col, w, err)
		}
		widths[col] = w
	}
	if widths["A"] >= widths["D"] || widths["G"] >= widths["E"] || widths["I"] < 23 {
		t.Errorf("widths = %v: 序号 and 联系人 should be narrower than names and contents, slots one a line", widths)
	}

	// Styles: the header is bold on grey, the items wrapped and boxed.
	header, _ := f.GetCellStyle(sheet, "D4")
	hs, err := f.GetStyle(header)
	if err != nil {
		t.Fatal(err)
	}
	if hs.Font == nil || !hs.Font.Bold || len(hs.Fill.Color) == 0 || !hs.Alignment.WrapText || len(hs.Border) != 4 {
		t.Errorf("header style = %+v", hs)
	}
	body, _ := f.GetCellStyle(sheet, "E5")
	bs, err := f.GetStyle(body)
	if err != nil {
		t.Fatal(err)
	}
	if bs.Alignment == nil || !bs.Alignment.WrapText || bs.Alignment.Vertical != "top" || len(bs.Border) != 4 || bs.NumFmt != 49 {
		t.Errorf("body style = %+v", bs)
	}
	title, _ := f.GetCellStyle(sheet, "A2")
	ts, err := f.GetStyle(title)
	if err != nil {
		t.Fatal(err)
	}
	if ts.Font == nil || !ts.Font.Bold || ts.Font.Size <= 12 || ts.Alignment.Horizontal != "center" {
		t.Errorf("title style = %+v", ts)
	}
}

func zipEntry(t *testing.T, b []byte, name string) string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := z.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestWriteXLSXEmpty(t *testing.T) {
	spec := ExportSpec{Template: DefaultTemplate(1), Year: 2021, Filer: "丰泽区工业信息化和科技局"}
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, spec); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("附件1")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[1][0] != "2021年科技活动周重点项目备案表" || len(rows[3]) != 14 || rows[3][13] != "联系电话" {
		t.Errorf("rows = %q", rows)
	}
}

func TestWriteCSV(t *testing.T) {
	spec := exportSpec()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, spec); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\ufeff序号,") {
		t.Fatalf("no byte order mark: %q", out[:12])
	}
	if !strings.HasSuffix(out, "\r\n") || strings.Count(out, "\r\n") < 4 {
		t.Error("lines do not end in CRLF")
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"序号", "所属区县", "填报单位", "单位名称", "开放内容", "具体地址", "联系人", "联系电话", "开放时间", "每场接待上限", "参观须知", "传真"},
		{"1", "丰泽区", "华侨大学", "华侨大学材料科学与工程学院", "'=HYPERLINK(\"http://x\")", "泉州市丰泽区城华北路269号", "林老师", "0595-22692114",
			"2020-08-23 09:00-11:30\n2020-08-24 14:00-16:30", "30", "预约、带身份证", "0595-22690000"},
		{"2", "", "泉州市科技馆", "'+1", "'-2", "'@SUM(A1)", "'\t=1+1", "13812345678", "2020-08-25 09:00-11:00", "120", "", ""},
		{"3", "晋江市", "泉州师范学院", "泉州师范学院", "化学实验室开放\n学生讲解", "东海大街398号", "陈", "0595-22919500", "2020-08-26 09:00-10:00", "约30人", "", ""},
	}
	if len(records) != len(want) {
		t.Fatalf("%d records, want %d", len(records), len(want))
	}
	for i := range want {
		if strings.Join(records[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("record %d = %q\nwant %q", i, records[i], want[i])
		}
	}
}

func TestNeutralise(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "=1": "'=1", "+1": "'+1", "-2": "'-2", "@x": "'@x", "\tx": "'\tx", "\rx": "'\rx",
		"a=1": "a=1", "１": "１", "'=1": "'=1",
	} {
		if got := neutralise(in); got != want {
			t.Errorf("neutralise(%q) = %q, want %q", in, got, want)
		}
	}
}
