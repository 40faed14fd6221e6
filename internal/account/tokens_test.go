package account_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/demo"
)

var tokenSecretRe = regexp.MustCompile(`<code id="token-secret">(sw_[^<]+)</code>`)

// TestTokensListedRevokedAndEnded: a person makes named tokens on their
// settings page, sees and revokes them; the organiser sees and revokes
// everyone's; a token stops at its end date and when its owner's password
// changes; each step is in the audit log.
func TestTokensListedRevokedAndEnded(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		hqu := e.As(t, "hqu")
		add := func(name, expires string) string {
			t.Helper()
			res := hqu.PostForm("/account/tokens", url.Values{"name": {name}, "expires": {expires}})
			m := tokenSecretRe.FindStringSubmatch(res.Body)
			if res.Status != http.StatusCreated || m == nil {
				t.Fatalf("add token %q: %d\n%s", name, res.Status, res.Body)
			}
			return m[1]
		}
		api := func(token string) int {
			c := e.Client(t)
			c.Header.Set("Authorization", "Bearer "+token)
			return c.Get("/api/v1/me").Status
		}
		script, ending, third := add("统计脚本", ""), add("临时导出", "2026-11-30"), add("备用", "")
		for _, tok := range []string{script, ending, third} {
			if s := api(tok); s != 200 {
				t.Fatalf("new token: %d", s)
			}
		}
		page := hqu.Get("/account/tokens")
		if page.Status != 200 || !strings.Contains(page.Body, "统计脚本") || !strings.Contains(page.Body, "临时导出") || strings.Contains(page.Body, script) {
			t.Fatalf("token page: %d", page.Status)
		}
		// A token cannot make another.
		tc := e.Client(t)
		tc.Header.Set("Authorization", "Bearer "+script)
		if res := tc.PostForm("/account/tokens", url.Values{"name": {"x"}}); res.Status != http.StatusForbidden {
			t.Errorf("a token made a token: %d", res.Status)
		}

		ids := regexp.MustCompile(`action="/account/tokens/(\d+)/revoke"`).FindAllStringSubmatch(page.Body, -1)
		if len(ids) != 3 {
			t.Fatalf("revoke buttons: %v", ids)
		}
		// Listed newest first: 备用, 临时导出, 统计脚本. Another unit cannot
		// revoke it; the owner can.
		if res := e.As(t, "qztc").PostForm("/account/tokens/"+ids[0][1]+"/revoke", nil); res.Status != http.StatusNotFound || api(third) != 200 {
			t.Fatalf("another unit revoked hqu's token: %d", res.Status)
		}
		if res := hqu.PostForm("/account/tokens/"+ids[0][1]+"/revoke", nil); res.Status != http.StatusSeeOther || api(third) != http.StatusUnauthorized {
			t.Fatalf("owner's revoke: %d", res.Status)
		}

		// The organiser lists every account's tokens and revokes one.
		admin := e.As(t, "admin")
		all := admin.Get("/api/v1/tokens")
		if all.Status != 200 || !strings.Contains(all.Body, `"username":"hqu"`) || !strings.Contains(all.Body, "统计脚本") {
			t.Fatalf("organiser's list: %d %s", all.Status, all.Body)
		}
		if res := admin.Do("DELETE", "/api/v1/tokens/"+ids[2][1], nil, nil); res.Status != http.StatusNoContent || api(script) != http.StatusUnauthorized {
			t.Fatalf("organiser's revoke: %d", res.Status)
		}

		// The end date passes.
		e.Clock.Advance(3 * 24 * time.Hour)
		hqu = e.As(t, "hqu")
		if s := api(ending); s != http.StatusUnauthorized {
			t.Fatalf("token past its end: %d", s)
		}
		// A password change revokes whatever is left.
		left := add("新脚本", "")
		if res := hqu.PostForm("/account/password", url.Values{"current": {demo.Password}, "password": {"new-secret-2026"}, "confirm": {"new-secret-2026"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("password change: %d", res.Status)
		}
		if s := api(left); s != http.StatusUnauthorized {
			t.Fatalf("token after the password changed: %d", s)
		}
		events, _, err := e.App.Audit.List(t.Context(), audit.Filter{Action: "token"})
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, ev := range events {
			count[ev.Action]++
		}
		if count["token.create"] != 4 || count["token.revoke"] != 2 {
			t.Errorf("audit: %v", count)
		}
	})
}
