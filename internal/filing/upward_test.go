package filing_test

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/demo"
	"github.com/sciweek/sciweek/internal/filing"
)

// goodItem is a project with nothing to correct.
func goodItem(title string) map[string]string {
	return map[string]string{"title": title, "host": "华侨大学", "category": "展示科技创新成就", "mode": "线下",
		"start": "2026-12-20T09:00", "end": "2026-12-20T17:00", "place": "泉州市丰泽区城华北路269号", "content": "展示",
		"audience": "青少年、社会公众", "expected": "300", "contact": "林老师", "phone": "0595-22692114"}
}

var rowRe = regexp.MustCompile(`id="row-([0-9a-f]+)"`)

// upwardVersion is the version of the campaign's submission as stored.
func upwardVersion(t *testing.T, e *apptest.Env, slug string) string {
	t.Helper()
	ctx := account.AsSystem(t.Context())
	c, err := e.App.Campaigns.Get(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	sb, _, _, err := e.App.Filings.Upward(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(sb.Version)
}

func upwardState(t *testing.T, e *apptest.Env, slug string) filing.State {
	t.Helper()
	ctx := account.AsSystem(t.Context())
	c, _ := e.App.Campaigns.Get(ctx, slug)
	sb, _, _, err := e.App.Filings.Upward(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	return sb.State
}

// Quanzhou submits its approved tables to Fujian in one action, warned
// first of its own deadline and of the units still in review; Fujian
// returns it with a comment on one row, then approves the resubmission,
// exports its subtree grouped by city and submits upward in turn, and the
// nation approves.
func TestUpwardSubmission(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		city, province, nation := e.As(t, "admin"), e.As(t, "fjkjt"), e.As(t, "most")

		if res := province.PostForm("/campaigns/fj-2026/board/remind", url.Values{"org": {"quanzhou"}, "table": {"1"}}); res.Status != 303 {
			t.Fatalf("the province reminding the city: %d\n%s", res.Status, res.Body)
		}
		if res := province.PostForm("/campaigns/fj-2026/board/extend", url.Values{"org": {"quanzhou"}, "until": {"2026-12-18"}}); res.Status != 303 {
			t.Fatalf("the province extending the city's deadline: %d\n%s", res.Status, res.Body)
		}
		res := city.Get("/campaigns/2026/upward")
		if res.Status != 200 || !strings.Contains(res.Body, `id="upward-submit-button"`) || !strings.Contains(res.Body, "福建省科学技术厅于") ||
			!strings.Contains(res.Body, "上级截止日期：2026年12月18日") {
			t.Fatalf("the city's submission page: %d\n%s", res.Status, res.Body)
		}
		res = city.PostForm("/campaigns/2026/upward/submit", url.Values{"version": {"0"}})
		if res.Status != 200 || !strings.Contains(res.Body, `id="upward-warnings"`) || !strings.Contains(res.Body, "华侨大学") ||
			!strings.Contains(res.Body, "2026年12月12日") || !strings.Contains(res.Body, `id="upward-confirm"`) {
			t.Fatalf("submitting before the city's deadline with units in review is not warned: %d\n%s", res.Status, res.Body[strings.Index(res.Body, "<main"):])
		}
		if st := upwardState(t, e, "2026"); st != filing.StateDraft {
			t.Fatalf("an unconfirmed submission went up: %s", st)
		}
		if res := city.PostForm("/campaigns/2026/upward/submit", url.Values{"version": {"0"}, "confirm": {"1"}}); res.Status != 303 {
			t.Fatalf("confirmed submission: %d\n%s", res.Status, res.Body)
		}

		board := province.Get("/campaigns/fj-2026/board")
		if board.Status != 200 || !strings.Contains(board.Body, `id="board-quanzhou"`) || !strings.Contains(board.Body, `href="/campaigns/2026/upward"`) ||
			!strings.Contains(board.Body, `id="board-xiamen"`) || strings.Contains(board.Body, `id="board-hqu"`) {
			t.Fatalf("the province's board lists its cities, not their units: %d\n%s", board.Status, board.Body)
		}
		national := nation.Get("/campaigns/cn-2026/board")
		if !strings.Contains(national.Body, `id="board-fujian"`) || strings.Contains(national.Body, `id="board-quanzhou"`) {
			t.Fatalf("the national board lists provinces:\n%s", national.Body)
		}

		page := province.Get("/campaigns/2026/upward")
		if page.Status != 200 || !strings.Contains(page.Body, `id="decision-form"`) {
			t.Fatalf("the province reviews the city's submission: %d\n%s", page.Status, page.Body)
		}
		uid := rowRe.FindStringSubmatch(page.Body)
		if uid == nil {
			t.Fatalf("no rows submitted:\n%s", page.Body)
		}
		v := upwardVersion(t, e, "2026")
		if res := province.PostForm("/campaigns/2026/upward/decide", url.Values{"version": {v}, "decision": {"return"}}); res.Status != 422 ||
			!strings.Contains(res.Body, `id="comment-error"`) {
			t.Fatalf("returning without a comment: %d\n%s", res.Status, res.Body)
		}
		if res := province.PostForm("/campaigns/2026/upward/decide", url.Values{"version": {v}, "decision": {"return"}, "comment": {"请核实后重报"},
			"c_" + uid[1]: {"活动地点不详"}}); res.Status != 303 {
			t.Fatalf("returning with comments: %d\n%s", res.Status, res.Body)
		}
		back := city.Get("/campaigns/2026/upward").Body
		if !strings.Contains(back, `id="upward-returned"`) || !strings.Contains(back, "请核实后重报") || !strings.Contains(back, "活动地点不详") {
			t.Fatalf("the city does not see the return and the row's comment:\n%s", back)
		}
		if res := city.Get("/notifications"); !strings.Contains(res.Body, "报送的备案表被上级退回") || !strings.Contains(res.Body, "请核实后重报") {
			t.Fatalf("the city is not told of the return:\n%s", res.Body)
		}
		// The city passes the row's comment on to the unit that filed it.
		if res := city.PostForm("/campaigns/2026/upward/pass", url.Values{"uid": {"0000"}}); res.Status != 404 {
			t.Fatalf("passing on a row with no comment: %d", res.Status)
		}
		if res := city.PostForm("/campaigns/2026/upward/pass", url.Values{"uid": {uid[1]}}); res.Status != 303 {
			t.Fatalf("passing the comment on to the unit: %d\n%s", res.Status, res.Body)
		}
		link := regexp.MustCompile(`id="row-` + uid[1] + `"[\s\S]*?href="(/campaigns/2026/filings/[^"]+)"`).FindStringSubmatch(back)
		if link == nil || !strings.Contains(city.Get(link[1]).Body, "福建省科学技术厅：活动地点不详") {
			t.Fatalf("the unit's table does not show the comment passed on (%v)", link)
		}
		if res := city.PostForm("/campaigns/2026/upward/decide", url.Values{"version": {upwardVersion(t, e, "2026")}, "decision": {"approve"}}); res.Status != 403 {
			t.Fatalf("the city approving its own submission: %d", res.Status)
		}
		if res := city.PostForm("/campaigns/2026/upward/submit", url.Values{"version": {upwardVersion(t, e, "2026")}, "confirm": {"1"}}); res.Status != 303 {
			t.Fatalf("resubmitting: %d\n%s", res.Status, res.Body)
		}
		if res := province.PostForm("/campaigns/2026/upward/decide", url.Values{"version": {upwardVersion(t, e, "2026")}, "decision": {"approve"}}); res.Status != 303 {
			t.Fatalf("approving: %d\n%s", res.Status, res.Body)
		}
		if st := upwardState(t, e, "2026"); st != filing.StateApproved {
			t.Fatalf("approved at the province: %s", st)
		}

		csv := province.Get("/campaigns/fj-2026/exports/table1.csv")
		if csv.Status != 200 || !strings.Contains(csv.Body, "所属地区") || !strings.Contains(csv.Body, "泉州市科学技术局") || !strings.Contains(csv.Body, "晋江鞋服产业科技创新展") {
			t.Fatalf("the province's export of its subtree: %d\n%s", csv.Status, csv.Body)
		}
		if res := province.Get("/campaigns/fj-2026/exports/table1.xlsx"); res.Status != 200 {
			t.Fatalf("the province's workbook: %d", res.Status)
		}

		if res := province.PostForm("/campaigns/fj-2026/upward/submit", url.Values{"version": {"0"}, "confirm": {"1"}}); res.Status != 303 {
			t.Fatalf("the province submitting to the nation: %d\n%s", res.Status, res.Body)
		}
		if res := nation.PostForm("/campaigns/fj-2026/upward/decide", url.Values{"version": {upwardVersion(t, e, "fj-2026")}, "decision": {"approve"}}); res.Status != 303 {
			t.Fatalf("the nation approving: %d\n%s", res.Status, res.Body)
		}
		csv = nation.Get("/campaigns/cn-2026/exports/table1.csv")
		if !strings.Contains(csv.Body, "福建省科学技术厅") || !strings.Contains(csv.Body, "晋江鞋服产业科技创新展") {
			t.Fatalf("the national export holds the province's rows:\n%s", csv.Body)
		}
		if res := e.As(t, "xmkjj").Get("/campaigns/2026/upward"); res.Status != 404 {
			t.Fatalf("another city reading Quanzhou's submission: %d", res.Status)
		}
	})
}

// What each level may not do: change a unit's row from above, or file
// with a campaign above the nearest; an archived parent leaves the child
// working, with nothing to submit to.
func TestUpwardRefusals(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := account.AsSystem(t.Context())
		province, hqu := e.As(t, "fjkjt"), e.As(t, "hqu")
		page := e.As(t, "admin").Get("/campaigns/2026/filings/qztc/1").Body
		uid := regexp.MustCompile(`id="item-([0-9a-f]+)"`).FindStringSubmatch(page)
		if uid == nil {
			t.Fatalf("no item of 泉州师范学院:\n%s", page)
		}
		res := province.PostForm("/campaigns/2026/filings/qztc/1/items/"+uid[1], itemForm(map[string]string{"title": "改名"}))
		if res.Status != 403 || !strings.Contains(res.Body, "请退回并附意见") {
			t.Fatalf("the province changing a unit's row: %d\n%s", res.Status, res.Body)
		}
		res = province.PostForm("/campaigns/2026/filings/qztc/1/items/"+uid[1]+"/delete", url.Values{})
		if res.Status != 403 || !strings.Contains(res.Body, "请退回并附意见") {
			t.Fatalf("the province removing a unit's row: %d\n%s", res.Status, res.Body)
		}

		res = hqu.PostForm("/campaigns/fj-2026/filings/hqu/1/items", itemForm(map[string]string{"title": "越级填报"}))
		if res.Status != 403 || !strings.Contains(res.Body, "2026年泉州市科技活动周") || !strings.Contains(res.Body, "/campaigns/2026/filings") {
			t.Fatalf("a unit filing with the province's campaign: %d\n%s", res.Status, res.Body)
		}

		if _, err := e.App.Accounts.CreateAccount(ctx, account.AccountInput{OrgCode: "quanzhou", Username: "qz-filer", PasswordHash: account.HashPassword(demo.Password),
			Roles: []account.Role{account.RoleFiler}}); err != nil {
			t.Fatal(err)
		}
		if res := e.As(t, "qz-filer").PostForm("/campaigns/2026/upward/submit", url.Values{"version": {"0"}, "confirm": {"1"}}); res.Status != 403 {
			t.Fatalf("a filer of the city submitting its consolidated tables: %d", res.Status)
		}

		if err := e.App.Campaigns.SetState(ctx, "fj-2026", campaign.StateArchived); err != nil {
			t.Fatal(err)
		}
		if res := hqu.PostForm("/campaigns/2026/filings/hqu/1/items", itemForm(goodItem("归档后照常填报"))); res.Status != 303 {
			t.Fatalf("the child stops working when its parent is archived: %d\n%s", res.Status, res.Body)
		}
		if page := e.As(t, "admin").Get("/campaigns/2026/upward").Body; !strings.Contains(page, `id="parent-archived"`) || strings.Contains(page, `id="upward-submit-button"`) {
			t.Fatalf("the submission page of a child of an archived campaign:\n%s", page)
		}
		res = e.As(t, "admin").PostForm("/campaigns/2026/upward/submit", url.Values{"version": {"0"}, "confirm": {"1"}})
		if res.Status != 409 || !strings.Contains(res.Body, "已归档") {
			t.Fatalf("submitting to an archived parent: %d\n%s", res.Status, res.Body)
		}
		if res := e.As(t, "admin").Get("/admin/campaigns/2026/edit"); !strings.Contains(res.Body, `id="parent-archived"`) {
			t.Fatalf("the child's organiser is not told its parent is archived: %d", res.Status)
		}
	})
}

// A province that receives its cities row by row gets each of Quanzhou's
// rows as soon as the city approves it, without the city submitting.
func TestUpwardRowByRow(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := account.AsSystem(t.Context())
		fj, err := e.App.Campaigns.Get(ctx, "fj-2026")
		if err != nil {
			t.Fatal(err)
		}
		in := campaign.InputOf(fj)
		in.UpwardRows = true
		if _, err := e.App.Campaigns.Update(ctx, "fj-2026", in); err != nil {
			t.Fatal(err)
		}
		if res := e.Client(t).Get("/api/v1/campaigns/fj-2026"); !strings.Contains(res.Body, `"upward":"rows"`) {
			t.Fatalf("the API does not say how the province receives:\n%s", res.Body)
		}
		qz, _ := e.App.Campaigns.Get(ctx, "2026")
		approve := func(as, org string) {
			t.Helper()
			f, err := e.App.Filings.For(ctx, qz, org, 1)
			if err != nil {
				t.Fatal(err)
			}
			res := e.As(t, as).PostForm("/filings/"+strconv.FormatInt(f.ID, 10)+"/decide", url.Values{"version": {strconv.Itoa(f.Version)}, "decision": {"approve"}})
			if res.Status != 303 {
				t.Fatalf("%s approving %s: %d\n%s", as, org, res.Status, res.Body)
			}
		}
		approve("fengze", "qztc")
		if st := upwardState(t, e, "2026"); st != filing.StateDraft {
			t.Fatalf("a row went up before the city approved it: %s", st)
		}
		approve("admin", "qztc")
		if st := upwardState(t, e, "2026"); st != filing.StateSubmitted {
			t.Fatalf("the row approved by the city did not go up: %s", st)
		}
		first := e.As(t, "fjkjt").Get("/campaigns/2026/upward").Body
		approve("fengze", "qzstm")
		approve("admin", "qzstm")
		page := e.As(t, "fjkjt").Get("/campaigns/2026/upward").Body
		if !strings.Contains(page, "第 2 版") || len(rowRe.FindAllString(page, -1)) <= len(rowRe.FindAllString(first, -1)) {
			t.Fatalf("the second row approved did not follow the first:\n%s", page)
		}
	})
}

// A long board is paged, a hundred rows at a time, keeping its filter.
func TestBoardPaged(t *testing.T) {
	e := apptest.Start(t, apptest.Options{NoDemoFilings: true})
	ctx := account.AsSystem(t.Context())
	for i := range 120 {
		code := "pageunit" + strconv.Itoa(i)
		if _, err := e.App.Accounts.CreateOrg(ctx, account.OrgInput{ParentCode: "fengze", Code: code, Name: "分页测试单位" + strconv.Itoa(i), Kind: account.KindUnit}); err != nil {
			t.Fatal(err)
		}
	}
	admin := e.As(t, "admin")
	first := admin.Get("/campaigns/2026/board?state=not_started")
	rows := regexp.MustCompile(`<tr id="board-`)
	if n := len(rows.FindAllString(first.Body, -1)); first.Status != 200 || n != 100 || !strings.Contains(first.Body, `rel="next"`) ||
		!strings.Contains(first.Body, "page=2") || !strings.Contains(first.Body, "state=not_started") {
		t.Fatalf("the first page holds %d rows:\n%s", n, first.Body)
	}
	second := admin.Get("/campaigns/2026/board?page=2&state=not_started")
	if n := len(rows.FindAllString(second.Body, -1)); n == 0 || n > 100 || !strings.Contains(second.Body, `rel="prev"`) || strings.Contains(second.Body, `rel="next"`) {
		t.Fatalf("the second page holds %d rows", n)
	}
}
