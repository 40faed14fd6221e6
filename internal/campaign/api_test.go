package campaign_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
)

func TestCampaignAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		public := e.Client(t)
		var list struct {
			Items []struct {
				ID, Title, Theme, State, Mode string
				StartDate                     string `json:"start_date"`
				Start                         string
				FilingDeadline                string `json:"filing_deadline"`
			}
			Total, Page, PerPage int `json:"-"`
		}
		res := public.Get("/api/v1/campaigns")
		if res.Status != 200 || !strings.Contains(res.Body, `"per_page":50`) || !strings.Contains(res.Body, `"total":8`) {
			t.Fatalf("list: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &list)
		// Every level's campaigns: the national, provincial, Quanzhou's
		// and Xiamen's, for 2020 and the upcoming week.
		if len(list.Items) != 8 || list.Items[0].ID != "2026" || list.Items[5].ID != "2020" {
			t.Fatalf("list items: %+v", list.Items)
		}
		list.Items[1] = list.Items[5]
		if list.Items[1].Start != "2020-08-23T00:00:00+08:00" || list.Items[1].FilingDeadline != "2020-07-24T23:59:59+08:00" || list.Items[1].State != "archived" {
			t.Errorf("2020 campaign: %+v", list.Items[1])
		}

		etag := res.Header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		if res := public.Do("GET", "/api/v1/campaigns", nil, http.Header{"If-None-Match": {etag}}); res.Status != http.StatusNotModified || res.Body != "" {
			t.Fatalf("If-None-Match: %d", res.Status)
		}

		var one struct {
			Title, Theme, DocNumber string
			FocusAreas              []struct{ Code, Name string } `json:"focus_areas"`
			Contact                 struct{ Name, Phone, Email, Address string }
			Organiser               struct{ Code, Name string }
		}
		public.Get("/api/v1/campaigns/2020").JSON(t, &one)
		if one.Title != "2020年泉州市科技活动周" || one.Theme != "科技战疫 创新强国" || len(one.FocusAreas) != 5 ||
			one.Contact.Phone != "22579330" || one.Organiser.Code != "quanzhou" {
			t.Errorf("campaign 2020: %+v", one)
		}

		e.Run(t, []apptest.Scenario{
			{Name: "not found in Chinese", Path: "/api/v1/campaigns/1999", Status: 404, Contains: []string{`"code":"not_found"`, "找不到"}},
			{Name: "not found in English", Path: "/api/v1/campaigns/1999", Header: http.Header{"Accept-Language": {"en"}}, Status: 404,
				Contains: []string{`"code":"not_found"`, "does not exist"}},
			{Name: "per_page too large", Path: "/api/v1/campaigns?per_page=500", Status: 422, Contains: []string{`"code":"invalid"`, `"per_page"`}},
			{Name: "page past the end is empty", Path: "/api/v1/campaigns?page=5&per_page=2", Status: 200, Contains: []string{`"items":[]`, `"total":8`}},
			{Name: "patch needs an account", Method: "PATCH", Path: "/api/v1/campaigns/2026", JSON: map[string]any{"theme": "x"}, Status: 401,
				Contains: []string{`"code":"unauthenticated"`}},
			{Name: "a unit may not patch", As: "hqu", Method: "PATCH", Path: "/api/v1/campaigns/2026", JSON: map[string]any{"theme": "x"}, Status: 403,
				Contains: []string{`"code":"forbidden"`}},
			{Name: "patch with a bad deadline", As: "admin", Method: "PATCH", Path: "/api/v1/campaigns/2026", JSON: map[string]any{"filing_deadline": "2026-12-30"},
				Status: 422, Contains: []string{`"filing_deadline":"备案表截止日期须早于活动周开始日期。"`}},
			{Name: "patch with an unknown field", As: "admin", Method: "PATCH", Path: "/api/v1/campaigns/2026", JSON: map[string]any{"colour": "red"},
				Status: 422, Contains: []string{`"code":"invalid"`}},
			{Name: "bad token", Path: "/api/v1/me", Header: http.Header{"Authorization": {"Bearer sw_nonsense"}}, Status: 401},
		})

		token, err := e.App.Accounts.CreateToken(account.AsSystem(t.Context()), "admin", "script")
		if err != nil {
			t.Fatal(err)
		}
		bot := e.Client(t)
		bot.Header.Set("Authorization", "Bearer "+token)
		res = bot.SendJSON("PATCH", "/api/v1/campaigns/2026", map[string]any{"theme": "创新驱动 科技惠民", "version": 99})
		if res.Status != http.StatusConflict {
			t.Fatalf("stale version: %d %s", res.Status, res.Body)
		}
		res = bot.SendJSON("PATCH", "/api/v1/campaigns/2026", map[string]any{"theme": "创新驱动 科技惠民"})
		if res.Status != 200 || !strings.Contains(res.Body, `"theme":"创新驱动 科技惠民"`) {
			t.Fatalf("patch with token: %d %s", res.Status, res.Body)
		}
		if res := bot.Get("/api/v1/me"); !strings.Contains(res.Body, `"username":"admin"`) {
			t.Fatalf("me: %s", res.Body)
		}
		if !strings.Contains(public.Get("/campaigns/2026").Body, "创新驱动 科技惠民") {
			t.Error("the public page does not show the new theme")
		}
	})
}
