package program_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
)

func TestOnlineWeek(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		public := e.Client(t)
		id := idOf(t, public, "化学魔术实验秀")
		detail := fmt.Sprintf("/activities/%d", id)
		// Cached before the switch, so the switch must clear the cache.
		for _, p := range []string{"/campaigns/2020/program", detail} {
			if strings.Contains(public.Get(p).Body, `class="banner"`) {
				t.Fatalf("%s shows a banner before the switch", p)
			}
		}
		reason := "受台风“海高斯”影响，本届活动周改为线上举办。"
		e.Run(t, []apptest.Scenario{
			{Name: "a unit may not switch", As: "hqu", Method: "POST", Path: "/admin/campaigns/2020/online", Form: url.Values{"reason": {reason}}, Status: 403},
			{Name: "a district may not switch", As: "fengze", Method: "POST", Path: "/admin/campaigns/2020/online", Form: url.Values{"reason": {reason}}, Status: 403},
			{Name: "the public may not see the form", Path: "/admin/campaigns/2020/online", Status: 403},
			{Name: "a reason is needed", As: "admin", Method: "POST", Path: "/admin/campaigns/2020/online", Form: url.Values{"reason": {"  "}}, Status: 422,
				Contains: []string{`id="reason-error"`, "请填写原因"}},
			{Name: "the organiser switches", As: "admin", Method: "POST", Path: "/admin/campaigns/2020/online", Form: url.Values{"reason": {reason}}, Status: 303},
		})
		for _, p := range []string{"/", "/campaigns/2020/program", "/campaigns/2020/activities", detail, "/login", "/campaigns/2020/notice"} {
			body := public.Get(p).Body
			if !strings.Contains(body, `class="banner"`) || !strings.Contains(body, "受台风“海高斯”影响") {
				t.Errorf("%s shows no banner after the switch", p)
			}
		}
		page := public.Get(detail).Body
		if !strings.Contains(page, "线上链接将由举办单位公布") {
			t.Error("an on-site activity does not speak of its online link after the switch")
		}
		if ld := jsonLD(t, page); ld["eventStatus"] != "https://schema.org/EventMovedOnline" {
			t.Errorf("JSON-LD status %v", ld["eventStatus"])
		}
		if res := public.Get("/api/v1/campaigns/2020/activities"); strings.Contains(res.Body, "banner") {
			t.Error("the API carries the banner")
		}
		admin := e.As(t, "admin")
		if res := admin.Get("/admin/audit?action=program.online"); !strings.Contains(res.Body, "program.online") {
			t.Error("the switch is not in the audit log")
		}
		if res := admin.Get("/admin/campaigns/2020/online"); !strings.Contains(res.Body, reason) {
			t.Error("the switch page does not show the reason")
		}
		if res := admin.PostForm("/admin/campaigns/2020/online", url.Values{"action": {"onsite"}}); res.Status != 303 {
			t.Fatalf("undo: %d", res.Status)
		}
		if strings.Contains(public.Get(detail).Body, `class="banner"`) {
			t.Error("the banner stays after the undo")
		}
		if res := admin.Get("/admin/audit?action=program.onsite"); !strings.Contains(res.Body, "program.onsite") {
			t.Error("the undo is not in the audit log")
		}
	})
}
