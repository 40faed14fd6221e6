package program_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/filing"
)

// listAnswer is the API's program list.
type listAnswer struct {
	Items []struct {
		ID        int64  `json:"id"`
		Title     string `json:"title"`
		Kind      string `json:"kind"`
		Mode      string `json:"mode"`
		Start     string `json:"start"`
		Bookable  bool   `json:"bookable"`
		OnlineURL string `json:"online_url"`
		Unit      struct{ Code, Name string }
		District  *struct{ Code, Name string }
		Category  *struct{ Code, Name string }
		Audiences []struct{ Code, Name string }
	} `json:"items"`
	Total   int      `json:"total"`
	Page    int      `json:"page"`
	PerPage int      `json:"per_page"`
	Ignored []string `json:"ignored_filters"`
}

func list(t *testing.T, c *apptest.Client, query string) listAnswer {
	t.Helper()
	res := c.Get("/api/v1/campaigns/2020/activities?" + query)
	if res.Status != 200 {
		t.Fatalf("list %s: %d\n%s", query, res.Status, res.Body)
	}
	var out listAnswer
	res.JSON(t, &out)
	return out
}

func titles(a listAnswer) []string {
	var out []string
	for _, it := range a.Items {
		out = append(out, it.Title+" @"+it.Unit.Code)
	}
	return out
}

// idOf finds the id of the 2020 activity with a title.
func idOf(t *testing.T, c *apptest.Client, title string) int64 {
	t.Helper()
	for _, it := range list(t, c, "per_page=200").Items {
		if it.Title == title {
			return it.ID
		}
	}
	t.Fatalf("no activity %q", title)
	return 0
}

func TestProgramPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client(t)
		ai := idOf(t, c, "人工智能与机器人开放体验")
		e.Run(t, []apptest.Scenario{
			{Name: "home", Path: "/campaigns/2020/program", Status: 200,
				Contains:    []string{"2020年泉州市科技活动周", "科技战疫 创新强国", `href="/campaigns/2020/days/2020-0823"`[:0] + `href="/campaigns/2020/days/2020-08-23"`, "og:title", `action="/campaigns/2020/activities"`},
				NotContains: []string{"0595-22579330", "联络员"}},
			{Name: "list by day and district", Path: "/campaigns/2020/activities?day=2020-08-24&district=fengze", Status: 200,
				Contains: []string{"人工智能与机器人开放体验", "华侨大学"}, NotContains: []string{"新冠病毒检测技术科普展", "晋江鞋服产业科技创新展"}},
			{Name: "open days only", Path: "/campaigns/2020/activities?open_day=true", Status: 200,
				Contains: []string{"泉州师范学院", "共 5 项活动"}, NotContains: []string{"化学魔术实验秀"}},
			{Name: "unknown filters are shown as not applied", Path: "/campaigns/2020/activities?day=2099-01-01&district=nowhere&category=x&audience=y&mode=boat&bookable=maybe&page=-3", Status: 200,
				Contains: []string{"未应用", "日期", "县（市、区）", "活动类别", "面向对象", "活动形式", "共 40 项活动"}},
			{Name: "a page past the end", Path: "/campaigns/2020/activities?page=99", Status: 200,
				Contains: []string{"这一页没有活动", `href="/campaigns/2020/activities"`}},
			{Name: "day view by start time", Path: "/campaigns/2020/days/2020-08-26", Status: 200, Contains: []string{"09:00–12:00", "19:00–21:00"}},
			{Name: "a day outside the week", Path: "/campaigns/2020/days/2020-09-01", Status: 404},
			{Name: "unit page", Path: "/campaigns/2020/units/hqu", Status: 200, Contains: []string{"华侨大学", "石材智能加工技术成果展", "科学防疫云课堂"}, NotContains: []string{"化学魔术实验秀"}},
			{Name: "unknown unit", Path: "/campaigns/2020/units/nobody", Status: 404},
			{Name: "detail", Path: fmt.Sprintf("/activities/%d", ai), Status: 200,
				Contains: []string{"人工智能与机器人开放体验", "华侨大学泉州校区工学院", "https://uri.amap.com/search?keyword=", "application/ld+json",
					fmt.Sprintf("/activities/%d/calendar.ics", ai), "机器人编程", "青少年", "22579330"},
				NotContains: []string{"0595-22579330", "联络员"}},
			{Name: "no such activity", Path: "/activities/999999", Status: 404},
			{Name: "not a number", Path: "/activities/abc", Status: 404},
			{Name: "API: no such activity", Path: "/api/v1/activities/999999", Status: 404, Contains: []string{`"not_found"`}},
			{Name: "a draft campaign has no program", Path: "/campaigns/nope/program", Status: 404},
			{Name: "the campaign page links the program", Path: "/campaigns/2020", Status: 200, Contains: []string{`href="/campaigns/2020/program"`}},
		})
		// A filer's phone is never public, in any form.
		for _, path := range []string{"/api/v1/campaigns/2020/activities?per_page=200", "/opendata/2020/activities.csv", "/opendata/2020/activities.json", "/feeds/2020/program.ics", "/feeds/2020/program.atom"} {
			res := c.Get(path)
			if res.Status != 200 || strings.Contains(res.Body, "0595-22579330") || strings.Contains(res.Body, "联络员") || strings.Contains(res.Body, "林老师") {
				t.Errorf("%s: %d, or it shows a private field", path, res.Status)
			}
		}
	})
}

func TestBadInputIsSafe(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client(t)
		for _, q := range []string{"%", "_", `"`, "*", "NEAR(", `科技" OR "`, "' OR 1=1 --", "title:科技", "科技 AND", "\\", strings.Repeat("科技周", 340), "", "   "} {
			for _, path := range []string{"/campaigns/2020/activities?q=", "/api/v1/campaigns/2020/activities?q=", "/feeds/2020/program.ics?q="} {
				res := c.Get(path + url.QueryEscape(q))
				if res.Status != 200 {
					t.Errorf("GET %s%q: %d\n%s", path, q, res.Status, res.Body)
				}
			}
		}
		// Wildcards are searched for as text: nothing holds a % sign.
		if got := list(t, c, "q=%25").Total; got != 0 {
			t.Errorf("q=%%: %d results", got)
		}
		if got := list(t, c, "q=_").Total; got != 0 {
			t.Errorf("q=_: %d results", got)
		}
		if got := list(t, c, "").Total; got != 40 {
			t.Errorf("empty query: %d results, want all 40", got)
		}
		if res := c.Get("/api/v1/campaigns/2020/activities?per_page=500"); res.Status != 422 || !strings.Contains(res.Body, `"per_page"`) {
			t.Errorf("per_page=500: %d %s", res.Status, res.Body)
		}
	})
}

func TestChineseSearch(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client(t)
		for _, q := range []struct {
			q     string
			first string
			min   int
		}{
			{"科技", "", 10},
			{"人工智能", "人工智能与机器人开放体验", 1},
			{"泉州师范学院", "泉州师范学院开放日", 5},
			{"茶", "", 3},
			{"vr", "VR看泉州：世界遗产数字化体验", 1},
			{"科技馆 青少年", "", 1},
			{"kjhdz", "科技活动周20年回顾展", 1},
			{"kjz", "", 3},
			{"rgzn", "人工智能与机器人开放体验", 1},
		} {
			got := list(t, c, "q="+url.QueryEscape(q.q))
			if got.Total < q.min {
				t.Errorf("%q finds %d, want at least %d: %v", q.q, got.Total, q.min, titles(got))
			}
			if q.first != "" && (len(got.Items) == 0 || got.Items[0].Title != q.first) {
				t.Errorf("%q ranks first %v, want %q", q.q, titles(got), q.first)
			}
		}
		// Title matches come before matches in the content only.
		got := list(t, c, "q="+url.QueryEscape("防疫"))
		if len(got.Items) < 2 || !strings.Contains(got.Items[0].Title, "防疫") {
			t.Errorf("防疫: %v", titles(got))
		}
		page := c.Get("/campaigns/2020/activities?q=" + url.QueryEscape("人工智能")).Body
		if !strings.Contains(page, "<mark>人工智能</mark>与机器人开放体验") {
			t.Errorf("the match is not highlighted")
		}
	})
}

// TestSameResultsOnBothDatabases loads the same demo into SQLite and
// PostgreSQL and asks both the same questions.
func TestSameResultsOnBothDatabases(t *testing.T) {
	pg := apptest.OnPostgres(t, apptest.Options{}).Client(t)
	lite := apptest.Start(t, apptest.Options{}).Client(t)
	queries := []string{"科技", "人工智能", "泉州师范学院", "茶", "馆", "科技 展", "VR", "ai", "kjz", "kj", "泉州 科技馆 展厅", "防疫物资", "%", `"`, "不存在的词"}
	filters := []string{"", "&day=2020-08-24", "&district=fengze", "&category=cat2", "&audience=aud1", "&mode=online", "&open_day=true"}
	checked := 0
	for _, q := range queries {
		for _, f := range filters {
			query := "per_page=200&q=" + url.QueryEscape(q) + f
			a, b := titles(list(t, lite, query)), titles(list(t, pg, query))
			if strings.Join(a, "|") != strings.Join(b, "|") {
				t.Errorf("%s:\n sqlite   %v\n postgres %v", query, a, b)
			}
			checked += len(a)
		}
	}
	if checked < 50 {
		t.Errorf("only %d results compared: the queries find too little", checked)
	}
}

func TestAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client(t)
		all := list(t, c, "per_page=200")
		if all.Total != 40 || len(all.Items) != 40 {
			t.Fatalf("total %d, items %d, want 40 (35 projects, 5 open days)", all.Total, len(all.Items))
		}
		p2 := list(t, c, "per_page=15&page=3")
		if p2.Page != 3 || p2.PerPage != 15 || len(p2.Items) != 10 || p2.Items[0].ID != all.Items[30].ID {
			t.Errorf("page 3 of 15: page %d, %d items", p2.Page, len(p2.Items))
		}
		if got := list(t, c, "per_page=10&page=9"); len(got.Items) != 0 || got.Total != 40 {
			t.Errorf("past the end: %d items, total %d", len(got.Items), got.Total)
		}
		for _, it := range list(t, c, "mode=online&per_page=200").Items {
			if it.Mode == "onsite" {
				t.Errorf("mode=online gives %s (%s)", it.Title, it.Mode)
			}
		}
		for _, it := range list(t, c, "audience=aud1&category=cat1&per_page=200").Items {
			if it.Category == nil || it.Category.Code != "cat1" {
				t.Errorf("category filter lets %s through", it.Title)
			}
		}
		day := list(t, c, "day=2020-08-25&per_page=200")
		for i, it := range day.Items {
			if !strings.HasPrefix(it.Start, "2020-08-2") || (i > 0 && it.Start < day.Items[i-1].Start) {
				t.Errorf("day list out of order at %s", it.Title)
			}
		}
		if got := list(t, c, "bookable=true"); got.Total != 0 {
			t.Errorf("bookable=true before booking exists: %d", got.Total)
		}
		if got := list(t, c, "mode=boat&day=1999-01-01"); got.Total != 40 || strings.Join(got.Ignored, ",") != "day,mode" {
			t.Errorf("unknown filters: total %d, ignored %v", got.Total, got.Ignored)
		}

		res := c.Get(fmt.Sprintf("/api/v1/activities/%d", all.Items[0].ID))
		var one map[string]any
		res.JSON(t, &one)
		for _, k := range []string{"id", "title", "unit", "district", "category", "audiences", "mode", "start", "end", "address", "bookable", "url"} {
			if _, ok := one[k]; !ok {
				t.Errorf("an activity lacks %q", k)
			}
		}
		if s, _ := one["start"].(string); !strings.HasSuffix(s, "+08:00") {
			t.Errorf("start %q is not in +08:00", s)
		}
		etag := res.Header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		if again := c.Do("GET", fmt.Sprintf("/api/v1/activities/%d", all.Items[0].ID), nil, http.Header{"If-None-Match": {etag}}); again.Status != 304 || again.Body != "" {
			t.Errorf("If-None-Match: %d", again.Status)
		}
		lres := c.Get("/api/v1/campaigns/2020/activities")
		if again := c.Do("GET", "/api/v1/campaigns/2020/activities", nil, http.Header{"If-None-Match": {lres.Header.Get("ETag")}}); again.Status != 304 {
			t.Errorf("list If-None-Match: %d", again.Status)
		}
		// The online activities carry their form and a link where one was filed.
		online := list(t, c, "mode=online&per_page=200")
		if online.Total != 5 {
			t.Errorf("online or both: %d", online.Total)
		}
	})
}

// asOrg acts as the first account of an organisation.
func asOrg(t *testing.T, e *apptest.Env, username string) context.Context {
	t.Helper()
	ctx := account.AsSystem(context.Background())
	acc, err := e.App.Accounts.Account(ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	org, err := e.App.Accounts.OrgByID(ctx, acc.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	return account.WithPrincipal(context.Background(), &account.Principal{Account: acc, Org: org})
}

// submitAndApprove sends a filing up the review chain to approval.
func submitAndApprove(t *testing.T, e *apptest.Env, id int64) {
	t.Helper()
	sys := account.AsSystem(context.Background())
	f, err := e.App.Filings.Get(sys, id)
	if err != nil {
		t.Fatal(err)
	}
	if f, err = e.App.Filings.Submit(sys, f.ID, f.Version); err != nil {
		t.Fatalf("submit: %v", err)
	}
	for f.State == filing.StateSubmitted {
		if err := e.App.Filings.Approve(sys, f.ID, f.Version, ""); err != nil {
			t.Fatalf("approve: %v", err)
		}
		if f, err = e.App.Filings.Get(sys, f.ID); err != nil {
			t.Fatal(err)
		}
	}
}

var idRe = regexp.MustCompile(`href="/activities/(\d+)"`)

func TestApprovalPublishesAndIDsStay(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client(t)
		sys := account.AsSystem(context.Background())
		camp, err := e.App.Campaigns.Get(sys, "2026")
		if err != nil {
			t.Fatal(err)
		}
		before := c.Get("/campaigns/2026/activities?q=" + url.QueryEscape("显微镜"))
		if strings.Contains(before.Body, "显微镜") && idRe.MatchString(before.Body) {
			t.Fatal("the draft is public before approval")
		}
		evil := `<script>alert("x")</script>显微镜下的世界, 第1场; 看\细胞`
		values := filing.Values{filing.KeyTitle: evil, filing.KeyHost: "华侨大学", filing.KeyCategory: camp.Categories[0].Name, filing.KeyMode: "线上线下结合",
			filing.KeyStart: "2026-12-21 09:00", filing.KeyEnd: "2026-12-21 11:30", filing.KeyPlace: "华侨大学泉州校区 https://live.example.org/hqu",
			filing.KeyContent: "用显微镜观察细胞。", filing.KeyAudience: "青少年", filing.KeyExpected: "80", filing.KeyContact: "林老师", filing.KeyPhone: "13805950000"}
		f, err := e.App.Filings.ImportItems(sys, camp, "hqu", 1, []filing.Values{values})
		if err != nil {
			t.Fatal(err)
		}
		submitAndApprove(t, e, f.ID)

		page := c.Get("/campaigns/2026/activities?q=" + url.QueryEscape("显微镜"))
		m := idRe.FindStringSubmatch(page.Body)
		if m == nil {
			t.Fatalf("the approved item is not in the program (the cache was not cleared?)\n%s", page.Body)
		}
		id := m[1]
		if strings.Contains(page.Body, "<script>alert") || !strings.Contains(page.Body, "&lt;script&gt;alert(&#34;x&#34;)") {
			t.Error("the title is not escaped on the list page")
		}
		detail := c.Get("/activities/" + id).Body
		if strings.Contains(detail, "<script>alert") || !strings.Contains(detail, "&lt;script&gt;alert") {
			t.Error("the title is not escaped on the page")
		}
		if strings.Contains(detail, "13805950000") || strings.Contains(detail, "林老师") {
			t.Error("the filer's phone or name is public")
		}
		if !strings.Contains(detail, `href="https://live.example.org/hqu"`) {
			t.Error("the online link is not shown")
		}
		ld := jsonLD(t, detail)
		if ld["name"] != evil || ld["eventAttendanceMode"] != "https://schema.org/MixedEventAttendanceMode" {
			t.Errorf("JSON-LD: %v", ld)
		}
		if strings.Contains(detail, `"<script>`) {
			t.Error("the JSON-LD holds a raw <script>")
		}
		atom := c.Get("/feeds/2026/program.atom").Body
		if strings.Contains(atom, "<script>") {
			t.Error("the Atom feed holds a raw <script>")
		}
		ics := c.Get("/activities/" + id + "/calendar.ics").Body
		if !strings.Contains(unfold(ics), `SUMMARY:<script>alert("x")</script>显微镜下的世界\, 第1场\; 看\\细胞`) {
			t.Errorf("iCalendar summary not escaped as TEXT:\n%s", ics)
		}

		// Reopened, changed and approved again: the same id.
		if err := e.App.Filings.Reopen(asOrg(t, e, "hqu"), f.ID, mustFiling(t, e, f.ID).Version); err != nil {
			t.Fatal(err)
		}
		if res := c.Get("/activities/" + id); res.Status != 200 {
			t.Errorf("while the filing is reopened the approved revision stays public: %d", res.Status)
		}
		var uid string
		for _, it := range mustFiling(t, e, f.ID).Items {
			if strings.Contains(it.Values[filing.KeyTitle], "显微镜") {
				uid = it.UID
			}
		}
		values[filing.KeyTitle] = "显微镜下的世界（改期）"
		values[filing.KeyStart], values[filing.KeyEnd] = "2026-12-22 14:00", "2026-12-22 16:00"
		if _, _, _, err := e.App.Filings.SaveItem(asOrg(t, e, "hqu"), camp, "hqu", 1, uid, values); err != nil {
			t.Fatal(err)
		}
		submitAndApprove(t, e, f.ID)
		var got map[string]any
		c.Get("/api/v1/activities/"+id).JSON(t, &got)
		if got["title"] != "显微镜下的世界（改期）" || got["start"] != "2026-12-22T14:00:00+08:00" {
			t.Errorf("after re-approval activity %s is %v", id, got)
		}
		// An item taken out of the approved table leaves the program.
		if err := e.App.Filings.Reopen(asOrg(t, e, "hqu"), f.ID, mustFiling(t, e, f.ID).Version); err != nil {
			t.Fatal(err)
		}
		if err := e.App.Filings.DeleteItem(asOrg(t, e, "hqu"), f.ID, uid); err != nil {
			t.Fatal(err)
		}
		submitAndApprove(t, e, f.ID)
		if res := c.Get("/activities/" + id); res.Status != 404 {
			t.Errorf("a withdrawn item: %d", res.Status)
		}
	})
}

func mustFiling(t *testing.T, e *apptest.Env, id int64) filing.Filing {
	t.Helper()
	f, err := e.App.Filings.Get(account.AsSystem(context.Background()), id)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

var ldRe = regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`)

func jsonLD(t *testing.T, page string) map[string]any {
	t.Helper()
	m := ldRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no JSON-LD")
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(m[1]), &out); err != nil {
		t.Fatalf("JSON-LD does not parse: %v\n%s", err, m[1])
	}
	return out
}

func unfold(ics string) string { return strings.ReplaceAll(ics, "\r\n ", "") }
