package report_test

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/media/mediatest"
	"github.com/sciweek/sciweek/internal/report"
)

var pickRe = regexp.MustCompile(`name="pick" value="(\d+)"`)

// gathered sums, from the campaign's list of reports, the figures of the
// approved ones other than the organiser's own.
func gathered(t *testing.T, e *apptest.Env, slug, owner string) (report.Figures, map[string]int64) {
	t.Helper()
	ctx := account.AsSystem(context.Background())
	c, err := e.App.Campaigns.Get(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	all, err := e.App.Reports.List(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	var f report.Figures
	ids := map[string]int64{}
	for _, r := range all {
		if r.State != report.StateApproved || r.OrgCode == owner {
			continue
		}
		f = f.Plus(r.Figures)
		ids[r.OrgCode] = r.ID
	}
	return f, ids
}

// totalRow is the row of the gathered totals as the page shows them.
func totalRow(f report.Figures) string {
	var b strings.Builder
	b.WriteString(`<tr class="total" id="rollup-total">`)
	for _, k := range report.FigureKeys {
		b.WriteString(`<td class="num" data-label="[^"]+">` + strconv.Itoa(f.Get(k)) + `</td>`)
	}
	return b.String()
}

// hasTotal reports whether the page shows the totals f.
func hasTotal(body string, f report.Figures) bool {
	return regexp.MustCompile(strings.Replace(totalRow(f), `id="rollup-total">`, `id="rollup-total"><th scope="row">[^<]+</th>`, 1)).MatchString(body)
}

// TestLevelReportRollUp: Quanzhou's own summary to the province gathers
// its units' approved reports, takes a typical case from one, goes up and
// is approved by the province, whose own summary then shows Quanzhou
// beside Xiamen.
func TestLevelReportRollUp(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.Clock.Set(time.Date(2020, 9, 5, 10, 0, 0, 0, apptest.Now.Location()))
		const page = "/campaigns/fj-2020/reports/quanzhou"
		units, ids := gathered(t, e, "2020", "quanzhou")
		if len(ids) < 10 || units.PeopleOnSite == 0 {
			t.Fatalf("the demo's approved unit reports: %d, %+v", len(ids), units)
		}
		admin := e.As(t, "admin")
		if board := admin.Get("/campaigns/2020/reports"); !strings.Contains(board.Body, `id="level-report" href="`+page+`"`) &&
			!strings.Contains(board.Body, `href="`+page+`" id="level-report"`) {
			t.Errorf("the city's board does not lead to its own summary:\n%s", board.Body)
		}
		res := admin.Get(page)
		if res.Status != 200 || !hasTotal(res.Body, units) || !strings.Contains(res.Body, "华侨大学") {
			t.Fatalf("the city's summary does not gather its units (want %+v): %d\n%s", units, res.Status, res.Body)
		}
		if !strings.Contains(res.Body, `id="f-people_on_site" name="people_on_site" type="text" value="`+strconv.Itoa(units.PeopleOnSite)+`"`) ||
			!strings.Contains(res.Body, "下级汇总："+strconv.Itoa(units.PeopleOnSite)) {
			t.Errorf("the form does not start from the gathered figures")
		}

		t.Run("the city's own figure differing from the total is flagged", func(t *testing.T) {
			form := url.Values{"version": {"0"}, "implementation": {"市科技局印发通知，统筹全市活动。"}, "content": {"- 全市重点活动"},
				"results": {"成效明显。"}, "cases": {""}}
			for _, k := range report.FigureKeys {
				form.Set(k, strconv.Itoa(units.Get(k)))
			}
			form.Set("people_on_site", strconv.Itoa(units.PeopleOnSite+500))
			if res := admin.PostForm(page, form); res.Status != 303 {
				t.Fatalf("save: %d %s", res.Status, res.Body)
			}
			own := regexp.MustCompile(`(?s)<tr id="rollup-own">.*?</tr>`).FindString(admin.Get(page).Body)
			if strings.Count(own, `<span class="badge warn">不一致</span>`) != 1 || !strings.Contains(own, strconv.Itoa(units.PeopleOnSite+500)) {
				t.Errorf("own row: %s", own)
			}
		})

		hqu := strconv.FormatInt(ids["hqu"], 10)
		t.Run("a case from outside the roll-up is refused beside the list", func(t *testing.T) {
			_, xm := gathered(t, e, "xm-2020", "xiamen")
			body := admin.Get(page).Body
			v := versionRe.FindStringSubmatch(body)[1]
			res := admin.PostForm(page+"/cases", url.Values{"version": {v}, "pick": {strconv.FormatInt(xm["xmu"], 10)}})
			if res.Status != 422 || !strings.Contains(res.Body, `id="pick-error"`) || !strings.Contains(res.Body, "不在本级汇总的总结中") {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
		t.Run("a unit's case is picked with its source named", func(t *testing.T) {
			body := admin.Get(page).Body
			if !strings.Contains(body, `name="pick" value="`+hqu+`"`) {
				t.Fatalf("hqu's case is not offered:\n%s", body)
			}
			v := versionRe.FindStringSubmatch(body)[1]
			if res := admin.PostForm(page+"/cases", url.Values{"version": {v}, "pick": {hqu}}); res.Status != 303 {
				t.Fatalf("pick: %d %s", res.Status, res.Body)
			}
			body = admin.Get(page).Body
			picks := regexp.MustCompile(`(?s)<section class="card" id="picks".*?</section>`).FindString(body)
			if !strings.Contains(picks, "<h3>华侨大学</h3>") || !strings.Contains(picks, "来源：华侨大学的活动总结") || !strings.Contains(picks, "<strong>新冠病毒检测技术科普展</strong>") {
				t.Errorf("picks: %s", picks)
			}
			if !strings.Contains(body, `name="pick" value="`+hqu+`" checked`) {
				t.Error("the picked case is not ticked")
			}
		})

		var id string
		t.Run("the summary goes up with the picked case for its cases section", func(t *testing.T) {
			body := admin.Get(page).Body
			id = reportIDRe.FindStringSubmatch(body)[1]
			v := versionRe.FindStringSubmatch(body)[1]
			if res := admin.PostForm("/reports/"+id+"/submit", url.Values{"version": {v}}); res.Status != 303 {
				t.Fatalf("submit: %d %s", res.Status, res.Body)
			}
			if body := admin.Get(page).Body; !strings.Contains(body, "等待福建省科学技术厅审核") {
				t.Errorf("not waiting for the province")
			}
		})

		t.Run("others may not see or pick", func(t *testing.T) {
			for _, who := range []string{"xmkjj", "hqu"} {
				if res := e.As(t, who).Get(page); res.Status != 404 {
					t.Errorf("%s reads the city's summary: %d", who, res.Status)
				}
				if res := e.As(t, who).PostForm(page+"/cases", url.Values{"pick": {hqu}}); res.Status != 404 && res.Status != 403 {
					t.Errorf("%s picks for the city: %d", who, res.Status)
				}
			}
		})

		t.Run("the province's board lists the cities, not their units", func(t *testing.T) {
			board := e.As(t, "fjkjt").Get("/campaigns/fj-2020/reports")
			if !strings.Contains(board.Body, `id="report-quanzhou"`) || !strings.Contains(board.Body, `id="report-xiamen"`) ||
				strings.Contains(board.Body, `id="report-hqu"`) || strings.Contains(board.Body, `id="report-xmu"`) {
				t.Errorf("the province's board:\n%s", board.Body)
			}
			row := regexp.MustCompile(`(?s)<tr id="report-quanzhou">.*?</tr>`).FindString(board.Body)
			if !strings.Contains(row, "审核中") {
				t.Errorf("Quanzhou's row: %s", row)
			}
		})
		t.Run("the province reviews the city's summary and gathers it", func(t *testing.T) {
			fj := e.As(t, "fjkjt")
			body := fj.Get(page).Body
			if !strings.Contains(body, `action="/reports/`+id+`/decide"`) || !hasTotal(body, units) {
				t.Fatalf("the province cannot decide or does not see the breakdown:\n%s", body)
			}
			v := versionRe.FindStringSubmatch(body)[1]
			if res := fj.PostForm("/reports/"+id+"/decide", url.Values{"version": {v}, "decision": {"approve"}, "comment": {"材料齐全。"}}); res.Status != 303 {
				t.Fatalf("approve: %d %s", res.Status, res.Body)
			}
			cities, byCity := gathered(t, e, "fj-2020", "fujian")
			if byCity["quanzhou"] == 0 || byCity["xiamen"] == 0 {
				t.Fatalf("the province's roll-up lacks a city: %v", byCity)
			}
			own := fj.Get("/campaigns/cn-2020/reports/fujian")
			table := regexp.MustCompile(`(?s)<table class="board rollup".*?</table>`).FindString(own.Body)
			if own.Status != 200 || !strings.Contains(table, "泉州市科学技术局") || !strings.Contains(table, "厦门市科学技术局") ||
				!hasTotal(table, cities) || !strings.Contains(table, strconv.Itoa(units.PeopleOnSite+500)) {
				t.Errorf("the province's summary: %d\n%s", own.Status, table)
			}
			if !strings.Contains(own.Body, `name="pick" value="`+strconv.FormatInt(byCity["quanzhou"], 10)+`"`) {
				t.Error("the province cannot pick the city's cases")
			}
		})

		t.Run("the reports API gives a level report's roll-up", func(t *testing.T) {
			var list struct {
				Items []struct {
					Unit     string `json:"unit"`
					Gathered *struct {
						Campaign string         `json:"campaign"`
						Total    report.Figures `json:"total"`
						Reports  []struct {
							Unit string `json:"unit"`
						} `json:"reports"`
					} `json:"gathered"`
				} `json:"items"`
			}
			e.As(t, "fjkjt").Get("/api/v1/campaigns/fj-2020/reports").JSON(t, &list)
			found := false
			for _, it := range list.Items {
				if it.Unit == "quanzhou" {
					found = it.Gathered != nil && it.Gathered.Campaign == "2020" && it.Gathered.Total == units && len(it.Gathered.Reports) == len(ids)
				}
			}
			if !found {
				t.Errorf("Quanzhou's roll-up in the API: %+v", list.Items)
			}
		})
		t.Run("the printed summary shows the breakdown and the cases", func(t *testing.T) {
			res := admin.Get("/reports/" + id + "/print")
			if res.Status != 200 || !strings.Contains(res.Body, `id="rollup-table"`) || !hasTotal(res.Body, units) ||
				!strings.Contains(res.Body, "来源：华侨大学的活动总结") {
				t.Errorf("print: %d\n%s", res.Status, res.Body)
			}
		})

		t.Run("a unit's report gathers nothing", func(t *testing.T) {
			res := e.As(t, "hqu").Get("/campaigns/2020/reports/hqu")
			if res.Status != 200 || strings.Contains(res.Body, `id="rollup"`) {
				t.Errorf("%d", res.Status)
			}
		})
	})
}

// TestChildCampaignReachesParentProgram: a child campaign published after
// the parent's program was read shows in it at once, and leaves it when
// taken back.
func TestChildCampaignReachesParentProgram(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		const list = "/campaigns/fj-2020/activities"
		public, xm := e.Client(t), e.As(t, "xmkjj")
		if res := public.Get(list); !strings.Contains(res.Body, "共 48 项活动") {
			t.Fatalf("Xiamen in the province's program: %d", res.Status)
		}
		for _, step := range []struct{ state, want string }{{"draft", "共 40 项活动"}, {"published", "共 48 项活动"}, {"archived", "共 48 项活动"}} {
			if res := xm.PostForm("/admin/campaigns/xm-2020/state", url.Values{"state": {step.state}}); res.Status != 303 {
				t.Fatalf("%s: %d %s", step.state, res.Status, res.Body)
			}
			if res := public.Get(list); !strings.Contains(res.Body, step.want) {
				t.Errorf("after %s the province's program does not say %s", step.state, step.want)
			}
		}
	})
}

// TestChildGoesOnWhenParentArchived: with the province's and the nation's
// campaigns archived, Quanzhou's week still takes filings, shows its
// program, and its reports are written, reviewed and gathered.
func TestChildGoesOnWhenParentArchived(t *testing.T) {
	apptest.EachWith(t, apptest.Options{NoDemoFilings: true}, func(t *testing.T, e *apptest.Env) {
		for who, slug := range map[string]string{"fjkjt": "fj-2026", "most": "cn-2026"} {
			if res := e.As(t, who).PostForm("/admin/campaigns/"+slug+"/state", url.Values{"state": {"archived"}}); res.Status != 303 {
				t.Fatalf("archive %s: %d", slug, res.Status)
			}
		}
		hqu := e.As(t, "hqu")
		item := url.Values{"f_unit_name": {"华侨大学"}, "f_open_content": {"材料实验室开放"}, "f_address": {"城华北路269号"}, "f_contact": {"林老师"},
			"f_phone": {"13812345678"}, "f_slots": {"12月20日 9:00-11:30"}, "f_capacity": {"20"}}
		if res := hqu.PostForm("/campaigns/2026/filings/hqu/2/items", item); res.Status != 303 {
			t.Fatalf("filing in the child: %d %s", res.Status, res.Body)
		}
		if res := e.Client(t).Get("/campaigns/2026/program"); res.Status != 200 {
			t.Errorf("the child's program: %d", res.Status)
		}

		e.Clock.Set(time.Date(2026, 12, 26, 10, 0, 0, 0, apptest.Now.Location()))
		hqu = e.As(t, "hqu") // a month on, the morning's session has lapsed
		form := url.Values{"version": {"0"}, "implementation": {"成立领导小组。"}, "content": {"- 实验室开放"}, "results": {"接待 300 人次。"},
			"cases": {"**材料实验室开放**：预约参观。"}, "activities_held": {"1"}, "people_on_site": {"300"}}
		if res := hqu.PostForm("/campaigns/2026/reports/hqu", form); res.Status != 303 {
			t.Fatalf("report in the child: %d %s", res.Status, res.Body)
		}
		id := reportIDRe.FindStringSubmatch(hqu.Get("/campaigns/2026/reports/hqu").Body)[1]
		if res := upload(t, hqu, id, "photo", "开放日.jpg", mediatest.JPEGOfSize(t, 1300<<10, 92)); res.Status != 201 && res.Status != 200 {
			t.Fatalf("photo: %d %s", res.Status, res.Body)
		}
		body := hqu.Get("/campaigns/2026/reports/hqu").Body
		if res := hqu.PostForm("/reports/"+id+"/submit", url.Values{"version": {versionRe.FindStringSubmatch(body)[1]}}); res.Status != 303 {
			t.Fatalf("submit: %d %s", res.Status, res.Body)
		}
		for _, who := range []string{"fengze", "admin"} {
			c := e.As(t, who)
			v := versionRe.FindStringSubmatch(c.Get("/campaigns/2026/reports/hqu").Body)[1]
			if res := c.PostForm("/reports/"+id+"/decide", url.Values{"version": {v}, "decision": {"approve"}}); res.Status != 303 {
				t.Fatalf("%s approves: %d %s", who, res.Status, res.Body)
			}
		}
		admin := e.As(t, "admin")
		if dash := admin.Get("/dashboard"); !strings.Contains(dash.Body, `href="/campaigns/fj-2026/reports/quanzhou"`) || !strings.Contains(dash.Body, "向福建省科学技术厅报送本级活动总结") {
			t.Errorf("the city's dashboard does not ask for its own summary:\n%s", dash.Body)
		}
		res := admin.Get("/campaigns/fj-2026/reports/quanzhou")
		if res.Status != 200 || !strings.Contains(res.Body, "华侨大学") || !regexp.MustCompile(`<td class="num" data-label="现场参与（人次）">300</td>`).MatchString(res.Body) || !strings.Contains(res.Body, `id="report-form"`) {
			t.Errorf("the city's summary to the archived province: %d\n%s", res.Status, res.Body)
		}
		if !strings.Contains(res.Body, "附照片 1 张") {
			t.Error("hqu's case is not offered with its photo")
		}
		if res := admin.PostForm("/campaigns/fj-2026/reports/quanzhou/cases", url.Values{"pick": {id}}); res.Status != 303 {
			t.Fatalf("pick: %d %s", res.Status, res.Body)
		}
		photo := regexp.MustCompile(`<img src="(/reports/` + id + `/media/\d+/thumb)" alt="华侨大学的活动照片"`).FindStringSubmatch(admin.Get("/campaigns/fj-2026/reports/quanzhou").Body)
		if photo == nil {
			t.Fatal("the picked case lacks its photo")
		}
		if res := e.As(t, "fjkjt").Get(photo[1]); res.Status != 200 {
			t.Errorf("the province cannot see the case's photo: %d", res.Status)
		}
	})
}
