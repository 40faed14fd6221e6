package campaign_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/demo"
)

// childForm is a Xiamen district's campaign on the upcoming provincial one,
// as the form offers it with the blanks filled in.
func childForm(kv ...string) url.Values {
	v := url.Values{
		"slug": {"siming-2026"}, "title": {"2026年思明区科技活动周"}, "doc_number": {"思科〔2026〕3号"}, "theme": {"科技战疫 创新强国"},
		"start": {"2026-12-19"}, "end": {"2026-12-25"}, "filing_deadline": {"2026-12-10"}, "summary_deadline": {"2027-01-02"},
		"mode": {"onsite"}, "notice": {"根据厦门市通知，我区举办科技活动周。"},
		"categories": {"展示科技战疫成效\n展示科技创新成就\n体验美好生活活动\n科技助力脱贫攻坚\n海洋科技\n社区科普"},
		"audiences":  {"青少年\n劳动者\n领导干部和公务员\n部队官兵\n农民\n社会公众"},
	}
	return with(v, kv...)
}

func TestCampaignChain(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.Run(t, []apptest.Scenario{
			{Name: "a city's campaign names its parent", Path: "/api/v1/campaigns/2026", Status: 200,
				Contains: []string{`"parent":"fj-2026"`, `"children":[]`}},
			{Name: "the national campaign has no parent and lists the province", Path: "/api/v1/campaigns/cn-2026", Status: 200,
				Contains: []string{`"children":["fj-2026"]`, `"doc_number":"国科发智〔2026〕1号"`}, NotContains: []string{`"parent"`}},
			{Name: "the province lists both cities", Path: "/api/v1/campaigns/fj-2020", Status: 200,
				Contains: []string{`"parent":"cn-2020"`, `"children":["2020","xm-2020"]`}},
			{Name: "a city's notice links to the notices above it", Path: "/campaigns/2020/notice", Status: 200,
				Contains: []string{`href="/campaigns/cn-2020/notice"`, `href="/campaigns/fj-2020/notice"`, "国科发智〔2020〕167号", "闽科专〔2020〕8号", "科学技术部"}},
			{Name: "the province's page lists the cities below", Path: "/campaigns/fj-2026", Status: 200,
				Contains: []string{`href="/campaigns/2026"`, `href="/campaigns/xm-2026"`, "2026年泉州市科技活动周"}},
			{Name: "the province may publish on the national campaign", As: "fjkjt", Path: "/campaigns/cn-2026", Status: 200,
				Contains: []string{`href="/admin/campaigns/cn-2026/child"`}},
			{Name: "a unit may not", As: "hqu", Path: "/admin/campaigns/fj-2026/child", Status: 403},
			{Name: "nor the province on its own campaign", As: "fjkjt", Path: "/admin/campaigns/fj-2026/child", Status: 403},
			{Name: "the child form starts from the parent and says its bounds", As: "xmkjj", Path: "/admin/campaigns/fj-2026/child", Status: 200,
				Contains: []string{"2026年福建省科技活动周", "2026年12月15日", "科技战疫 创新强国", "科技助力脱贫攻坚"}},
		})
		xm := e.As(t, "xmkjj")
		t.Run("a deadline after the parent's is refused beside the field with the parent's date", func(t *testing.T) {
			res := xm.PostForm("/admin/campaigns/fj-2026/child", childForm("filing_deadline", "2026-12-16", "summary_deadline", "2027-01-20"))
			if res.Status != 422 || !strings.Contains(res.Body, "须早于上级活动周的截止日期（2026-12-15）") || !strings.Contains(res.Body, "（2027-01-09）") {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			if !strings.Contains(res.Body, `value="思科〔2026〕3号"`) {
				t.Error("the form does not come back as typed")
			}
		})
		t.Run("dropping a focus area the parent asks for is refused, naming it", func(t *testing.T) {
			res := xm.PostForm("/admin/campaigns/fj-2026/child", childForm("categories", "展示科技战疫成效\n展示科技创新成就\n体验美好生活活动\n海洋科技"))
			if res.Status != 422 || !strings.Contains(res.Body, "上级活动周要求“科技助力脱贫攻坚”，不能删除") {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
		t.Run("a valid child is made below the parent, with the parent's area codes", func(t *testing.T) {
			res := xm.PostForm("/admin/campaigns/fj-2026/child", childForm())
			if res.Status != 303 || res.Location() != "/admin/campaigns/siming-2026/edit" {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			res = xm.Get("/api/v1/campaigns/siming-2026")
			if !strings.Contains(res.Body, `"parent":"fj-2026"`) || !strings.Contains(res.Body, `{"code":"cat4","name":"科技助力脱贫攻坚"`) ||
				!strings.Contains(res.Body, `"state":"draft"`) {
				t.Fatalf("%s", res.Body)
			}
			// A draft child is its organiser's alone.
			if res := e.Client(t).Get("/api/v1/campaigns/fj-2026"); strings.Contains(res.Body, "siming-2026") {
				t.Errorf("the public sees a draft child: %s", res.Body)
			}
		})
		t.Run("an edit keeps the bounds", func(t *testing.T) {
			form := editForm(t, e, "2026")
			c := e.As(t, "admin")
			res := c.PostForm("/admin/campaigns/2026/edit", with(form, "summary_deadline", "2027-01-10"))
			if res.Status != 422 || !strings.Contains(res.Body, "（2027-01-09）") {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
		t.Run("a child goes on when its parent is archived, and is told", func(t *testing.T) {
			c := e.As(t, "fjkjt")
			if res := c.PostForm("/admin/campaigns/fj-2026/state", url.Values{"state": {"archived"}}); res.Status != 303 {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			admin := e.As(t, "admin")
			res := admin.Get("/admin/campaigns/2026/edit")
			if res.Status != 200 || !strings.Contains(res.Body, "上级活动周《2026年福建省科技活动周》已归档") {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			if res := e.Client(t).Get("/campaigns/2026/program"); res.Status != 200 {
				t.Errorf("the child's program: %d", res.Status)
			}
		})
	})
}

func TestDemoChainAccounts(t *testing.T) {
	names := map[string]bool{}
	for _, a := range demo.Accounts() {
		names[a[0]] = true
	}
	for _, want := range []string{"most", "fjkjt", "xmkjj"} {
		if !names[want] {
			t.Errorf("the start-up message lacks %s", want)
		}
	}
}

// Each level works in its own campaign: a unit's dashboard shows its
// city's week, not the province's or the nation's it lies under.
func TestDashboardShowsTheNearestCampaign(t *testing.T) {
	e := apptest.New(t)
	e.Run(t, []apptest.Scenario{
		{Name: "unit", As: "hqu", Path: "/dashboard", Status: 200, Contains: []string{`href="/campaigns/2026"`},
			NotContains: []string{`href="/campaigns/fj-2026"`, `href="/campaigns/cn-2026"`}},
		{Name: "province", As: "fjkjt", Path: "/dashboard", Status: 200, Contains: []string{`href="/campaigns/fj-2026"`},
			NotContains: []string{`href="/campaigns/cn-2026"`}},
		{Name: "nation", As: "most", Path: "/dashboard", Status: 200, Contains: []string{`href="/campaigns/cn-2026"`}},
	})
}
