package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/app"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/platform/db/dbtest"
)

// TestUpgradeFromFirstSchema fills a database made by the first migration
// set, as the first release left it, then starts the current sciweek on it:
// every later migration applies and the data reads as before.
func TestUpgradeFromFirstSchema(t *testing.T) {
	cases := []app.Config{{DataDir: t.TempDir()}}
	if u, ok := dbtest.PostgresURL(t); ok {
		cases = append(cases, app.Config{DataDir: t.TempDir(), DatabaseURL: u})
	}
	for _, cfg := range cases {
		name := "sqlite"
		if cfg.DatabaseURL != "" {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			d, err := db.Open(ctx, db.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir})
			if err != nil {
				t.Fatal(err)
			}
			if n, err := d.MigrateTo(ctx, 1); err != nil || n != 1 {
				t.Fatalf("first schema: %d, %v", n, err)
			}
			now := db.At(time.Date(2020, 6, 1, 2, 0, 0, 0, time.UTC))
			deadline := db.At(time.Date(2020, 7, 24, 16, 0, 0, 0, time.UTC))
			stmts := []struct {
				q    string
				args []any
			}{
				{`INSERT INTO organisations (id, code, name, kind, path, depth, created_at, updated_at) VALUES (1, 'qzkjj', '泉州市科学技术局', 'bureau', '/1/', 0, ?, ?)`, []any{now, now}},
				{`INSERT INTO organisations (id, parent_id, code, name, kind, path, depth, created_at, updated_at) VALUES (2, 1, 'fengze', '丰泽区工业信息化和科技局', 'bureau', '/1/2/', 1, ?, ?)`, []any{now, now}},
				{`INSERT INTO accounts (id, org_id, username, display_name, password_hash, created_at, updated_at) VALUES (1, 2, 'fengze', '丰泽区科技局', ?, ?, ?)`, []any{account.HashPassword("old-release-pw"), now, now}},
				{`INSERT INTO account_roles (account_id, role) VALUES (1, 'coordinator')`, nil},
				{`INSERT INTO campaigns (id, owner_org_id, slug, year, title, theme, start_date, end_date, filing_deadline, summary_deadline, state, notice_md, created_at, updated_at)
					VALUES (1, 1, '2020', 2020, '2020年泉州市科技活动周', '科技战疫 创新强国', '2020-08-23', '2020-08-29', ?, ?, 'published', '各县（市、区）科技局：', ?, ?)`, []any{deadline, deadline, now, now}},
				{`INSERT INTO campaign_terms (campaign_id, kind, code, position, name) VALUES (1, 'category', 'c1', 0, '展示科技创新成就')`, nil},
			}
			for _, s := range stmts {
				if _, err := d.Exec(ctx, s.q, s.args...); err != nil {
					t.Fatalf("%s: %v", s.q, err)
				}
			}
			d.Close()

			a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
			if err != nil {
				t.Fatalf("the current sciweek on the old database: %v", err)
			}
			defer a.Close()
			st, err := a.DB.Status(ctx)
			if err != nil || len(st.Pending) != 0 || st.Current() != st.Latest {
				t.Fatalf("after the upgrade: %+v, %v", st, err)
			}
			c, err := a.Campaigns.Get(account.AsSystem(ctx), "2020")
			if err != nil || c.Theme != "科技战疫 创新强国" || len(c.Categories) != 1 || !c.FilingDeadline.Equal(deadline.Time) {
				t.Fatalf("the old campaign: %+v, %v", c, err)
			}
			// The old account logs in through the current login page.
			form := url.Values{"username": {"fengze"}, "password": {"old-release-pw"}}
			req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res := httptest.NewRecorder()
			a.Handler().ServeHTTP(res, req)
			if res.Code != 303 || !strings.Contains(res.Header().Get("Set-Cookie"), "session") {
				t.Errorf("login with the old account: %d %v", res.Code, res.Header())
			}
		})
	}
}
