package review_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/review"
)

// pages are where each kind is reviewed on the site.
func pages(id int64) map[string][2]string {
	n := strconv.FormatInt(id, 10)
	return map[string][2]string{
		"filing": {"/campaigns/2026/filings/hqu/1", "/filings/" + n},
		"report": {"/campaigns/2026/reports/hqu", "/reports/" + n},
		"news":   {"/news/" + n, "/news/" + n},
	}
}

func versionOf(t *testing.T, e *apptest.Env, table string, id int64) string {
	t.Helper()
	return strconv.Itoa(count(t, e, `SELECT version FROM `+table+` WHERE id = ?`, id))
}

// TestOneReviewForm: the reviewer's comment goes with either decision from
// one form, into the history and the unit's notice; returning needs one;
// a decision on a version someone else decided first changes nothing.
func TestOneReviewForm(t *testing.T) {
	apptest.EachWith(t, apptest.Options{NoDemoFilings: true}, func(t *testing.T, e *apptest.Env) {
		c, err := e.App.Campaigns.Get(account.AsSystem(context.Background()), "2026")
		must(t, err)
		fengze, hqu := e.As(t, "fengze"), e.As(t, "hqu")
		for _, th := range things(t, e, c) {
			id := th.make(t, review.Submitted)
			page, act := pages(id)[th.kind][0], pages(id)[th.kind][1]
			body := fengze.Get(page).Body
			if strings.Count(body, `name="comment"`) != 1 || !strings.Contains(body, `action="`+act+`/decide"`) ||
				!strings.Contains(body, `name="decision" value="approve"`) || !strings.Contains(body, `name="decision" value="return"`) {
				t.Fatalf("%s: no single review form with two decisions:\n%s", th.kind, body)
			}
			v := versionOf(t, e, th.table, id)
			res := fengze.PostForm(act+"/decide", url.Values{"version": {v}, "decision": {"return"}, "comment": {" "}})
			if res.Status != 422 || !strings.Contains(res.Body, `id="comment-error"`) || !strings.Contains(res.Body, "退回时请写明需要修改的地方") {
				t.Errorf("%s: return without a comment: %d", th.kind, res.Status)
			}
			if versionOf(t, e, th.table, id) != v {
				t.Errorf("%s: a refused return changed it", th.kind)
			}
			res = fengze.PostForm(act+"/decide", url.Values{"version": {v}, "decision": {"approve"}, "comment": {"材料齐全，同意上报"}})
			if res.Status != 303 {
				t.Fatalf("%s: approve with a comment: %d\n%s", th.kind, res.Status, res.Body)
			}
			if body := hqu.Get(page).Body; !strings.Contains(body, "材料齐全，同意上报") {
				t.Errorf("%s: the approval's comment is not in the history:\n%s", th.kind, body)
			}
			// Someone else decided first: the same form again is refused.
			after := versionOf(t, e, th.table, id)
			res = fengze.PostForm(act+"/decide", url.Values{"version": {v}, "decision": {"return"}, "comment": {"请修改"}})
			if res.Status != 409 || !strings.Contains(res.Body, "其他人已先一步处理") {
				t.Errorf("%s: a decision on a stale version: %d", th.kind, res.Status)
			}
			if versionOf(t, e, th.table, id) != after {
				t.Errorf("%s: a stale decision changed it", th.kind)
			}
		}
		if body := hqu.Get("/notifications").Body; !strings.Contains(body, "材料齐全，同意上报") {
			t.Errorf("the unit's notice lacks the approval's comment:\n%s", body)
		}
	})
}

// TestCheckinStaff: check-in staff may not reopen its unit's approved table
// or report, nor read its tables, exports or reports.
func TestCheckinStaff(t *testing.T) {
	apptest.EachWith(t, apptest.Options{NoDemoFilings: true}, func(t *testing.T, e *apptest.Env) {
		c, err := e.App.Campaigns.Get(account.AsSystem(context.Background()), "2026")
		must(t, err)
		staff := e.As(t, "hqu-checkin")
		for _, th := range things(t, e, c)[:2] {
			id := th.make(t, review.Approved)
			page, act := pages(id)[th.kind][0], pages(id)[th.kind][1]
			before := snapshot(t, e, th, id)
			refused := count(t, e, `SELECT COUNT(*) FROM audit_events WHERE action = ?`, th.kind+".refused")
			if res := staff.PostForm(act+"/reopen", url.Values{"version": {versionOf(t, e, th.table, id)}}); res.Status != 403 {
				t.Errorf("%s: check-in staff reopens: %d", th.kind, res.Status)
			}
			if snapshot(t, e, th, id) != before {
				t.Errorf("%s: a refused reopen changed it", th.kind)
			}
			if count(t, e, `SELECT COUNT(*) FROM audit_events WHERE action = ?`, th.kind+".refused") != refused+1 {
				t.Errorf("%s: the refused reopen is not in the audit log", th.kind)
			}
			if res := staff.Get(page); res.Status != 404 || strings.Contains(res.Body, "0595-22692114") {
				t.Errorf("%s: check-in staff reads it: %d", th.kind, res.Status)
			}
		}
		for _, path := range []string{"/campaigns/2026/exports/table1.csv", "/campaigns/2026/exports/table1.xlsx", "/api/v1/campaigns/2026/filings",
			"/api/v1/campaigns/2026/reports"} {
			if res := staff.Get(path); res.Status != 403 || strings.Contains(res.Body, "0595-22692114") {
				t.Errorf("check-in staff reads %s: %d", path, res.Status)
			}
		}
	})
}

// TestApprovedArticleStaysPublic: a unit's change to its approved article
// waits for review while the public keeps seeing the approved one, and it
// cannot move the article into the city's notices.
func TestApprovedArticleStaysPublic(t *testing.T) {
	apptest.EachWith(t, apptest.Options{NoDemoFilings: true}, func(t *testing.T, e *apptest.Env) {
		c, err := e.App.Campaigns.Get(account.AsSystem(context.Background()), "2026")
		must(t, err)
		newsThing := things(t, e, c)[2]
		id := newsThing.make(t, review.Approved)
		path := "/news/" + strconv.FormatInt(id, 10)
		hqu, public := e.As(t, "hqu"), e.Client(t)
		edit := func(section, title string, submit bool) *apptest.Response {
			f := url.Values{"version": {versionOf(t, e, "articles", id)}, "section": {section}, "title": {title}, "body": {"实验室开放，欢迎预约。"}}
			if submit {
				f.Set("submit", "1")
			}
			return hqu.PostForm(path+"/edit", f)
		}
		if res := edit("notices", "华侨大学开放日通知", false); res.Status != 422 || !strings.Contains(res.Body, "本单位不能在该栏目发布") {
			t.Fatalf("moving into the city's notices: %d", res.Status)
		}
		if res := edit("news", "华侨大学开放日迎来千名学生", false); res.Status != 303 {
			t.Fatalf("editing the approved article: %d\n%s", res.Status, res.Body)
		}
		for _, p := range []string{path, "/campaigns/2026/news/news", "/feeds/2026/news/news.atom"} {
			if res := public.Get(p); res.Status != 200 || !strings.Contains(res.Body, "华侨大学开放日") || strings.Contains(res.Body, "千名学生") {
				t.Errorf("the public sees the unapproved change on %s: %d", p, res.Status)
			}
		}
		if res := hqu.Get(path); !strings.Contains(res.Body, "千名学生") || !strings.Contains(res.Body, "修改稿正在审核中") {
			t.Errorf("the unit does not see its pending change:\n%s", res.Body)
		}
		if res := edit("news", "华侨大学开放日迎来千名学生", true); res.Status != 303 {
			t.Fatalf("submitting the change: %d\n%s", res.Status, res.Body)
		}
		for _, who := range []string{"fengze", "admin"} {
			res := e.As(t, who).PostForm(path+"/decide", url.Values{"version": {versionOf(t, e, "articles", id)}, "decision": {"approve"}})
			if res.Status != 303 {
				t.Fatalf("%s approves the change: %d", who, res.Status)
			}
			if got := strings.Contains(public.Get(path).Body, "千名学生"); got != (who == "admin") {
				t.Errorf("after %s approves, the public sees the change: %v", who, got)
			}
		}
	})
}

// TestExtensionDate: an unreadable extension date is refused beside the
// field, for filings and reports alike.
func TestExtensionDate(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.As(t, "admin")
		for _, path := range []string{"/campaigns/2026/board/extend", "/campaigns/2026/reports/extend"} {
			res := admin.PostForm(path, url.Values{"org": {"hqu"}, "until": {"2027-13-45"}})
			if res.Status != 422 || !strings.Contains(res.Body, "请填写有效的延期日期") {
				t.Errorf("%s with an unreadable date: %d", path, res.Status)
			}
		}
		if n := count(t, e, `SELECT (SELECT COUNT(*) FROM filing_extensions) + (SELECT COUNT(*) FROM report_extensions)`); n != 0 {
			t.Errorf("%d extensions granted from unreadable dates", n)
		}
	})
}
