package e2e_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/report"
)

// approvedBelow sums the figures of the approved reports of a campaign
// other than its organiser's, and finds one unit's report.
func approvedBelow(t *testing.T, env *apptest.Env, slug, owner, unit string) (report.Figures, int64) {
	t.Helper()
	ctx := account.AsSystem(context.Background())
	c, err := env.App.Campaigns.Get(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	all, err := env.App.Reports.List(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	var f report.Figures
	var id int64
	for _, r := range all {
		if r.State == report.StateApproved && r.OrgCode != owner {
			f = f.Plus(r.Figures)
			if r.OrgCode == unit {
				id = r.ID
			}
		}
	}
	return f, id
}

// TestBrowserReportRollUp rolls Quanzhou's figures up to the province:
// the city's own summary gathers its units' approved reports, takes
// 华侨大学's typical case and goes to the province, which approves it and
// then finds Quanzhou beside Xiamen in its own summary to the nation.
func TestBrowserReportRollUp(t *testing.T) {
	env := apptest.New(t)
	env.Clock.Set(time.Date(2020, 9, 5, 10, 0, 0, 0, apptest.Now.Location()))
	units, hqu := approvedBelow(t, env, "2020", "quanzhou", "hqu")
	people := strconv.Itoa(units.PeopleOnSite)
	b := newBrowser(t, env.URL)

	b.login("admin")
	b.open("/campaigns/2020/reports", "#level-report")
	b.shows("#level-report", "本级活动总结（报送福建省科学技术厅）")
	b.click("#level-report", "#rollup")
	b.shows("#rollup-total", "下级合计", people)
	b.shows("#rollup-table", "华侨大学", "泉州师范学院")
	if got := b.value("#f-people_on_site"); got != people {
		t.Errorf("the city's figure starts at %q, want the gathered %s", got, people)
	}
	if none, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.querySelector("#rollup-own") === null`)); err != nil || !none {
		t.Errorf("an unsaved summary is flagged against the total (%v)", err)
	}
	b.capture("rollup-city")

	b.do("tick 华侨大学's case", chromedp.Click(chromedp.CSS(`input[name="pick"][value="`+strconv.FormatInt(hqu, 10)+`"]`)))
	b.click(`#pick-form button[type=submit]`, "#picks")
	b.shows(".flash", "已更新所选典型案例")
	b.shows("#picks", "华侨大学", "新冠病毒检测技术科普展", "来源：华侨大学的活动总结")

	b.fill("#s-implementation", "市科技局印发通知，统筹全市各县（市、区）和有关单位开展活动周。")
	b.fill("#s-content", "- 科技战疫成果展示\n- 科研院所开放日")
	b.fill("#s-results", "全市活动参与踊跃，线上观看人次大幅增加。")
	b.fill("#f-people_on_site", strconv.Itoa(units.PeopleOnSite+1000))
	b.click(`#report-form button[type=submit]`, ".flash")
	b.shows("#rollup-own", "不一致")
	b.click(`form[action$="/submit"] button[type=submit]`, ".flash")
	b.shows("main", "等待福建省科学技术厅审核")
	b.capture("rollup-city-submitted")
	b.logout()

	b.login("fjkjt")
	b.open("/campaigns/fj-2020/reports/quanzhou", "#decision-form")
	b.shows("#rollup-total", people)
	b.shows("#picks", "来源：华侨大学的活动总结")
	b.capture("rollup-province-review")
	b.fill("#comment", "数据齐全，同意。")
	b.click("#approve", ".flash")
	b.shows("main", "已通过")

	cities, _ := approvedBelow(t, env, "fj-2020", "fujian", "")
	if cities.ActivitiesHeld <= units.ActivitiesHeld || cities.PeopleOnSite <= units.PeopleOnSite+1000 {
		t.Errorf("the cities' figures %+v do not hold Quanzhou's %+v", cities, units)
	}
	b.open("/campaigns/cn-2020/reports/fujian", "#rollup")
	b.shows("#rollup-table", "泉州市科学技术局", strconv.Itoa(units.PeopleOnSite+1000), "厦门市科学技术局")
	b.shows("#rollup-total", strconv.Itoa(cities.ActivitiesHeld), strconv.Itoa(cities.PeopleOnSite), strconv.Itoa(cities.OnlineViews), strconv.Itoa(cities.MediaReports))
	b.shows("#pick-cases", "泉州市科学技术局", "新冠病毒检测技术科普展")
	b.capture("rollup-province")
}
