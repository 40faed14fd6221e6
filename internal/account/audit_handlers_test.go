package account_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/audit"
)

func TestAuditLogPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.As(t, "fengze")
		e.As(t, "shishi")
		admin := e.As(t, "admin")
		// A district admin, to see that the log keeps to its subtree.
		res := admin.PostForm("/admin/orgs/fengze/accounts", url.Values{"username": {"fz-admin"}, "password": {"fz-admin-pass"}, "roles": {"admin"}})
		if res.Status != http.StatusCreated {
			t.Fatalf("district admin: %d\n%s", res.Status, res.Body)
		}
		e.Run(t, []apptest.Scenario{
			{Name: "everything", As: "admin", Path: "/admin/audit", Status: 200,
				Contains: []string{`title="login"`, `title="account.create"`, "创建账号", "登录", "fz-admin", "127.0.0.1", "2026年11月28日 10:00"}},
			{Name: "by action", As: "admin", Path: "/admin/audit?action=login", Status: 200,
				Contains: []string{`title="login"`, "shishi", "fengze"}, NotContains: []string{`title="account.create"`, `title="org.create"`}},
			{Name: "by actor", As: "admin", Path: "/admin/audit?actor=shishi", Status: 200,
				Contains: []string{`title="login"`, "<td>shishi</td>"}, NotContains: []string{"<td>fengze</td>", "<td>admin</td>"}},
			{Name: "by day", As: "admin", Path: "/admin/audit?from=2026-11-28&to=2026-11-28", Status: 200, Contains: []string{`title="login"`}},
			{Name: "a later day", As: "admin", Path: "/admin/audit?from=2026-11-29", Status: 200,
				Contains: []string{"没有符合条件的记录", "共 0 条记录"}, NotContains: []string{`title="login"`}},
			{Name: "an earlier day", As: "admin", Path: "/admin/audit?to=2026-11-27", Status: 200, Contains: []string{"共 0 条记录"}},
			{Name: "bad date", As: "admin", Path: "/admin/audit?from=28/11/2026", Status: 422, Contains: []string{`id="from-error"`, "请填写有效日期"}},
			{Name: "in English", As: "admin", Path: "/admin/audit?action=login", Header: http.Header{"Accept-Language": {"en"}}, Status: 200,
				Contains: []string{"Audit log", "Login", "28 Nov 2026 10:00"}},
			{Name: "coordinator refused", As: "fengze", Path: "/admin/audit", Status: 403},
			{Name: "coordinator refused even with a bad date", As: "fengze", Path: "/admin/audit?from=x", Status: 403},
			{Name: "filer refused", As: "hqu", Path: "/admin/audit", Status: 403},
			{Name: "API refused to coordinators", As: "fengze", Path: "/api/v1/audit", Status: 403, Contains: []string{`"forbidden"`}},
			{Name: "public sent to log in", Path: "/admin/audit", Status: 303},
		})

		var list struct {
			Items []audit.Event `json:"items"`
			Total int           `json:"total"`
			Page  int           `json:"page"`
		}
		admin.Get("/api/v1/audit?action=login&per_page=2").JSON(t, &list)
		if list.Total < 3 || len(list.Items) != 2 || list.Page != 1 {
			t.Fatalf("API: %+v", list)
		}
		for _, ev := range list.Items {
			if !strings.HasPrefix(ev.Action, "login") {
				t.Errorf("API filter: %s", ev.Action)
			}
		}
		if list.Items[0].ID < list.Items[1].ID {
			t.Errorf("not newest first")
		}

		district := e.Client(t)
		district.Login("fz-admin", "fz-admin-pass")
		res = district.Get("/admin/audit?action=login")
		if res.Status != 200 || !strings.Contains(res.Body, "<td>fengze</td>") || strings.Contains(res.Body, "<td>shishi</td>") || strings.Contains(res.Body, "<td>admin</td>") {
			t.Errorf("district admin's log: %d\n%s", res.Status, res.Body)
		}
	})
}

func TestAuditLogPages(t *testing.T) {
	e := apptest.New(t)
	// More failed logins than the login form lets one address make.
	ctx := audit.WithActor(t.Context(), audit.Actor{Name: "nobody", IP: "192.0.2.7"})
	for i := 0; i < 60; i++ {
		if err := e.App.Audit.Record(ctx, e.App.DB, "login.failed", "account", "nobody", map[string]any{"reason": "unknown user"}); err != nil {
			t.Fatal(err)
		}
	}
	admin := e.As(t, "admin")
	res := admin.Get("/admin/audit?action=login.failed")
	if res.Status != 200 || strings.Count(res.Body, `title="login.failed"`) != 50 || !strings.Contains(res.Body, "第 1 / 2 页") ||
		!strings.Contains(res.Body, `href="/admin/audit?action=login.failed&amp;page=2"`) {
		t.Fatalf("first page: %d", res.Status)
	}
	res = admin.Get("/admin/audit?action=login.failed&page=2")
	if strings.Count(res.Body, `title="login.failed"`) != 10 || !strings.Contains(res.Body, `rel="prev"`) || strings.Contains(res.Body, `rel="next"`) {
		t.Fatalf("second page:\n%s", res.Body)
	}
}
