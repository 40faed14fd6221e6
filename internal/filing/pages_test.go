package filing_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
)

func itemForm(values map[string]string) url.Values {
	f := url.Values{}
	for k, v := range values {
		if k == "audience" {
			for _, a := range strings.Split(v, "、") {
				f.Add("f_"+k, a)
			}
			continue
		}
		f.Set("f_"+k, v)
	}
	return f
}

var versionRe = regexp.MustCompile(`name="version" value="(\d+)"`)
var filingIDRe = regexp.MustCompile(`/filings/(\d+)/submit`)

func TestFilingPages(t *testing.T) {
	apptest.EachWith(t, apptest.Options{NoDemoFilings: true}, func(t *testing.T, e *apptest.Env) {
		hqu := e.As(t, "hqu")
		base := "/campaigns/2026/filings/hqu/1"
		if res := hqu.Get("/campaigns/2026/filings"); res.Status != 200 || !strings.Contains(res.Body, "2026年科技活动周重点项目备案表") {
			t.Fatalf("my tables: %d", res.Status)
		}
		if res := hqu.Get(base + "/items/new"); res.Status != 200 || !strings.Contains(res.Body, `name="f_title"`) {
			t.Fatalf("new item form: %d", res.Status)
		}
		bad := itemForm(map[string]string{"title": "人工智能科普展", "phone": "123", "start": "2026-12-20T09:00", "end": "2026-12-20T17:00"})
		res := hqu.PostForm(base+"/items", bad)
		if res.Status != 422 || !strings.Contains(res.Body, `id="f_phone-error"`) || !strings.Contains(res.Body, `value="人工智能科普展"`) {
			t.Fatalf("item with problems: %d\n%s", res.Status, res.Body)
		}
		good := map[string]string{"title": "人工智能科普展", "host": "华侨大学", "category": "展示科技创新成就", "mode": "线下",
			"start": "2026-12-20T09:00", "end": "2026-12-20T17:00", "place": "泉州市丰泽区城华北路269号", "content": "展示",
			"audience": "青少年、社会公众", "expected": "300", "contact": "林老师", "phone": "0595-22692114"}
		page := hqu.Get(base).Body
		uid := regexp.MustCompile(`id="item-([0-9a-f]+)"`).FindStringSubmatch(page)
		if uid == nil {
			t.Fatalf("the draft item is not listed:\n%s", page)
		}
		if res := hqu.PostForm(base+"/items/"+uid[1], itemForm(good)); res.Status != 303 {
			t.Fatalf("fixing the item: %d\n%s", res.Status, res.Body)
		}
		page = hqu.Get(base).Body
		id := filingIDRe.FindStringSubmatch(page)[1]
		version := versionRe.FindStringSubmatch(page)[1]

		// Another unit and another district get nothing.
		qztc := e.As(t, "qztc")
		for _, path := range []string{base, base + "/items/" + uid[1], "/filings/" + id + "/compare"} {
			if res := qztc.Get(path); res.Status != 404 {
				t.Errorf("qztc GET %s: %d", path, res.Status)
			}
		}
		if res := qztc.PostForm("/filings/"+id+"/submit", url.Values{"version": {version}}); res.Status != 404 {
			t.Errorf("qztc submits hqu's filing: %d", res.Status)
		}
		if res := qztc.PostForm(base+"/items/"+uid[1]+"/delete", nil); res.Status != 404 {
			t.Errorf("qztc deletes hqu's item: %d", res.Status)
		}
		if res := e.As(t, "shishi").Get(base); res.Status != 404 {
			t.Errorf("shishi reads fengze's unit: %d", res.Status)
		}

		if res := hqu.PostForm("/filings/"+id+"/submit", url.Values{"version": {version}}); res.Status != 303 {
			t.Fatalf("submit: %d\n%s", res.Status, res.Body)
		}
		// The same form from a second tab: refused, one revision.
		if res := hqu.PostForm("/filings/"+id+"/submit", url.Values{"version": {version}}); res.Status != 409 || !strings.Contains(res.Body, "另一个窗口") {
			t.Fatalf("second submit: %d", res.Status)
		}

		fengze := e.As(t, "fengze")
		if res := fengze.Get("/campaigns/2026/review"); !strings.Contains(res.Body, "华侨大学") {
			t.Fatal("the district's queue lacks the filing")
		}
		if res := e.As(t, "shishi").PostForm("/filings/"+id+"/approve", url.Values{"version": {itoaT(atoiT(version) + 1)}}); res.Status != 404 {
			t.Errorf("another district approves: %d", res.Status)
		}
		page = fengze.Get(base).Body
		if !strings.Contains(page, `href="/campaigns/2026/board">填报进度</a> › 华侨大学`) {
			t.Errorf("the district's way back from a unit's table is not the board")
		}
		version = versionRe.FindStringSubmatch(page)[1]
		if res := fengze.PostForm("/filings/"+id+"/approve", url.Values{"version": {version}}); res.Status != 303 {
			t.Fatalf("district approves: %d\n%s", res.Status, res.Body)
		}
		admin := e.As(t, "admin")
		page = admin.Get(base).Body
		version = versionRe.FindStringSubmatch(page)[1]
		res = admin.PostForm("/filings/"+id+"/return", url.Values{"version": {version}, "comment": {""}})
		if res.Status != 422 || !strings.Contains(res.Body, `id="comment-error"`) {
			t.Fatalf("return without a comment: %d", res.Status)
		}
		if res := admin.PostForm("/filings/"+id+"/return", url.Values{"version": {version}, "c_" + uid[1]: {"请写明具体展区"}}); res.Status != 303 {
			t.Fatalf("return: %d\n%s", res.Status, res.Body)
		}
		page = hqu.Get(base).Body
		if !strings.Contains(page, "请写明具体展区") || !strings.Contains(page, "已退回") {
			t.Fatal("the unit does not see the returned item's comment")
		}
		if res := hqu.Get("/dashboard"); !strings.Contains(res.Body, "被退回") {
			t.Error("the dashboard does not say the table was returned")
		}
		board := admin.Get("/campaigns/2026/board")
		if board.Status != 200 || !strings.Contains(board.Body, `id="board-hqu"`) || !strings.Contains(board.Body, "已退回") {
			t.Fatalf("board: %d", board.Status)
		}
		if res := hqu.Get("/campaigns/2026/board"); res.Status != http.StatusForbidden {
			t.Errorf("a unit opens the board: %d", res.Status)
		}
		var list struct {
			Items []struct {
				Unit, State string
				Items       []map[string]string
			}
			Total int
		}
		admin.Get("/api/v1/campaigns/2026/filings?table=1").JSON(t, &list)
		if list.Total != 1 || list.Items[0].Unit != "hqu" || list.Items[0].State != "returned" || list.Items[0].Items[0]["项目名称"] != "人工智能科普展" {
			t.Fatalf("API list: %+v", list)
		}
		qztc.Get("/api/v1/campaigns/2026/filings").JSON(t, &list)
		if list.Total != 0 {
			t.Fatalf("qztc sees %d filings through the API", list.Total)
		}
	})
}

func atoiT(s string) int { n, _ := strconv.Atoi(s); return n }
func itoaT(n int) string { return strconv.Itoa(n) }
