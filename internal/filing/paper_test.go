package filing_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/sciweek/sciweek/internal/apptest"
)

type importPreview struct {
	Rows []struct {
		Row    int
		Values map[string]string
	}
	Errors []struct {
		Row            int
		Field, Message string
	}
}

func importAPI(t *testing.T, c *apptest.Client, campaign, table, unit string, xlsx []byte) (*apptest.Response, importPreview) {
	t.Helper()
	body, ctype := multipartBody(t, map[string]string{"table": table, "unit": unit}, "table.xlsx", xlsx)
	res := c.Do("POST", "/api/v1/campaigns/"+campaign+"/imports", body, http.Header{"Content-Type": {ctype}})
	var p importPreview
	if res.Status == 200 {
		res.JSON(t, &p)
	}
	return res, p
}

func TestBlankTemplate(t *testing.T) {
	apptest.EachWith(t, apptest.Options{NoDemoFilings: true}, func(t *testing.T, e *apptest.Env) {
		path := "/campaigns/2026/filings/hqu/1/template.xlsx"
		for _, who := range []string{"hqu", "fengze", "admin"} {
			if res := e.As(t, who).Get(path); res.Status != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("%s downloads hqu's template: %d", who, res.Status)
			}
		}
		for _, who := range []string{"qztc", "shishi"} {
			if res := e.As(t, who).Get(path); res.Status != 404 {
				t.Errorf("%s downloads hqu's template: %d", who, res.Status)
			}
		}
		if res := e.Client(t).Get(path); res.Status == 200 {
			t.Errorf("the public downloads a template: %d", res.Status)
		}

		hqu := e.As(t, "hqu")
		res := hqu.Get(path)
		x, err := excelize.OpenReader(strings.NewReader(res.Body))
		if err != nil {
			t.Fatal(err)
		}
		sheet := x.GetSheetName(0)
		cell := func(ref string) string { v, _ := x.GetCellValue(sheet, ref); return v }
		if cell("A1") != "附件1" || cell("A2") != "2026年科技活动周重点项目备案表" || cell("A3") != "填报单位（盖章）：华侨大学" {
			t.Fatalf("head: %q %q %q", cell("A1"), cell("A2"), cell("A3"))
		}
		if cell("A4") != "序号" || cell("B4") != "项目名称" || cell("E4") != "活动类别" || cell("F4") != "活动形式" || cell("N4") != "联系电话" {
			t.Fatalf("header: %q %q %q %q %q", cell("A4"), cell("B4"), cell("E4"), cell("F4"), cell("N4"))
		}
		if cell("A5") != "1" || cell("B5") != "" || cell("A14") != "10" || !strings.HasPrefix(cell("A16"), "注：") || !strings.Contains(cell("A16"), "2026-12-19 09:00") {
			t.Fatalf("rows and note: %q %q %q %q", cell("A5"), cell("B5"), cell("A14"), cell("A16"))
		}
		dvs, err := x.GetDataValidations(sheet)
		if err != nil {
			t.Fatal(err)
		}
		lists := map[string]string{}
		for _, dv := range dvs {
			lists[dv.Sqref] = dv.Formula1
		}
		if !strings.Contains(lists["E5:E14"], "展示科技创新成就") || !strings.Contains(lists["F5:F14"], "线上线下结合") {
			t.Fatalf("dropdowns: %v", lists)
		}
		layout, err := x.GetPageLayout(sheet)
		if err != nil || layout.Orientation == nil || *layout.Orientation != "landscape" || layout.Size == nil || *layout.Size != 9 {
			t.Fatalf("page layout: %+v %v", layout, err)
		}
		titles := false
		for _, dn := range x.GetDefinedName() {
			titles = titles || (dn.Name == "_xlnm.Print_Titles" && strings.Contains(dn.RefersTo, "$4:$4"))
		}
		if !titles {
			t.Fatalf("no header rows repeated: %+v", x.GetDefinedName())
		}

		// Filled in as a clerk does, it imports with no errors.
		rows := [][]any{
			{"人工智能科普展", "华侨大学", "", "展示科技创新成就", "线下", "2026-12-20 09:00", "2026-12-20 17:00", "泉州市丰泽区城华北路269号", "展示", "青少年、社会公众", 300, "林老师", "0595-22692114"},
			{"科学防疫云课堂", "华侨大学", "", "做好科普宣传", "线上", "2026-12-21 19:00", "2026-12-21 21:00", "华侨大学官方视频号", "讲座", "社会公众", 5000, "林老师", "13812345678"},
		}
		for i, r := range rows {
			if err := x.SetSheetRow(sheet, "B"+string(rune('5'+i)), &r); err != nil {
				t.Fatal(err)
			}
		}
		var filled bytes.Buffer
		if err := x.Write(&filled); err != nil {
			t.Fatal(err)
		}
		res, preview := importAPI(t, hqu, "2026", "1", "hqu", filled.Bytes())
		if res.Status != 200 || len(preview.Errors) != 0 || len(preview.Rows) != 2 || preview.Rows[1].Values["活动形式"] != "线上" {
			t.Fatalf("filled template: %d %+v\n%s", res.Status, preview, res.Body)
		}
		// The blank template of table 2 imports as empty, with no errors.
		res, preview = importAPI(t, hqu, "2026", "2", "hqu", []byte(hqu.Get("/campaigns/2026/filings/hqu/2/template.xlsx").Body))
		if res.Status != 200 || len(preview.Errors) != 0 || len(preview.Rows) != 0 {
			t.Fatalf("blank table 2: %d %+v", res.Status, preview)
		}
	})
}

func TestExportImportRoundTrip(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.As(t, "admin")
		for _, table := range []string{"1", "2"} {
			res := admin.Get("/api/v1/campaigns/2026/exports/table" + table + ".xlsx")
			if res.Status != 200 {
				t.Fatalf("export %s: %d", table, res.Status)
			}
			x, err := excelize.OpenReader(strings.NewReader(res.Body))
			if err != nil {
				t.Fatal(err)
			}
			all, _ := x.GetRows(x.GetSheetName(0))
			exported := len(all) - 4
			if exported < 1 {
				t.Fatalf("table %s exported no rows", table)
			}
			res, preview := importAPI(t, admin, "2026", table, "quanzhou", []byte(res.Body))
			if res.Status != 200 || len(preview.Errors) != 0 || len(preview.Rows) != exported {
				t.Fatalf("table %s: export of %d rows imports %d, errors %+v (%d)\n%s", table, exported, len(preview.Rows), preview.Errors, res.Status, res.Body)
			}
		}
	})
}

func TestWrongTemplateRefused(t *testing.T) {
	apptest.EachWith(t, apptest.Options{NoDemoFilings: true}, func(t *testing.T, e *apptest.Env) {
		hqu := e.As(t, "hqu")
		table2 := []byte(hqu.Get("/campaigns/2026/filings/hqu/2/template.xlsx").Body)
		res, _ := importAPI(t, hqu, "2026", "1", "hqu", table2)
		if res.Status != 422 || !strings.Contains(res.Body, "附件2") || !strings.Contains(res.Body, "/campaigns/2026/filings/hqu/1/template.xlsx") {
			t.Fatalf("table 2's template as table 1: %d %s", res.Status, res.Body)
		}
		old := hqu.Get("/campaigns/2020/filings/hqu/1/template.xlsx")
		if old.Status != 200 {
			t.Fatalf("2020 template: %d", old.Status)
		}
		res, _ = importAPI(t, hqu, "2026", "1", "hqu", []byte(old.Body))
		if res.Status != 422 || !strings.Contains(res.Body, "2020") || !strings.Contains(res.Body, "/campaigns/2026/filings/hqu/1/template.xlsx") {
			t.Fatalf("2020's template into 2026: %d %s", res.Status, res.Body)
		}
		// The import page says it beside the file field.
		body, ctype := multipartBody(t, map[string]string{"table": "1", "unit": "hqu"}, "附件2.xlsx", table2)
		page := hqu.Do("POST", "/campaigns/2026/import", body, http.Header{"Content-Type": {ctype}})
		if page.Status != 422 || !strings.Contains(page.Body, "这是附件2的模板") {
			t.Fatalf("import page: %d", page.Status)
		}
		// In English too.
		body, ctype = multipartBody(t, map[string]string{"table": "1", "unit": "hqu"}, "附件2.xlsx", table2)
		en := hqu.Do("POST", "/api/v1/campaigns/2026/imports", body, http.Header{"Content-Type": {ctype}, "Accept-Language": {"en"}})
		if en.Status != 422 || !strings.Contains(en.Body, "This is the template of 附件2") {
			t.Fatalf("in English: %d %s", en.Status, en.Body)
		}
	})
}

var codeRe = regexp.MustCompile(`id="verify-code">([0-9A-Z]{5}-[0-9A-Z]{5})<`)

// phoneLike matches a mobile or landline number as the tables hold them.
var phoneLike = regexp.MustCompile(`1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|22579330`)

// printCode prints a filing as the client and returns its verification code.
func printCode(t *testing.T, c *apptest.Client, id string) (string, string) {
	t.Helper()
	res := c.Get("/filings/" + id + "/print")
	if res.Status != 200 {
		t.Fatalf("print %s: %d", id, res.Status)
	}
	m := codeRe.FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatalf("no verification code on the print page:\n%s", res.Body)
	}
	return m[1], res.Body
}

// filingOf finds a filing's id and version on its page.
func filingOf(t *testing.T, c *apptest.Client, path string) (string, string) {
	t.Helper()
	page := c.Get(path).Body
	id := regexp.MustCompile(`/filings/(\d+)/print`).FindStringSubmatch(page)
	v := versionRe.FindStringSubmatch(page)
	if id == nil {
		t.Fatalf("no filing on %s", path)
	}
	version := ""
	if v != nil {
		version = v[1]
	}
	return id[1], version
}

func TestPrintAndVerify(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		hqu := e.As(t, "hqu")
		id, _ := filingOf(t, hqu, "/campaigns/2026/filings/hqu/1")
		code, page := printCode(t, hqu, id)
		for _, want := range []string{"附件1", "2026年科技活动周重点项目备案表", "填报单位（盖章）：华侨大学", "<thead>", "paper.css", "/verify/" + strings.ReplaceAll(code, "-", ""), "data:image/png;base64,", "草稿"} {
			if !strings.Contains(page, want) {
				t.Errorf("print page lacks %q", want)
			}
		}
		again, _ := printCode(t, hqu, id)
		if again != code {
			t.Errorf("printing the same draft twice gives two codes: %s %s", code, again)
		}
		// The district and the organiser print it too; others cannot.
		for _, who := range []string{"fengze", "admin"} {
			if res := e.As(t, who).Get("/filings/" + id + "/print"); res.Status != 200 {
				t.Errorf("%s prints hqu's table: %d", who, res.Status)
			}
		}
		for _, who := range []string{"qztc", "shishi"} {
			if res := e.As(t, who).Get("/filings/" + id + "/print"); res.Status != 404 {
				t.Errorf("%s prints hqu's table: %d", who, res.Status)
			}
		}

		public := e.Client(t)
		res := public.Get("/verify/" + code)
		if res.Status != 200 || !strings.Contains(res.Body, "不是当前已通过审核的版本") || !strings.Contains(res.Body, "还没有通过审核的版本") || !strings.Contains(res.Body, "华侨大学") {
			t.Fatalf("verify a draft: %d\n%s", res.Status, res.Body)
		}
		noContacts := func(what, body string) {
			t.Helper()
			for _, name := range []string{"林老师", "黄剑毅", "qzskjcg"} {
				if strings.Contains(body, name) {
					t.Errorf("%s shows %q", what, name)
				}
			}
			if m := phoneLike.FindString(body); m != "" {
				t.Errorf("%s shows a phone number %q", what, m)
			}
		}
		noContacts("verify page", res.Body)

		// An approved table printed now is the current revision.
		var list struct {
			Items []struct {
				ID   int64
				Unit string
			}
		}
		admin := e.As(t, "admin")
		admin.Get("/api/v1/campaigns/2026/filings?state=approved&table=1&district=fengze").JSON(t, &list)
		if len(list.Items) == 0 {
			t.Fatalf("no approved table in fengze: %+v", list)
		}
		unit := list.Items[0].Unit
		qztc := e.As(t, unit)
		approvedID := strconv.FormatInt(list.Items[0].ID, 10)
		current, _ := printCode(t, qztc, approvedID)
		res = public.Get("/verify/" + strings.ToLower(current))
		if res.Status != 200 || !strings.Contains(res.Body, "是当前已通过审核的版本") || strings.Contains(res.Body, "不是当前") {
			t.Fatalf("verify the approved revision: %d\n%s", res.Status, res.Body)
		}
		noContacts("verify page", res.Body)
		if res := public.Get("/verify?code=" + url.QueryEscape(current)); res.Status != 303 {
			t.Errorf("the code typed in the form: %d", res.Status)
		}

		// Reopened and changed, the table prints as a draft that is not
		// the current approved one; the page says which one is.
		_, version := filingOf(t, qztc, "/campaigns/2026/filings/"+unit+"/1")
		if res := qztc.PostForm("/filings/"+approvedID+"/reopen", url.Values{"version": {version}}); res.Status != 303 {
			t.Fatalf("reopen: %d %s", res.Status, res.Body)
		}
		uid := regexp.MustCompile(`id="item-([0-9a-f]+)"`).FindStringSubmatch(qztc.Get("/campaigns/2026/filings/" + unit + "/1").Body)[1]
		if res := qztc.PostForm("/campaigns/2026/filings/"+unit+"/1/items/"+uid+"/delete", nil); res.Status != 303 {
			t.Fatalf("delete an item: %d", res.Status)
		}
		outdated, _ := printCode(t, qztc, approvedID)
		res = public.Get("/verify/" + outdated)
		if res.Status != 200 || !strings.Contains(res.Body, "不是当前已通过审核的版本") || !regexp.MustCompile(`当前已通过的是第\d+版，自\d{4}年`).MatchString(res.Body) {
			t.Fatalf("verify an outdated print: %d\n%s", res.Status, res.Body)
		}
		if res := public.Get("/verify/" + current); !strings.Contains(res.Body, "是当前已通过审核的版本") {
			t.Error("the approved print no longer verifies while the change is a draft")
		}

		// Unknown codes say so and nothing more.
		for _, c := range []string{"ZZZZZZZZZZ", "short", "ABCDE-FGHJK-1"} {
			res := public.Get("/verify/" + c)
			if res.Status != 404 || !strings.Contains(res.Body, "没有这个核验码") || strings.Contains(res.Body, "华侨大学") || strings.Contains(res.Body, "<dl") {
				t.Errorf("unknown code %s: %d", c, res.Status)
			}
		}
		// A revoked code is unknown.
		if res := admin.PostForm("/campaigns/2026/paper/revoke", url.Values{"code": {outdated}}); res.Status != 303 {
			t.Fatalf("revoke: %d", res.Status)
		}
		if res := public.Get("/verify/" + outdated); res.Status != 404 || strings.Contains(res.Body, "<dl") {
			t.Errorf("revoked code: %d", res.Status)
		}
		if res := qztc.PostForm("/campaigns/2026/paper/revoke", url.Values{"code": {current}}); res.Status != 403 {
			t.Errorf("a unit revokes a code: %d", res.Status)
		}
	})
}

func TestPaperReceipts(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		hqu := e.As(t, "hqu")
		if dash := hqu.Get("/dashboard").Body; !strings.Contains(dash, "纸质版：附件1") || !strings.Contains(dash, "东海行政中心") {
			t.Fatalf("the dashboard does not say which paper copies are expected, where:\n%s", dash)
		}
		id, _ := filingOf(t, hqu, "/campaigns/2026/filings/hqu/1")
		code, _ := printCode(t, hqu, id)

		admin := e.As(t, "admin")
		if res := admin.Get("/campaigns/2026/paper"); res.Status != 200 || !strings.Contains(res.Body, "jsqr") || !strings.Contains(res.Body, `id="scan-start"`) {
			t.Fatalf("receipt log: %d", res.Status)
		}
		for _, who := range []string{"hqu", "fengze"} {
			if res := e.As(t, who).PostForm("/campaigns/2026/paper", url.Values{"entry": {code}}); res.Status != 403 {
				t.Errorf("%s records a paper copy: %d", who, res.Status)
			}
		}
		// Scanned: the QR code holds the verification URL.
		res := admin.PostForm("/campaigns/2026/paper", url.Values{"entry": {"http://sciweek.test/verify/" + strings.ReplaceAll(code, "-", "")}})
		if res.Status != 200 || !strings.Contains(res.Body, "已登记收到这份纸质件") || !strings.Contains(res.Body, "华侨大学") {
			t.Fatalf("record by code: %d\n%s", res.Status, res.Body)
		}
		res = admin.PostForm("/campaigns/2026/paper", url.Values{"entry": {strings.ToLower(code)}})
		if res.Status != 200 || !strings.Contains(res.Body, "登记收到") || !strings.Contains(res.Body, "这份纸质件已于") {
			t.Fatalf("recorded twice: %d", res.Status)
		}
		if res := admin.PostForm("/campaigns/2026/paper", url.Values{"entry": {"ZZZZZZZZZZ"}}); res.Status != 404 || !strings.Contains(res.Body, "没有这个核验码") {
			t.Errorf("unknown code: %d", res.Status)
		}
		var n int
		if err := e.App.DB.QueryRow(t.Context(), `SELECT COUNT(*) FROM audit_events WHERE action = 'paper.receive'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("audit: %d %v", n, err)
		}
		if dash := hqu.Get("/dashboard").Body; strings.Contains(dash, "纸质版：附件1") {
			t.Error("the dashboard still expects the table received")
		}

		// The summary report: printed, then recorded by its code.
		page := hqu.Get("/campaigns/2026/reports/hqu").Body
		rid := regexp.MustCompile(`/reports/(\d+)/print`).FindStringSubmatch(page)
		if rid == nil {
			t.Fatal("no print link on the report")
		}
		rp := hqu.Get("/reports/" + rid[1] + "/print")
		m := codeRe.FindStringSubmatch(rp.Body)
		if rp.Status != 200 || m == nil || !strings.Contains(rp.Body, "填报单位（盖章）：华侨大学") {
			t.Fatalf("report print: %d", rp.Status)
		}
		if res := e.As(t, "qztc").Get("/reports/" + rid[1] + "/print"); res.Status != 404 {
			t.Errorf("qztc prints hqu's report: %d", res.Status)
		}
		if res := admin.PostForm("/campaigns/2026/paper", url.Values{"entry": {m[1]}}); res.Status != 200 || !strings.Contains(res.Body, "已登记收到") {
			t.Fatalf("report by code: %d", res.Status)
		}
		if page := admin.Get("/campaigns/2026/reports/hqu").Body; !strings.Contains(page, "纸质件已于") {
			t.Error("the report does not show its paper copy received")
		}
		if list := admin.Get("/campaigns/2026/paper").Body; strings.Count(list, "<code>") < 2 {
			t.Error("the log does not list both copies")
		}
	})
}

func TestScanRequiredAtSubmission(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.As(t, "admin")
		if res := admin.SendJSON("PATCH", "/api/v1/campaigns/2026", map[string]any{"require_scan": true}); res.Status != 200 {
			t.Fatalf("setting: %d %s", res.Status, res.Body)
		}
		if form := admin.Get("/admin/campaigns/2026/edit").Body; !regexp.MustCompile(`name="require_scan" value="yes" checked`).MatchString(form) {
			t.Fatal("the edit form does not show the setting")
		}
		hqu := e.As(t, "hqu")
		id, version := filingOf(t, hqu, "/campaigns/2026/filings/hqu/1")
		if page := hqu.Get("/campaigns/2026/filings/hqu/1").Body; !strings.Contains(page, `id="submit-scan"`) {
			t.Fatal("the submit form does not ask for the scan")
		}
		res := hqu.PostForm("/filings/"+id+"/submit", url.Values{"version": {version}})
		if res.Status != 422 || !strings.Contains(res.Body, "要求提交时附上盖章扫描件") {
			t.Fatalf("submit without the scan: %d", res.Status)
		}
		en := hqu.Do("POST", "/filings/"+id+"/submit", strings.NewReader(url.Values{"version": {version}}.Encode()),
			http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept-Language": {"en"}})
		if en.Status != 422 || !strings.Contains(en.Body, "requires the stamped scan") {
			t.Fatalf("in English: %d", en.Status)
		}
		// Not an image or PDF: refused, nothing submitted.
		body, ctype := submitBody(t, version, "scan.txt", []byte("hello"))
		if res := hqu.Do("POST", "/filings/"+id+"/submit", body, http.Header{"Content-Type": {ctype}}); res.Status != 422 {
			t.Fatalf("text as scan: %d", res.Status)
		}
		pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
		body, ctype = submitBody(t, version, "盖章扫描件.pdf", pdf)
		if res := hqu.Do("POST", "/filings/"+id+"/submit", body, http.Header{"Content-Type": {ctype}}); res.Status != 303 {
			t.Fatalf("submit with the scan: %d %s", res.Status, res.Body)
		}
		page := hqu.Get("/campaigns/2026/filings/hqu/1").Body
		if !strings.Contains(page, "盖章扫描件.pdf") || !strings.Contains(page, "审核中") {
			t.Fatalf("after submission:\n%s", page)
		}
	})
}

func submitBody(t *testing.T, version, filename string, content []byte) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("version", version)
	fw, _ := mw.CreateFormFile("scan", filename)
	fw.Write(content)
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func TestPrintDistrictPart(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		fengze := e.As(t, "fengze")
		res := fengze.Get("/campaigns/2026/print/1")
		if res.Status != 200 || !strings.Contains(res.Body, "填报单位（盖章）：丰泽区工业信息化和科技局") || !strings.Contains(res.Body, "所属区县") || !strings.Contains(res.Body, "已通过的条目汇总") {
			t.Fatalf("fengze's part: %d", res.Status)
		}
		if res := e.As(t, "admin").Get("/campaigns/2026/print/2?district=fengze"); res.Status != 200 || !strings.Contains(res.Body, "填报单位（盖章）：丰泽区工业信息化和科技局") {
			t.Fatalf("the organiser prints fengze's part: %d", res.Status)
		}
		for who, path := range map[string]string{"hqu": "/campaigns/2026/print/1", "fengze": "/campaigns/2026/print/1?district=shishi"} {
			if res := e.As(t, who).Get(path); res.Status != 404 {
				t.Errorf("%s GET %s: %d", who, path, res.Status)
			}
		}
	})
}
