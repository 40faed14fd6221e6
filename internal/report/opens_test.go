package report_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/apptest"
)

// TestReportsOpenWithTheWeek: before the week starts a unit's summary is
// refused with the day it opens, unless the organiser opened it early for
// that unit; from the first day it is open to all.
func TestReportsOpenWithTheWeek(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		qztc := e.As(t, "qztc")
		page := qztc.Get("/campaigns/2026/reports/qztc")
		if !strings.Contains(page.Body, "总结报告将于 2026年12月19日（活动周开始）开放填写") || strings.Contains(page.Body, `name="implementation"`) {
			t.Errorf("the report page before the week does not say when it opens:\n%s", page.Body)
		}
		form := url.Values{"version": {"0"}, "implementation": {"学校成立领导小组。"}, "content": {"开放实验室"}, "results": {"接待 300 人次。"}, "cases": {"化学魔术"}}
		res := qztc.PostForm("/campaigns/2026/reports/qztc", form)
		if res.Status != 409 || !strings.Contains(res.Body, "总结报告自活动周开始（2026-12-19）起开放") {
			t.Fatalf("a report saved before the week: %d\n%s", res.Status, res.Body)
		}

		admin := e.As(t, "admin")
		if res := qztc.PostForm("/campaigns/2026/reports/open-early", url.Values{"org": {"qztc"}, "from": {"2026-11-28"}}); res.Status != 403 {
			t.Errorf("a unit opens its own report early: %d", res.Status)
		}
		if res := admin.PostForm("/campaigns/2026/reports/open-early", url.Values{"org": {"qztc"}, "from": {"2026-12-20"}}); res.Status != 422 || !strings.Contains(res.Body, "须早于活动周开始日") {
			t.Errorf("opening early after the week starts: %d", res.Status)
		}
		board := admin.Get("/campaigns/2026/reports").Body
		if !strings.Contains(board, `action="/campaigns/2026/reports/open-early"`) {
			t.Error("the board offers no way to open a report early")
		}
		if res := admin.PostForm("/campaigns/2026/reports/open-early", url.Values{"org": {"qztc"}, "from": {"2026-11-28"}}); res.Status != 303 {
			t.Fatalf("opening early: %d\n%s", res.Status, res.Body)
		}
		if res := qztc.PostForm("/campaigns/2026/reports/qztc", form); res.Status != 303 {
			t.Fatalf("saving a report opened early: %d\n%s", res.Status, res.Body)
		}
		page = qztc.Get("/campaigns/2026/reports/qztc")
		id := reportIDRe.FindStringSubmatch(page.Body)[1]
		version := versionRe.FindStringSubmatch(page.Body)[1]
		if res := qztc.PostForm("/reports/"+id+"/submit", url.Values{"version": {version}}); res.Status != 303 {
			t.Fatalf("submitting a report opened early: %d\n%s", res.Status, res.Body)
		}

		// Opened later again, its review waits for that day too.
		if res := admin.PostForm("/campaigns/2026/reports/open-early", url.Values{"org": {"qztc"}, "from": {"2026-12-10"}}); res.Status != 303 {
			t.Fatalf("moving the early opening: %d", res.Status)
		}
		fengze := e.As(t, "fengze")
		version = versionRe.FindStringSubmatch(fengze.Get("/campaigns/2026/reports/qztc").Body)[1]
		if res := fengze.PostForm("/reports/"+id+"/approve", url.Values{"version": {version}}); res.Status != 409 || !strings.Contains(res.Body, "2026-12-10") {
			t.Errorf("a report approved before it opens: %d\n%s", res.Status, res.Body)
		}

		// Another unit can write once the week has begun.
		e.Clock.Set(time.Date(2026, 12, 19, 8, 0, 0, 0, time.FixedZone("CST", 8*3600)))
		yeu := e.As(t, "luojiang")
		page = yeu.Get("/campaigns/2026/reports/luojiang")
		form.Set("version", versionRe.FindStringSubmatch(page.Body)[1])
		if res := yeu.PostForm("/campaigns/2026/reports/luojiang", form); res.Status != 303 {
			t.Fatalf("saving in the week: %d\n%s", res.Status, res.Body)
		}
	})
}
