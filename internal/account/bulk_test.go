package account_test

import (
	"archive/zip"
	"bytes"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/errs"
)

func TestParseUnitList(t *testing.T) {
	text := "\ufeff单位名称\t代码\t联系人\t联系电话\t电子邮箱\r\n" +
		"华侨大学\thqu2\t林老师\t0595-22692114\tlin@example.com\r\n" +
		"\r\n" +
		"泉州科技馆,qzstm2,张馆员,0595-22135678,\n" +
		"泉州师范学院，ｑｚｔｃ２，王老师，１３８１２３４５６７８，wang@example.com\n" +
		"   \u3000  \n" +
		"泉州海洋馆    qzocean    陈先生    13900001111\n" +
		"泉州图书馆\u3000qzlib\u3000周女士\n" +
		"只有名称\n" +
		"空代码,,某人\n"
	got := account.ParseUnitList(text)
	want := []account.UnitRow{
		{Row: 2, Name: "华侨大学", Code: "hqu2", ContactName: "林老师", ContactPhone: "0595-22692114", ContactEmail: "lin@example.com"},
		{Row: 4, Name: "泉州科技馆", Code: "qzstm2", ContactName: "张馆员", ContactPhone: "0595-22135678"},
		{Row: 5, Name: "泉州师范学院", Code: "ｑｚｔｃ２", ContactName: "王老师", ContactPhone: "１３８１２３４５６７８", ContactEmail: "wang@example.com"},
		{Row: 7, Name: "泉州海洋馆", Code: "qzocean", ContactName: "陈先生", ContactPhone: "13900001111"},
		{Row: 8, Name: "泉州图书馆", Code: "qzlib", ContactName: "周女士"},
		{Row: 9, Name: "只有名称"},
		{Row: 10, Name: "空代码", ContactName: "某人"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseUnitList:\n got %+v\nwant %+v", got, want)
	}
	if rows := account.ParseUnitList("\n \n\t\n"); len(rows) != 0 {
		t.Errorf("blank text gives %+v", rows)
	}
}

// hiddenInputs returns the hidden fields of the form that holds marker,
// as a browser would send them.
func hiddenInputs(t *testing.T, body, marker string) url.Values {
	t.Helper()
	i := strings.Index(body, marker)
	if i < 0 {
		t.Fatalf("no form with %q:\n%s", marker, body)
	}
	start := strings.LastIndex(body[:i], "<form")
	end := strings.Index(body[i:], "</form>") + i
	v := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`).FindAllStringSubmatch(body[start:end], -1) {
		v.Add(m[1], html.UnescapeString(m[2]))
	}
	return v
}

func TestImportPastedList(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := t.Context()
		c := e.As(t, "fengze")
		if res := c.Get("/admin/orgs/import?parent=fengze"); res.Status != 200 || !strings.Contains(res.Body, `<option value="fengze" selected>`) {
			t.Fatalf("import form: %d", res.Status)
		}
		text := "单位名称,代码,联系人,联系电话,电子邮箱\n" +
			"泉州海洋馆,qzocean,陈先生,13900001111,chen@example.com\n" +
			"\n" +
			"丰泽区少年宫,,何老师,12345,\n" +
			"泉州天文台，ＱＺＳＴＡＲ，吴老师，０５９５－２２３３４４５５，\n" +
			"重复单位,qzocean,,,\n"
		res := c.PostForm("/admin/orgs/import", url.Values{"step": {"preview"}, "parent": {"fengze"}, "text": {text}})
		if res.Status != 200 {
			t.Fatalf("preview: %d\n%s", res.Status, res.Body)
		}
		for _, want := range []string{"第 4 行 联系电话：请填写有效的电话号码", "第 6 行 代码：与第 2 行的代码重复", "共 4 行：2 行可以导入，2 处有误", "确认导入 2 个单位", "<code>qzstar</code>", "0595-22334455"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("preview lacks %q", want)
			}
		}
		if _, err := e.App.Accounts.Org(ctx, "qzocean"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("the preview saved something: %v", err)
		}
		confirm := hiddenInputs(t, res.Body, `name="step" value="confirm"`)
		if len(confirm["row"]) != 2 {
			t.Fatalf("confirm carries %v", confirm)
		}
		res = c.PostForm("/admin/orgs/import", confirm)
		if res.Status != 200 || !strings.Contains(res.Body, "已导入 2 个单位") {
			t.Fatalf("confirm: %d\n%s", res.Status, res.Body)
		}
		passwords := regexp.MustCompile(`<td><code>([a-z0-9-]+)</code></td><td><code class="secret">([^<]+)</code>`).FindAllStringSubmatch(res.Body, -1)
		if len(passwords) != 2 || passwords[0][1] != "qzocean" || passwords[1][1] != "qzstar" {
			t.Fatalf("result: %v\n%s", passwords, res.Body)
		}
		org, err := e.App.Accounts.Org(ctx, "qzstar")
		if err != nil || org.ParentCode != "fengze" || org.ContactPhone != "0595-22334455" || org.Kind != account.KindUnit {
			t.Errorf("imported unit: %+v %v", org, err)
		}
		if res := login(e.Client(t), "qzocean", passwords[0][2]); res.Status != http.StatusSeeOther {
			t.Errorf("imported account login: %d", res.Status)
		}
		// The faulty rows were not created.
		fengze, _ := e.App.Accounts.Org(ctx, "fengze")
		nodes, err := e.App.Accounts.Subtree(ctx, fengze)
		if err != nil || len(nodes) != 6 {
			t.Errorf("fengze's subtree after the import: %d %v", len(nodes), err)
		}
		for _, n := range nodes {
			if n.Name == "丰泽区少年宫" || n.Name == "重复单位" {
				t.Errorf("faulty row saved: %+v", n)
			}
		}
		res = e.As(t, "admin").Get("/admin/audit?action=org.import")
		if !strings.Contains(res.Body, `title="org.import"`) || !strings.Contains(res.Body, "units: 2") {
			t.Errorf("import not audited")
		}
		// Confirming the same rows again finds the codes taken and saves nothing.
		res = c.PostForm("/admin/orgs/import", confirm)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "该代码已被其他单位或账号使用") {
			t.Errorf("second confirm: %d", res.Status)
		}
		// Another district's bureau is not a parent for fengze.
		res = c.PostForm("/admin/orgs/import", url.Values{"step": {"preview"}, "parent": {"shishi"}, "text": {"石狮单位,sssx,,,"}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="parent-error"`) {
			t.Errorf("foreign parent: %d", res.Status)
		}
		if res := c.PostForm("/admin/orgs/import", url.Values{"step": {"preview"}, "parent": {"fengze"}, "text": {"\n\n"}}); res.Status != 422 || !strings.Contains(res.Body, "没有读到任何单位") {
			t.Errorf("empty list: %d", res.Status)
		}
		if res := e.As(t, "hqu").PostForm("/admin/orgs/import", confirm); res.Status != http.StatusForbidden {
			t.Errorf("filer import: %d", res.Status)
		}
	})
}

// upload posts a file to the import form.
func upload(t *testing.T, c *apptest.Client, parent, filename string, content []byte) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("step", "preview")
	mw.WriteField("parent", parent)
	mw.WriteField("text", "")
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	return c.Do("POST", "/admin/orgs/import", &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

func unitWorkbook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	f.SetCellValue(sheet, "A1", "2026年科技活动周参与单位名单")
	if err := f.MergeCell(sheet, "A1", "E1"); err != nil {
		t.Fatal(err)
	}
	for i, h := range []string{"单位　名称", "代码", " 联系人 ", "联系电话", "电子邮箱"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 2)
		f.SetCellValue(sheet, cell, h)
	}
	f.SetSheetRow(sheet, "A3", &[]any{"泉州海洋馆", "qzocean", "陈先生", 13900001111, "chen@example.com"})
	// Row 4 stays blank.
	f.SetSheetRow(sheet, "A5", &[]any{"\u3000泉州天文台\u3000", "", "吴老师", "0595-22334455", ""})
	f.SetSheetRow(sheet, "A6", &[]any{"电话有误的单位", "badphone", "某人", 12345, ""})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportWorkbook(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.As(t, "admin")
		res := upload(t, c, "fengze", "名单.xlsx", unitWorkbook(t))
		if res.Status != 200 {
			t.Fatalf("preview: %d\n%s", res.Status, res.Body)
		}
		for _, want := range []string{"泉州海洋馆", "13900001111", "<th scope=\"row\">5</th>", "泉州天文台", "第 6 行 联系电话", "共 3 行：2 行可以导入，1 处有误"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("preview lacks %q", want)
			}
		}
		if strings.Contains(res.Body, "2026年科技活动周参与单位名单</td>") {
			t.Errorf("the title row was read as a unit")
		}
		res = c.PostForm("/admin/orgs/import", hiddenInputs(t, res.Body, `name="step" value="confirm"`))
		if res.Status != 200 || !strings.Contains(res.Body, "已导入 2 个单位") {
			t.Fatalf("confirm: %d\n%s", res.Status, res.Body)
		}
		org, err := e.App.Accounts.Org(t.Context(), "qzocean")
		if err != nil || org.ContactPhone != "13900001111" || org.ParentCode != "fengze" || org.ContactEmail != "chen@example.com" {
			t.Errorf("imported: %+v %v", org, err)
		}
		if _, err := e.App.Accounts.Org(t.Context(), "badphone"); !errs.Is(err, errs.NotFound) {
			t.Errorf("the faulty row was saved: %v", err)
		}
	})
}

func TestImportRefusesOtherFiles(t *testing.T) {
	e := apptest.New(t)
	c := e.As(t, "fengze")
	for _, tc := range []struct {
		name, filename string
		content        []byte
	}{
		{"text named xlsx", "units.xlsx", []byte("单位名称,代码\n华侨大学,hqu\n")},
		{"csv", "units.csv", []byte("单位名称,代码\n华侨大学,hqu\n")},
		{"zip that is no workbook", "units.xlsx", zipOf(t, "readme.txt", 10)},
	} {
		res := upload(t, c, "fengze", tc.filename, tc.content)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="file-error"`) || !strings.Contains(res.Body, "请上传 Excel 2007 及以上版本的 .xlsx 文件") {
			t.Errorf("%s: %d\n%s", tc.name, res.Status, res.Body)
		}
	}
	// A small file that unpacks to far more than any unit list.
	bomb := zipOf(t, "xl/worksheets/sheet1.xml", 64<<20)
	if len(bomb) > 1<<20 {
		t.Fatalf("bomb of %d bytes", len(bomb))
	}
	res := upload(t, c, "fengze", "bomb.xlsx", bomb)
	if res.Status != http.StatusRequestEntityTooLarge || !strings.Contains(res.Body, "解压后过大") {
		t.Errorf("zip bomb: %d\n%s", res.Status, res.Body)
	}
	big := append([]byte("PK\x03\x04"), make([]byte, account.MaxWorkbookBytes+10)...)
	if res := upload(t, c, "fengze", "big.xlsx", big); res.Status != http.StatusRequestEntityTooLarge || !strings.Contains(res.Body, "文件太大") {
		t.Errorf("too large: %d", res.Status)
	}
}

// zipOf returns a zip holding one file of n zero bytes.
func zipOf(t *testing.T, name string, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, len(chunk))
		w.Write(chunk[:k])
		n -= k
	}
	zw.Close()
	return buf.Bytes()
}
