package filing_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/sciweek/sciweek/internal/apptest"
)

// messyWorkbook is 附件1 as a clerk fills it: title rows, the stamp line,
// a header with a line break and a remark, a vertically merged host, a
// date serial, a count written as 30人, a blank row, a bad phone and a note.
func messyWorkbook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	s := "Sheet1"
	rows := [][]any{
		{"附件1"},
		{"2026年科技活动周重点项目备案表"},
		{"填报单位（盖章）：泉州师范学院"},
		{"序号", "项目\n名称", "主办单位", "承办单位", "活动类别", "活动形式", "开始时间", "结束时间", "活动地点", "主要内容", "面向对象", "预计参与人数", "联系人", "联系电话（手机）"},
		{1, "海洋生物科普展", "泉州师范学院", "", "体验美好生活活动", "线下", 46376.375, "2026-12-20 17:00", "东海校区", "标本展示", "青少年", "30人", "王老师", "13812345678"},
		{2, "化学实验秀", "", "", "（三）体验美好生活活动", "线下", "2026/12/21 14:00", "2026/12/21 16:00", "化学楼", "实验演示", "青少年、社会公众", 200, "王老师", 13912345678},
		{},
		{3, "茶叶检测讲座", "", "", "科技助力脱贫攻坚", "线上", "2026-12-22 09:00", "2026-12-22 11:00", "网络", "讲座", "农民", "100", "王老师", "123"},
		{"注：请于12月12日前报送。"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(s, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	f.MergeCell(s, "A2", "N2")
	f.MergeCell(s, "C5", "C8")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func multipartBody(t *testing.T, fields map[string]string, filename string, content []byte) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(content)
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func TestImportAndExport(t *testing.T) {
	apptest.EachWith(t, apptest.Options{NoDemoFilings: true}, func(t *testing.T, e *apptest.Env) {
		fengze := e.As(t, "fengze")
		body, ctype := multipartBody(t, map[string]string{"table": "1", "unit": "qztc"}, "附件1.xlsx", messyWorkbook(t))
		res := fengze.Do("POST", "/api/v1/campaigns/2026/imports", body, http.Header{"Content-Type": {ctype}})
		if res.Status != 200 {
			t.Fatalf("import preview: %d %s", res.Status, res.Body)
		}
		var preview struct {
			Rows []struct {
				Row    int
				Values map[string]string
			}
			Errors []struct {
				Row            int
				Field, Message string
			}
		}
		res.JSON(t, &preview)
		if len(preview.Rows) != 2 || preview.Rows[0].Row != 5 || preview.Rows[0].Values["开始时间"] != "2026-12-20 09:00" ||
			preview.Rows[1].Values["主办单位"] != "泉州师范学院" || preview.Rows[0].Values["预计参与人数"] != "30" {
			t.Fatalf("rows: %+v", preview.Rows)
		}
		if len(preview.Errors) != 1 || preview.Errors[0].Row != 8 || preview.Errors[0].Field != "联系电话" || !strings.Contains(preview.Errors[0].Message, "电话") {
			t.Fatalf("errors: %+v", preview.Errors)
		}
		// Not a spreadsheet; another district's unit.
		body, ctype = multipartBody(t, map[string]string{"table": "1", "unit": "qztc"}, "附件1.xlsx", []byte("序号,项目名称\n1,x\n"))
		if res := fengze.Do("POST", "/api/v1/campaigns/2026/imports", body, http.Header{"Content-Type": {ctype}}); res.Status != 422 || !strings.Contains(res.Body, "不是 Excel 工作簿") {
			t.Fatalf("CSV as xlsx: %d %s", res.Status, res.Body)
		}
		body, ctype = multipartBody(t, map[string]string{"table": "1", "unit": "qzfashion"}, "附件1.xlsx", messyWorkbook(t))
		if res := fengze.Do("POST", "/api/v1/campaigns/2026/imports", body, http.Header{"Content-Type": {ctype}}); res.Status != 422 || !strings.Contains(res.Body, `"unit"`) {
			t.Fatalf("another district's unit: %d %s", res.Status, res.Body)
		}

		// The page: preview, then confirm into qztc's draft.
		body, ctype = multipartBody(t, map[string]string{"table": "1", "unit": "qztc"}, "附件1.xlsx", messyWorkbook(t))
		res = fengze.Do("POST", "/campaigns/2026/import", body, http.Header{"Content-Type": {ctype}})
		if res.Status != 200 || !strings.Contains(res.Body, "海洋生物科普展") || !strings.Contains(res.Body, "请填写有效的电话号码") {
			t.Fatalf("preview page: %d", res.Status)
		}
		key := strings.Split(strings.Split(res.Body, `name="key" value="`)[1], `"`)[0]
		res = fengze.PostForm("/campaigns/2026/import/confirm", url.Values{"key": {key}, "table": {"1"}, "unit": {"qztc"}})
		if res.Status != 303 || res.Location() != "/campaigns/2026/filings/qztc/1" {
			t.Fatalf("confirm: %d %s", res.Status, res.Location())
		}
		qztc := e.As(t, "qztc")
		page := qztc.Get("/campaigns/2026/filings/qztc/1").Body
		if !strings.Contains(page, "海洋生物科普展") || !strings.Contains(page, "化学实验秀") || strings.Contains(page, "茶叶检测讲座") {
			t.Fatal("the draft does not hold exactly the good rows")
		}

		// Submit, approve twice, export.
		id := filingIDRe.FindStringSubmatch(page)[1]
		version := versionRe.FindStringSubmatch(page)[1]
		if res := qztc.PostForm("/filings/"+id+"/submit", url.Values{"version": {version}}); res.Status != 303 {
			t.Fatalf("submit: %d", res.Status)
		}
		for _, who := range []string{"fengze", "admin"} {
			c := e.As(t, who)
			v := versionRe.FindStringSubmatch(c.Get("/campaigns/2026/filings/qztc/1").Body)[1]
			if res := c.PostForm("/filings/"+id+"/approve", url.Values{"version": {v}}); res.Status != 303 {
				t.Fatalf("%s approves: %d", who, res.Status)
			}
		}
		admin := e.As(t, "admin")
		res = admin.Get("/api/v1/campaigns/2026/exports/table1.xlsx")
		if res.Status != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: %d %v", res.Status, res.Header)
		}
		x, err := excelize.OpenReader(strings.NewReader(res.Body))
		if err != nil {
			t.Fatal(err)
		}
		sheet := x.GetSheetName(0)
		cell := func(ref string) string { v, _ := x.GetCellValue(sheet, ref); return v }
		if cell("A1") != "附件1" || cell("A2") != "2026年科技活动周重点项目备案表" || !strings.HasPrefix(cell("A3"), "填报单位（盖章）：泉州市科学技术局") {
			t.Fatalf("export head: %q %q %q", cell("A1"), cell("A2"), cell("A3"))
		}
		if cell("A4") != "序号" || cell("B4") != "所属区县" || cell("C4") != "填报单位" || cell("D4") != "项目名称" {
			t.Fatalf("export header: %q %q %q %q", cell("A4"), cell("B4"), cell("C4"), cell("D4"))
		}
		if cell("A5") != "1" || cell("B5") != "丰泽区工业信息化和科技局" || cell("C5") != "泉州师范学院" || cell("D5") != "海洋生物科普展" || cell("D6") != "化学实验秀" || cell("D7") != "" {
			t.Fatalf("export rows: %q %q %q %q %q", cell("A5"), cell("B5"), cell("C5"), cell("D5"), cell("D6"))
		}
		res = admin.Get("/api/v1/campaigns/2026/exports/table1.csv?district=shishi")
		if res.Status != 200 || !strings.HasPrefix(res.Body, "\ufeff") || strings.Contains(res.Body, "海洋生物科普展") {
			t.Fatalf("shishi's CSV: %d", res.Status)
		}
		if res := admin.Get("/api/v1/campaigns/2026/exports/table1.csv?district=fengze"); !strings.Contains(res.Body, "海洋生物科普展") {
			t.Fatal("fengze's CSV lacks its unit's item")
		}
		if res := e.As(t, "shishi").Get("/api/v1/campaigns/2026/exports/table1.csv"); strings.Contains(res.Body, "海洋生物科普展") {
			t.Fatal("shishi exports fengze's items")
		}
		if res := admin.Get("/api/v1/campaigns/2026/exports/table3.xlsx"); res.Status != 404 {
			t.Fatalf("table3: %d", res.Status)
		}
	})
}

func TestStampedScan(t *testing.T) {
	e := apptest.Start(t, apptest.Options{NoDemoFilings: true})
	hqu := e.As(t, "hqu")
	if res := hqu.PostForm("/campaigns/2026/filings/hqu/2/items", url.Values{"f_unit_name": {"华侨大学"}}); res.Status != 422 {
		t.Fatalf("draft item: %d", res.Status)
	}
	page := hqu.Get("/campaigns/2026/filings/hqu/2").Body
	id := strings.Split(strings.Split(page, `action="/filings/`)[1], "/")[0]
	send := func(c *apptest.Client, name string, content []byte) *apptest.Response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("scan", name)
		fw.Write(content)
		mw.Close()
		return c.Do("POST", "/filings/"+id+"/scan", &buf, http.Header{"Content-Type": {mw.FormDataContentType()}})
	}
	if res := send(hqu, "盖章表.pdf", []byte("<html><script>alert(1)</script></html>")); res.Status != 422 || !strings.Contains(res.Body, `id="scan-error"`) {
		t.Fatalf("HTML named .pdf: %d", res.Status)
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	if res := send(hqu, `C:\扫描\盖章表.png`, png); res.Status != 303 {
		t.Fatalf("PNG scan: %d %s", res.Status, res.Body)
	}
	res := hqu.Get("/filings/" + id + "/scan")
	if res.Status != 200 || res.Header.Get("Content-Type") != "image/png" || !strings.Contains(res.Header.Get("Content-Disposition"), "filename*=utf-8''%E7%9B%96") {
		t.Fatalf("download: %d %v", res.Status, res.Header)
	}
	if res := e.As(t, "qztc").Get("/filings/" + id + "/scan"); res.Status != 404 {
		t.Fatalf("another unit downloads the scan: %d", res.Status)
	}
	if res := send(e.As(t, "qztc"), "x.png", png); res.Status != 404 {
		t.Fatalf("another unit uploads a scan: %d", res.Status)
	}
	big := append(append([]byte{}, png...), bytes.Repeat([]byte{0}, 21<<20)...)
	if res := send(hqu, "big.png", big); res.Status != 413 || !strings.Contains(res.Body, "不能超过 20 MB") {
		t.Fatalf("oversized scan: %d", res.Status)
	}
}
