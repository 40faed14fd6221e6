package filing_test

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/sciweek/sciweek/internal/apptest"
)

// The demo's upcoming campaign 2026 runs from Saturday 19 to Friday 25
// December 2026 in tests.

// handWorkbook writes rows under a 附件 header the way a clerk's Excel
// holds them: cells given as time.Time are real date cells shown in the
// custom number format named beside them.
func handWorkbook(t *testing.T, head []any, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	s := "Sheet1"
	styles := map[string]int{}
	set := func(r int, values []any) {
		for c, v := range values {
			cell, _ := excelize.CoordinatesToCellName(c+1, r)
			if d, ok := v.(dateCell); ok {
				id, ok := styles[d.format]
				if !ok {
					format := d.format
					var err error
					if id, err = f.NewStyle(&excelize.Style{CustomNumFmt: &format}); err != nil {
						t.Fatal(err)
					}
					styles[d.format] = id
				}
				if err := f.SetCellValue(s, cell, d.t); err != nil {
					t.Fatal(err)
				}
				f.SetCellStyle(s, cell, cell, id)
				continue
			}
			if err := f.SetCellValue(s, cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	set(1, []any{"附件"})
	set(2, []any{"填报单位（盖章）：泉州师范学院"})
	set(3, head)
	for i, r := range rows {
		set(i+4, r)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// dateCell is a date or date-time cell with a custom number format.
type dateCell struct {
	t      time.Time
	format string
}

func at(day, hour, minute int) time.Time {
	return time.Date(2026, 12, day, hour, minute, 0, 0, time.UTC)
}

type previewJSON struct {
	Rows []struct {
		Row      int
		Values   map[string]string
		Readings map[string]struct {
			Text, Summary string
			Sessions      int
		}
	}
	Errors []struct {
		Row                            int
		Field, Value, Message, Reading string
	}
	Unknown []struct {
		Field, Key, Value, Suggestion string
		Rows                          []int
		Choices                       []string
	} `json:"unknown_choices"`
}

func postImport(t *testing.T, c *apptest.Client, path string, fields map[string]string, wb []byte) (*apptest.Response, previewJSON) {
	t.Helper()
	body, ctype := multipartBody(t, fields, "附件.xlsx", wb)
	res := c.Do("POST", path, body, http.Header{"Content-Type": {ctype}})
	var p previewJSON
	if res.Status == 200 && strings.HasPrefix(path, "/api/") {
		res.JSON(t, &p)
	}
	return res, p
}

var openDayHead = []any{"序号", "单位名称", "开放内容", "具体地址", "联系人", "联系电话", "开放时间", "每场接待上限"}

func openDay(n int, title string, slots any) []any {
	return []any{n, "泉州师范学院", title, "东海大街398号", "王老师", "0595-22919595", slots, 30}
}

func TestImportFreeTextTimes(t *testing.T) {
	apptest.EachWith(t, apptest.Options{NoDemoFilings: true}, func(t *testing.T, e *apptest.Env) {
		fengze := e.As(t, "fengze")
		wb := handWorkbook(t, openDayHead, [][]any{
			openDay(1, "化学实验室开放", "2026年12月20日—12月22日 9:00-11:30、14:30-17:00"),
			openDay(2, "光电实验室开放", dateCell{at(21, 0, 0), `yyyy"年"m"月"d"日"`}),
			openDay(3, "材料实验室开放", "周六、周日 上午９：００－１１：３０"),
			openDay(4, "海洋标本馆开放", dateCell{at(21, 9, 0), `m"月"d"日" h:mm`}),
			openDay(5, "茶学实验室开放", "9:00-11:30"),
			openDay(6, "生物实验室开放", "12月30日 9:00-10:00"),
			openDay(7, "物理实验室开放", "12月21日 25:00-26:00"),
		})
		res, p := postImport(t, fengze, "/api/v1/campaigns/2026/imports", map[string]string{"table": "2", "unit": "qztc"}, wb)
		if res.Status != 200 {
			t.Fatalf("preview: %d %s", res.Status, res.Body)
		}
		if len(p.Rows) != 3 {
			t.Fatalf("rows: %+v\nerrors: %+v", p.Rows, p.Errors)
		}
		r := p.Rows[0].Readings["开放时间"]
		if r.Text != "2026年12月20日—12月22日 9:00-11:30、14:30-17:00" || r.Sessions != 6 ||
			r.Summary != "12月20日至22日每天 2 场：09:00–11:30、14:30–17:00，共 6 场" {
			t.Fatalf("reading: %+v", r)
		}
		if !strings.HasPrefix(p.Rows[0].Values["开放时间"], "2026-12-20 09:00-11:30\n2026-12-20 14:30-17:00\n2026-12-21 09:00-11:30") {
			t.Fatalf("stored sessions: %q", p.Rows[0].Values["开放时间"])
		}
		if v := p.Rows[1].Values["开放时间"]; v != "2026-12-21 全天" {
			t.Fatalf("a date cell in a custom format: %q", v)
		}
		if v := p.Rows[2].Values["开放时间"]; v != "2026-12-19 09:00-11:30\n2026-12-20 09:00-11:30" {
			t.Fatalf("weekdays: %q", v)
		}
		want := map[int]string{7: "只写了开始时间", 8: "只有时间，没有日期", 9: "不在活动周（2026-12-19 至 2026-12-25）内", 10: "25:00"}
		if len(p.Errors) != len(want) {
			t.Fatalf("errors: %+v", p.Errors)
		}
		for _, e := range p.Errors {
			if e.Field != "开放时间" || !strings.Contains(e.Message, want[e.Row]) {
				t.Errorf("row %d: %+v, want %q", e.Row, e, want[e.Row])
			}
		}
		// What could be read of a refused cell is said beside the reason.
		wb2 := handWorkbook(t, openDayHead, [][]any{openDay(1, "化学实验室开放", "12月20日 9:00-11:30；12月30日 9:00-11:30")})
		if _, p2 := postImport(t, fengze, "/api/v1/campaigns/2026/imports", map[string]string{"table": "2", "unit": "qztc"}, wb2); len(p2.Errors) != 1 ||
			p2.Errors[0].Reading != "12月20日 09:00–11:30，共 1 场" || !strings.Contains(p2.Errors[0].Message, "“12月30日”不在活动周") {
			t.Fatalf("a refused cell: %+v", p2.Errors)
		}
		// In English.
		body, ctype := multipartBody(t, map[string]string{"table": "2", "unit": "qztc"}, "附件.xlsx", wb)
		res = fengze.Do("POST", "/api/v1/campaigns/2026/imports", body, http.Header{"Content-Type": {ctype}, "Accept-Language": {"en"}})
		if !strings.Contains(res.Body, "20–22 Dec daily, 2 sessions: 09:00–11:30, 14:30–17:00; 6 sessions in all") || !strings.Contains(res.Body, "A time but no date") {
			t.Fatalf("English preview: %s", res.Body)
		}

		// The page shows each reading beside the text as written; nothing is
		// stored before the import is confirmed, then every good row is.
		res, _ = postImport(t, fengze, "/campaigns/2026/import", map[string]string{"table": "2", "unit": "qztc"}, wb)
		if res.Status != 200 || !strings.Contains(res.Body, "识别为：12月20日至22日每天 2 场") || !strings.Contains(res.Body, "2026年12月20日—12月22日 9:00-11:30、14:30-17:00") {
			t.Fatalf("preview page: %d", res.Status)
		}
		qztc := e.As(t, "qztc")
		if page := qztc.Get("/campaigns/2026/filings/qztc/2").Body; strings.Contains(page, "化学实验室开放") {
			t.Fatal("the preview stored rows")
		}
		key := strings.Split(strings.Split(res.Body, `name="key" value="`)[1], `"`)[0]
		if res := fengze.PostForm("/campaigns/2026/import/confirm", url.Values{"key": {key}, "table": {"2"}, "unit": {"qztc"}}); res.Status != 303 {
			t.Fatalf("confirm: %d %s", res.Status, res.Body)
		}
		page := qztc.Get("/campaigns/2026/filings/qztc/2").Body
		for _, s := range []string{"化学实验室开放", "光电实验室开放", "材料实验室开放", "2026-12-22 14:30-17:00"} {
			if !strings.Contains(page, s) {
				t.Errorf("the draft lacks %q", s)
			}
		}
		if strings.Contains(page, "茶学实验室开放") {
			t.Error("a rejected row was imported")
		}
	})
}

var projectHead = []any{"序号", "项目名称", "主办单位", "承办单位", "活动类别", "活动形式", "开始时间", "结束时间", "活动地点", "主要内容", "面向对象", "预计参与人数", "联系人", "联系电话"}

func handProject(n int, title, category, mode, audience string) []any {
	return []any{n, title, "泉州师范学院", nil, category, mode,
		dateCell{at(20, 9, 0), `yyyy"年"m"月"d"日" hh:mm`}, dateCell{at(20, 17, 0), `yyyy/mm/dd\ h:mm;@`},
		"东海校区", "标本展示", audience, "300人", "王老师", "13812345678"}
}

func TestImportUnknownChoices(t *testing.T) {
	apptest.EachWith(t, apptest.Options{NoDemoFilings: true}, func(t *testing.T, e *apptest.Env) {
		fengze := e.As(t, "fengze")
		wb := handWorkbook(t, projectHead, [][]any{
			handProject(1, "海洋生物科普展", "科普宣传", "线下", "社区居民、青少年"),
			handProject(2, "化学实验秀", "体验美好生活活动", "现场", "社区居民"),
			handProject(3, "茶叶检测讲座", "科技助力脱贫攻坚", "线上", "中小学生，农民"),
		})
		const path = "/api/v1/campaigns/2026/imports"
		fields := map[string]string{"table": "1", "unit": "qztc"}
		res, p := postImport(t, fengze, path, fields, wb)
		if res.Status != 200 || len(p.Rows) != 0 {
			t.Fatalf("preview: %d %s", res.Status, res.Body)
		}
		type unknown struct {
			field, value, suggestion string
			rows                     []int
		}
		var got []unknown
		for _, u := range p.Unknown {
			got = append(got, unknown{u.Field, u.Value, u.Suggestion, u.Rows})
			if len(u.Choices) < 3 {
				t.Errorf("%s %s: choices %v", u.Field, u.Value, u.Choices)
			}
		}
		want := []unknown{
			{"活动类别", "科普宣传", "做好科普宣传", []int{4}},
			{"活动形式", "现场", "线下", []int{5}},
			{"面向对象", "社区居民", "社会公众", []int{4, 5}},
			{"面向对象", "中小学生", "青少年", []int{6}},
		}
		if !slices.EqualFunc(got, want, func(a, b unknown) bool {
			return a.field == b.field && a.value == b.value && a.suggestion == b.suggestion && slices.Equal(a.rows, b.rows)
		}) {
			t.Fatalf("unknown choices: %+v", got)
		}

		// A mapping to no choice of the field is refused, and nothing is kept.
		bad := map[string]string{"table": "1", "unit": "qztc", "map.audience.社区居民": "外星人"}
		if res, _ := postImport(t, fengze, path, bad, wb); res.Status != 422 || !strings.Contains(res.Body, "外星人") {
			t.Fatalf("bad mapping: %d %s", res.Status, res.Body)
		}

		// Mapped, by field key or column header, every row holding the value is read.
		mapped := map[string]string{"table": "1", "unit": "qztc", "map.audience.社区居民": "社会公众", "map.面向对象.中小学生": "青少年",
			"map.category.科普宣传": "做好科普宣传", "map.活动形式.现场": "线下"}
		res, p = postImport(t, fengze, path, mapped, wb)
		if res.Status != 200 || len(p.Rows) != 3 || len(p.Unknown) != 0 || len(p.Errors) != 0 {
			t.Fatalf("mapped preview: %d %s", res.Status, res.Body)
		}
		if v := p.Rows[0].Values; v["面向对象"] != "社会公众\n青少年" || v["活动类别"] != "做好科普宣传" || v["开始时间"] != "2026-12-20 09:00" || v["结束时间"] != "2026-12-20 17:00" {
			t.Fatalf("mapped row: %+v", v)
		}

		// The campaign remembers: the next import reads them without being told.
		if res, p = postImport(t, e.As(t, "admin"), path, map[string]string{"table": "1", "unit": "qztc"}, wb); res.Status != 200 || len(p.Rows) != 3 || len(p.Unknown) != 0 {
			t.Fatalf("remembered: %d %s", res.Status, res.Body)
		}

		// The page offers a select per unknown value, the suggestion chosen;
		// confirming with it imports the rows and remembers the choice.
		wb = handWorkbook(t, projectHead, [][]any{
			handProject(1, "机器人展", "做好科普宣传", "线下", "市民"),
			handProject(2, "无人机表演", "做好科普宣传", "线下", "青少年、市民"),
		})
		res, _ = postImport(t, fengze, "/campaigns/2026/import", map[string]string{"table": "1", "unit": "qztc"}, wb)
		if res.Status != 200 || !strings.Contains(res.Body, `name="map.audience.市民"`) || !strings.Contains(res.Body, `<option value="社会公众" selected>`) {
			t.Fatalf("preview page: %d %s", res.Status, res.Body)
		}
		key := strings.Split(strings.Split(res.Body, `name="key" value="`)[1], `"`)[0]
		res = fengze.PostForm("/campaigns/2026/import/confirm", url.Values{"key": {key}, "table": {"1"}, "unit": {"qztc"}, "map.audience.市民": {"社会公众"}})
		if res.Status != 303 {
			t.Fatalf("confirm: %d %s", res.Status, res.Body)
		}
		page := e.As(t, "qztc").Get("/campaigns/2026/filings/qztc/1").Body
		if !strings.Contains(page, "机器人展") || !strings.Contains(page, "无人机表演") {
			t.Fatal("the mapped rows were not imported")
		}
		if _, p = postImport(t, fengze, path, map[string]string{"table": "1", "unit": "qztc"}, wb); len(p.Rows) != 2 || len(p.Unknown) != 0 {
			t.Fatalf("市民 not remembered: %+v", p)
		}
	})
}

// TestFormFreeTextTimes: the item form reads the opening times as the
// import does.
func TestFormFreeTextTimes(t *testing.T) {
	e := apptest.Start(t, apptest.Options{NoDemoFilings: true})
	hqu := e.As(t, "hqu")
	item := func(slots string) url.Values {
		return url.Values{"f_unit_name": {"华侨大学"}, "f_open_content": {"材料实验室开放"}, "f_address": {"城华北路269号"}, "f_contact": {"林老师"},
			"f_phone": {"13812345678"}, "f_slots": {slots}, "f_capacity": {"20"}}
	}
	res := hqu.PostForm("/campaigns/2026/filings/hqu/2/items", item("9:00-11:30"))
	if res.Status != 422 || !strings.Contains(res.Body, "只有时间，没有日期") || !strings.Contains(res.Body, "9:00-11:30") {
		t.Fatalf("a time without its date: %d", res.Status)
	}
	if res := hqu.PostForm("/campaigns/2026/filings/hqu/2/items", item("12月20日至22日 上午９：００－１１：３０，下午2:30-5:00")); res.Status != 303 {
		t.Fatalf("free text: %d %s", res.Status, res.Body)
	}
	page := hqu.Get("/campaigns/2026/filings/hqu/2").Body
	if !strings.Contains(page, "2026-12-20 09:00-11:30") || !strings.Contains(page, "2026-12-22 14:30-17:00") {
		t.Fatal("the sessions are not stored")
	}
}
