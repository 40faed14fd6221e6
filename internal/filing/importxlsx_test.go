package filing

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
)

var importWeek = Window{
	Start:      time.Date(2020, 8, 23, 0, 0, 0, 0, clock.Zone),
	End:        time.Date(2020, 8, 29, 0, 0, 0, 0, clock.Zone),
	Categories: []string{"展示科技战疫成效", "展示科技创新成就", "体验美好生活活动", "科技助力脱贫攻坚", "做好科普宣传"},
	Audiences:  []string{"青少年", "劳动者", "领导干部和公务员", "部队官兵", "农民", "社会公众"},
}

// sheetSpec describes a sheet to build: rows from row 1 (nil is an empty
// cell), merged ranges, and columns holding date serials.
type sheetSpec struct {
	name     string
	rows     [][]any
	merges   [][2]string
	dateCols []string // e.g. "G:H", shown as dates
	date1904 bool
}

// buildWorkbook writes the sheets as an .xlsx file.
func buildWorkbook(tb testing.TB, sheets ...sheetSpec) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				tb.Fatal(err)
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			tb.Fatal(err)
		}
		for r, row := range s.rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			vals := make([]any, len(row))
			copy(vals, row)
			if err := f.SetSheetRow(s.name, cell, &vals); err != nil {
				tb.Fatal(err)
			}
		}
		for _, m := range s.merges {
			if err := f.MergeCell(s.name, m[0], m[1]); err != nil {
				tb.Fatal(err)
			}
		}
		if len(s.dateCols) > 0 {
			style, err := f.NewStyle(&excelize.Style{NumFmt: 22}) // m/d/yy h:mm
			if err != nil {
				tb.Fatal(err)
			}
			for _, c := range s.dateCols {
				if err := f.SetColStyle(s.name, c, style); err != nil {
					tb.Fatal(err)
				}
			}
		}
		if s.date1904 {
			yes := true
			if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
				tb.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func readBytes(b []byte, t Template) (ImportResult, error) {
	return ReadWorkbook(bytes.NewReader(b), int64(len(b)), t, importWeek)
}

// project1 is a valid item of table 1 as Check returns it.
func project1(title string) Values {
	return Values{KeyTitle: title, KeyHost: "华侨大学", KeyOrganizer: "", KeyCategory: "展示科技创新成就", KeyMode: "线下",
		KeyStart: "2020-08-23 09:00", KeyEnd: "2020-08-23 17:00", KeyPlace: "泉州市丰泽区城华北路269号", KeyContent: "展示人工智能成果",
		KeyAudience: "青少年\n社会公众", KeyExpected: "300", KeyContact: "林老师", KeyPhone: "13812345678", KeyBooking: "", KeySlots: "", KeyCapacity: ""}
}

var header1 = []any{"序号", "项目名称", "主办单位", "承办单位", "活动类别", "活动形式", "开始时间", "结束时间", "活动地点", "主要内容", "面向对象", "预计参与人数", "联系人", "联系电话"}

func TestReadWorkbookClean(t *testing.T) {
	row := func(n int, title string) []any {
		return []any{n, title, "华侨大学", nil, "展示科技创新成就", "线下", "2020-08-23 09:00", "2020-08-23 17:00", "泉州市丰泽区城华北路269号",
			"展示人工智能成果", "青少年、社会公众", 300, "林老师", "13812345678"}
	}
	b := buildWorkbook(t, sheetSpec{name: "Sheet1", rows: [][]any{header1, row(1, "人工智能科普展"), row(2, "机器人展")}})
	res, err := readBytes(b, DefaultTemplate(1))
	if err != nil {
		t.Fatal(err)
	}
	want := []ImportRow{{Row: 2, Values: project1("人工智能科普展")}, {Row: 3, Values: project1("机器人展")}}
	if !reflect.DeepEqual(res.Rows, want) {
		t.Errorf("rows = %v\nwant %v", res.Rows, want)
	}
	if res.Sheet != "Sheet1" || res.HeaderRow != 1 || len(res.Problems) != 0 || len(res.Rejected) != 0 || len(res.Ignored) != 0 {
		t.Errorf("result = %+v", res)
	}
}

// messyProjects is 附件1 as a clerk fills it: title rows, a stamped unit
// line, a header with line breaks, marks and remarks, columns reordered,
// one missing and one extra, the host merged over three projects, date
// serials, a phone number stored as a number, blank rows, notes below.
func messyProjects() sheetSpec {
	hdr := []any{"序号", "项目\n名称＊", "主办　单位*", "活动类别", "活动形式", " 开始时间 ", "结束\r\n时间", "活动\n地点", "面向对象",
		"预计参与人数（人）", "联系电话（手机）", "联系人", "主要内容", "备注"}
	return sheetSpec{name: "附件1", dateCols: []string{"F:G"},
		rows: [][]any{
			{"附件1"},
			{"2020年科技活动周重点项目备案表"},
			{"填报单位（盖章）：泉州师范学院      填报日期：2020年8月1日"},
			hdr,
			{1, " 人工智能科普展 ", "华侨大学", "（一）展示科技战疫成效", "线下", 44066.375, 44066.6875, "泉州市丰泽区城华北路269号",
				"青少年、社会公众", "30人", 13812345678, "林老师", "展示人工智能成果", "无"},
			{2, "机器人展", nil, "展示科技创新成就", "线上", "2020年8月24日 上午9点", "2020/8/24 17:00", "https://example.org/live",
				"社会公众", 200, "0595-22692114", "王老师", "线上直播", nil},
			{3, "无人机表演", nil, "其他", "线下", time.Date(2020, 8, 24, 0, 0, 0, 0, time.UTC), 44066, "体育场",
				"青少年", "约50人", 12345, "陈老师", "表演", nil},
			{4},
			{},
			{5, "\u3000量子科普讲座\u3000", "泉州市科协", "2.体验美好生活活动", "线上线下结合", "8月25日 14:00", "8月25日 16:00", "科技馆",
				"农民", "约100人", "１３９１２３４５６７８", "李老师", "讲座", nil},
			{"注：1.活动类别从五类中选择；"},
			{nil, "2.开始、结束时间写到分钟。"},
			{"填表人：张三", nil, nil, "审核人：李四"},
		},
		merges: [][2]string{{"A2", "N2"}, {"C5", "C7"}, {"A11", "N11"}},
	}
}

func TestReadWorkbookMessy(t *testing.T) {
	res, err := readBytes(buildWorkbook(t, sheetSpec{name: "说明", rows: [][]any{{"请在附件1工作表中填写"}}}, messyProjects()), DefaultTemplate(1))
	if err != nil {
		t.Fatal(err)
	}
	if res.Sheet != "附件1" || res.HeaderRow != 4 || res.Unit != "泉州师范学院" || !reflect.DeepEqual(res.Ignored, []string{"备注"}) {
		t.Errorf("sheet %q header %d unit %q ignored %q", res.Sheet, res.HeaderRow, res.Unit, res.Ignored)
	}
	want := []ImportRow{
		{Row: 5, Values: Values{KeyTitle: "人工智能科普展", KeyHost: "华侨大学", KeyOrganizer: "", KeyCategory: "展示科技战疫成效", KeyMode: "线下",
			KeyStart: "2020-08-23 09:00", KeyEnd: "2020-08-23 16:30", KeyPlace: "泉州市丰泽区城华北路269号", KeyContent: "展示人工智能成果",
			KeyAudience: "青少年\n社会公众", KeyExpected: "30", KeyContact: "林老师", KeyPhone: "13812345678", KeyBooking: "", KeySlots: "", KeyCapacity: ""}},
		{Row: 6, Values: Values{KeyTitle: "机器人展", KeyHost: "华侨大学", KeyOrganizer: "", KeyCategory: "展示科技创新成就", KeyMode: "线上",
			KeyStart: "2020-08-24 09:00", KeyEnd: "2020-08-24 17:00", KeyPlace: "https://example.org/live", KeyContent: "线上直播",
			KeyAudience: "社会公众", KeyExpected: "200", KeyContact: "王老师", KeyPhone: "0595-22692114", KeyBooking: "", KeySlots: "", KeyCapacity: ""}},
		{Row: 10, Values: Values{KeyTitle: "量子科普讲座", KeyHost: "泉州市科协", KeyOrganizer: "", KeyCategory: "体验美好生活活动", KeyMode: "线上线下结合",
			KeyStart: "2020-08-25 14:00", KeyEnd: "2020-08-25 16:00", KeyPlace: "科技馆", KeyContent: "讲座",
			KeyAudience: "农民", KeyExpected: "100", KeyContact: "李老师", KeyPhone: "13912345678", KeyBooking: "", KeySlots: "", KeyCapacity: ""}},
	}
	if len(res.Rows) != len(want) {
		t.Fatalf("rows = %v", res.Rows)
	}
	for i := range want {
		if !reflect.DeepEqual(res.Rows[i], want[i]) {
			t.Errorf("row %d = %v\nwant %v", want[i].Row, res.Rows[i], want[i])
		}
	}
	wantRejected := []ImportRejected{{Row: 7, Values: Values{KeyTitle: "无人机表演", KeyHost: "华侨大学", KeyOrganizer: "", KeyCategory: "其他", KeyMode: "线下",
		KeyStart: "2020-08-24", KeyEnd: "2020-08-23", KeyPlace: "体育场", KeyContent: "表演", KeyAudience: "青少年", KeyExpected: "约50人",
		KeyContact: "陈老师", KeyPhone: "12345", KeyBooking: "", KeySlots: "", KeyCapacity: ""}}}
	if !reflect.DeepEqual(res.Rejected, wantRejected) {
		t.Errorf("rejected = %v\nwant %v", res.Rejected, wantRejected)
	}
	type problem struct {
		row          int
		field, label string
		value, key   string
	}
	var got []problem
	for _, p := range res.Problems {
		got = append(got, problem{p.Row, p.Field, p.Label, p.Value, p.Msg.Key})
	}
	wantProblems := []problem{
		{7, KeyCategory, "活动类别", "其他", "filing.error.choice"},
		{7, KeyEnd, "结束时间", "2020-08-23", "filing.error.end_before_start"},
		{7, KeyPhone, "联系电话", "12345", "error.phone"},
	}
	if !reflect.DeepEqual(got, wantProblems) {
		t.Errorf("problems = %v\nwant %v", got, wantProblems)
	}
}

func TestReadWorkbookMissingColumn(t *testing.T) {
	// 附件2 with only the four columns the notice prints.
	b := buildWorkbook(t, sheetSpec{name: "Sheet1", rows: [][]any{
		{"附件2"},
		{"填报单位（盖章）：", nil, "泉州师范学院"},
		{"单位名称", "开放内容", "具体地址", "联系人"},
		{"泉州师范学院", "化学实验室开放", "东海大街398号", "王老师"},
	}})
	res, err := readBytes(b, DefaultTemplate(2))
	if err != nil {
		t.Fatal(err)
	}
	if res.Unit != "泉州师范学院" || res.HeaderRow != 3 || len(res.Rows) != 0 || len(res.Rejected) != 1 || res.Rejected[0].Row != 4 {
		t.Fatalf("result = %+v", res)
	}
	var got []string
	for _, p := range res.Problems {
		got = append(got, fmt.Sprintf("%d %s %s", p.Row, p.Field, p.Msg.Key))
	}
	want := []string{
		"0 phone filing.import.missing_column", "0 slots filing.import.missing_column", "0 capacity filing.import.missing_column",
		"4 phone error.required", "4 slots error.required", "4 capacity error.required",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems = %q\nwant %q", got, want)
	}
	if p := res.Problems[1]; p.Label != "开放时间" || !reflect.DeepEqual(p.Msg.Args, []any{"开放时间"}) {
		t.Errorf("missing column problem = %+v", p)
	}
}

func TestReadWorkbookOpenDays(t *testing.T) {
	b := buildWorkbook(t, sheetSpec{name: "附件2", rows: [][]any{
		{"附件2"},
		{"2020年参与开放活动的科研机构和大学备案表"},
		{"填报单位（盖章）：泉州市科技局"},
		{"序号", "单位名称", "开放内容", "具体地址", "联系人", "联系电话", "开放时间", "每场接待\n上限"},
		{1, "泉州师范学院", "化学实验室开放", "东海大街398号", "王老师", "0595-22919595", "8月24日 9:00～11:30\n8月24日 14:00～16:00", "30人"},
		{2, nil, "光电实验室开放", "东海大街398号", "王老师", "0595-22919595", "8月25日 9:00～11:30", "２０"},
		{3, "华侨大学", "材料实验室", "城华北路269号", "林老师", "13812345678", "全天", "0"},
	}, merges: [][2]string{{"B5", "B6"}}})
	res, err := readBytes(b, DefaultTemplate(2))
	if err != nil {
		t.Fatal(err)
	}
	want := []ImportRow{
		{Row: 5, Values: Values{KeyUnitName: "泉州师范学院", KeyOpenContent: "化学实验室开放", KeyAddress: "东海大街398号", KeyContact: "王老师",
			KeyPhone: "0595-22919595", KeySlots: "2020-08-24 09:00-11:30\n2020-08-24 14:00-16:00", KeyCapacity: "30"}},
		{Row: 6, Values: Values{KeyUnitName: "泉州师范学院", KeyOpenContent: "光电实验室开放", KeyAddress: "东海大街398号", KeyContact: "王老师",
			KeyPhone: "0595-22919595", KeySlots: "2020-08-25 09:00-11:30", KeyCapacity: "20"}},
	}
	if r := res.Rows[0].Readings[KeySlots]; r.Text != "8月24日 9:00～11:30\n8月24日 14:00～16:00" || r.SummaryZH != "8月24日 2 场：09:00–11:30、14:00–16:00，共 2 场" {
		t.Errorf("reading = %+v", r)
	}
	if r := res.Rejected[0].Readings[KeySlots]; r.Text != "全天" || len(r.Flags) != 1 {
		t.Errorf("reading of a rejected row = %+v", r)
	}
	for i := range res.Rows {
		res.Rows[i].Readings = nil
	}
	if !reflect.DeepEqual(res.Rows, want) {
		t.Errorf("rows = %v\nwant %v", res.Rows, want)
	}
	var got []string
	for _, p := range res.Problems {
		got = append(got, fmt.Sprintf("%d %s %s %s", p.Row, p.Field, p.Value, p.Msg.Key))
	}
	wantProblems := []string{"7 slots 全天 timetext.no_date", "7 capacity 0 filing.error.positive"}
	if !reflect.DeepEqual(got, wantProblems) {
		t.Errorf("problems = %q\nwant %q", got, wantProblems)
	}
}

func TestReadWorkbookDate1904(t *testing.T) {
	row := []any{1, "科普展", "华侨大学", nil, "做好科普宣传", "线下", 42604.375, 42604.5, "科技馆", "展览", "社会公众", 10, "林老师", 13812345678}
	b := buildWorkbook(t, sheetSpec{name: "Sheet1", rows: [][]any{header1, row}, dateCols: []string{"G:H"}, date1904: true})
	res, err := readBytes(b, DefaultTemplate(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 || res.Rows[0].Values[KeyStart] != "2020-08-23 09:00" || res.Rows[0].Values[KeyEnd] != "2020-08-23 12:00" {
		t.Fatalf("result = %+v", res)
	}
}

func TestCellText(t *testing.T) {
	for _, c := range []struct {
		typ      FieldType
		raw, out string
	}{
		{TypeDateTime, "44066.375", "2020-08-23 09:00"},
		{TypeDateTime, "44066.374999999", "2020-08-23 09:00"},
		{TypeDateTime, "44066", "2020-08-23"},
		{TypeDateTime, "0.375", "09:00"},
		{TypeDateTime, "2020-08-23T09:30:00Z", "2020-08-23 09:30"},
		{TypeDateTime, "23", "23"},
		{TypeDate, "44066.5", "2020-08-23"},
		{TypeDate, "\u3000 2020年8月23日 ", "2020年8月23日"},
		{TypeSlots, "44067.375", "2020-08-24 09:00"},
		{TypePhone, "13812345678", "13812345678"},
		{TypePhone, "1.3812345678E+10", "13812345678"},
		{TypePhone, "0595-22692114", "0595-22692114"},
		{TypeText, "44066", "44066"},
		{TypeNumber, "30.0", "30.0"},
	} {
		if got := cellText(Field{Type: c.typ}, c.raw, false); got != c.out {
			t.Errorf("%s %q = %q, want %q", c.typ, c.raw, got, c.out)
		}
	}
}

func TestHeaderKey(t *testing.T) {
	s := sheetReader{t: DefaultTemplate(1)}
	for cell, key := range map[string]string{
		"项目\n名称":                KeyTitle,
		"＊项目名称":                 KeyTitle,
		"项目名称*":                 KeyTitle,
		"联系电话（手机）":              KeyPhone,
		"联系电话(必填)":              KeyPhone,
		"活 动 形 式":               KeyMode,
		"预计参与人数：":               KeyExpected,
		"Expected participants": KeyExpected,
		"序号":                    "",
		"备注":                    "",
	} {
		f, ok := s.fieldFor(cell)
		if (key == "" && ok) || (key != "" && f.Key != key) {
			t.Errorf("%q → %q, want %q", cell, f.Key, key)
		}
	}
}

func TestReadWorkbookRefuses(t *testing.T) {
	valid := buildWorkbook(t, sheetSpec{name: "Sheet1", rows: [][]any{header1}})
	var plainZip bytes.Buffer
	zw := zip.NewWriter(&plainZip)
	w, _ := zw.Create("hello.txt")
	io.WriteString(w, "hello")
	zw.Close()
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 4096)...)
	for _, c := range []struct {
		name string
		b    []byte
		size int64
		code errs.Code
		key  string
	}{
		{"empty", nil, 0, errs.Invalid, "filing.import.empty"},
		{"xls", ole, 0, errs.Invalid, "filing.import.xls"},
		{"csv", []byte("项目名称,主办单位\n人工智能科普展,华侨大学\n"), 0, errs.Invalid, "filing.import.not_xlsx"},
		{"html", []byte("<html><body><table><tr><td>项目名称</td></tr></table></body></html>"), 0, errs.Invalid, "filing.import.not_xlsx"},
		{"garbage", bytes.Repeat([]byte{0x13, 0x37, 0xfe}, 1000), 0, errs.Invalid, "filing.import.not_xlsx"},
		{"short", []byte("PK"), 0, errs.Invalid, "filing.import.not_xlsx"},
		{"zip of something else", plainZip.Bytes(), 0, errs.Invalid, "filing.import.not_xlsx"},
		{"truncated", valid[:len(valid)/2], 0, errs.Invalid, "filing.import.not_xlsx"},
		{"too large", valid, MaxImportBytes + 1, errs.TooLarge, "filing.import.too_large"},
		{"no header", buildWorkbook(t, sheetSpec{name: "Sheet1", rows: [][]any{{"单位名称", "联系人"}, {"华侨大学", "林老师"}}}), 0, errs.Invalid, "filing.import.no_header"},
	} {
		t.Run(c.name, func(t *testing.T) {
			size := c.size
			if size == 0 {
				size = int64(len(c.b))
			}
			_, err := ReadWorkbook(bytes.NewReader(c.b), size, DefaultTemplate(1), importWeek)
			e, ok := errs.As(err)
			if !ok || e.Code != c.code || e.Msg.Key != c.key {
				t.Fatalf("err = %v, want %s %s", err, c.code, c.key)
			}
		})
	}
}

// bombParts are the parts of a minimal workbook but its sheet.
var bombParts = []struct{ name, body string }{
	{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
	{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
	{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
	{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
}

// bombSheet writes a worksheet of n MiB of rows, deflated, with its CRC
// and size.
func bombSheet(tb testing.TB, mib int) (deflated []byte, crc uint32, size uint64) {
	tb.Helper()
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestSpeed)
	h := crc32.NewIEEE()
	w := io.MultiWriter(fw, h)
	write := func(s string) {
		io.WriteString(w, s)
		size += uint64(len(s))
	}
	write(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	row := strings.Repeat(`<row><c t="inlineStr"><is><t>项目名称</t></is></c><c t="inlineStr"><is><t>主办单位</t></is></c></row>`, 1<<12)
	for size < uint64(mib)<<20 {
		write(row)
	}
	write(`</sheetData></worksheet>`)
	fw.Close()
	return buf.Bytes(), h.Sum32(), size
}

// bombWorkbook is a workbook whose sheet is the deflated one; when lie is
// set, the zip's directory claims the sheet is small.
func bombWorkbook(tb testing.TB, deflated []byte, crc uint32, size uint64, lie bool) []byte {
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, p := range bombParts {
		w, _ := zw.Create(p.name)
		io.WriteString(w, p.body)
	}
	if lie {
		size = 4096
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(len(deflated)), UncompressedSize64: size})
	if err != nil {
		tb.Fatal(err)
	}
	w.Write(deflated)
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

func TestReadWorkbookZipBomb(t *testing.T) {
	deflated, crc, size := bombSheet(t, 256)
	for _, c := range []struct {
		name string
		lie  bool
		code errs.Code
	}{
		{"declared", false, errs.TooLarge},
		{"lying directory", true, errs.Invalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := bombWorkbook(t, deflated, crc, size, c.lie)
			if len(b) > MaxImportBytes {
				t.Fatalf("the bomb is %d bytes", len(b))
			}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := readBytes(b, DefaultTemplate(1))
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if errs.CodeOf(err) != c.code {
				t.Fatalf("err = %v, want %s", err, c.code)
			}
			if took > 3*time.Second {
				t.Errorf("took %s", took)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("allocated %d MiB", alloc>>20)
			}
		})
	}
}

func TestReadWorkbookTooManyRows(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.SetRow("A1", header1); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= MaxImportRows+1; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, []any{i, fmt.Sprintf("项目%d", i), "华侨大学"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	_, err = readBytes(buf.Bytes(), DefaultTemplate(1))
	if e, ok := errs.As(err); !ok || e.Code != errs.Invalid || e.Msg.Key != "filing.import.too_many_rows" {
		t.Fatalf("err = %v", err)
	}
}

func TestSheetMerges(t *testing.T) {
	b := buildWorkbook(t, messyProjects())
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	parts, err := checkParts(zr)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := []mergeRange{{0, 2, 13, 2}, {2, 5, 2, 7}, {0, 11, 13, 11}}
	scanned, err := sheetMerges(f, "附件1", parts[strings.ToLower(sheetPaths(parts)["附件1"])])
	if err != nil || !reflect.DeepEqual(scanned, want) {
		t.Errorf("scanned = %v, %v; want %v", scanned, err, want)
	}
	decoded, err := sheetMerges(f, "附件1", nil)
	if err != nil || !reflect.DeepEqual(decoded, want) {
		t.Errorf("decoded = %v, %v; want %v", decoded, err, want)
	}
}
