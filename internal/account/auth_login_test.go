package account_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/demo"
)

func login(c *apptest.Client, username, password string) *apptest.Response {
	return c.PostForm("/login", url.Values{"username": {username}, "password": {password}})
}

func TestLoginLockout(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client(t)
		res := login(c, "nobody", "whatever1")
		if res.Status != http.StatusUnauthorized || !strings.Contains(res.Body, "用户名或密码不正确。") {
			t.Fatalf("unknown user: %d", res.Status)
		}
		for i := 1; i <= 4; i++ {
			res := login(c, "hqu", "wrong-password")
			if res.Status != http.StatusUnauthorized || !strings.Contains(res.Body, "用户名或密码不正确。") {
				t.Fatalf("attempt %d: %d", i, res.Status)
			}
			if !strings.Contains(res.Body, `value="hqu"`) {
				t.Fatal("the typed username was lost")
			}
		}
		if res := login(c, "hqu", "wrong-password"); res.Status != http.StatusUnauthorized {
			t.Fatalf("fifth attempt: %d", res.Status)
		}
		// Locked now: even the right password is refused, with the reason.
		res = login(c, "hqu", demo.Password)
		if res.Status != http.StatusForbidden || !strings.Contains(res.Body, "账号已暂时锁定") {
			t.Fatalf("locked account: %d", res.Status)
		}
		e.Clock.Advance(10*time.Minute + time.Second)
		if res := login(c, "hqu", demo.Password); res.Status != http.StatusSeeOther || res.Location() != "/dashboard" {
			t.Fatalf("after the lock: %d %s", res.Status, res.Location())
		}
		events, _, err := e.App.Audit.List(t.Context(), audit.Filter{Actor: "hqu"})
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, ev := range events {
			count[ev.Action]++
		}
		if count["login.failed"] != 6 || count["account.locked"] != 1 || count["login"] != 1 {
			t.Errorf("audit events for hqu: %v", count)
		}
	})
}

func TestSessions(t *testing.T) {
	e := apptest.New(t)
	c := e.Client(t)
	res := login(c, "hqu", demo.Password)
	var session *http.Cookie
	for _, ck := range (&http.Response{Header: res.Header}).Cookies() {
		if ck.Name == "sciweek_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie: %+v", session)
	}
	if res := c.Get("/dashboard"); res.Status != 200 {
		t.Fatalf("dashboard: %d", res.Status)
	}
	// Idle for longer than the timeout: the session is over.
	e.Clock.Advance(31 * time.Minute)
	if res := c.Get("/dashboard"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location(), "/login?next=") {
		t.Fatalf("after idling: %d %s", res.Status, res.Location())
	}

	login(c, "hqu", demo.Password)
	for i := 0; i < 3; i++ { // in use: the session lives on
		e.Clock.Advance(20 * time.Minute)
		if res := c.Get("/dashboard"); res.Status != 200 {
			t.Fatalf("active session ended after %d×20 min: %d", i+1, res.Status)
		}
	}

	// A copied cookie stops working after logout.
	stolen := e.Client(t)
	u, _ := url.Parse(e.URL)
	stolen.HTTP.Jar.SetCookies(u, c.HTTP.Jar.Cookies(u))
	if res := stolen.Get("/dashboard"); res.Status != 200 {
		t.Fatalf("copied cookie before logout: %d", res.Status)
	}
	if res := c.PostForm("/logout", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.Status)
	}
	if res := stolen.Get("/dashboard"); res.Status != http.StatusSeeOther {
		t.Fatalf("copied cookie after logout: %d", res.Status)
	}
}

func TestLoginRedirectStaysLocal(t *testing.T) {
	e := apptest.New(t)
	for next, want := range map[string]string{
		"/campaigns/2026":      "/campaigns/2026",
		"//evil.example/x":     "/dashboard",
		"https://evil.example": "/dashboard",
		"/\\evil.example":      "/dashboard",
	} {
		res := e.Client(t).PostForm("/login", url.Values{"username": {"hqu"}, "password": {demo.Password}, "next": {next}})
		if res.Location() != want {
			t.Errorf("next=%q: redirected to %q, want %q", next, res.Location(), want)
		}
	}
}

func TestChangePassword(t *testing.T) {
	e := apptest.New(t)
	c := e.As(t, "qztc")
	other := e.As(t, "qztc")
	res := c.PostForm("/account/password", url.Values{"current": {"wrong"}, "password": {"short"}, "confirm": {"other"}})
	if res.Status != 422 {
		t.Fatalf("bad change: %d", res.Status)
	}
	for _, msg := range []string{"当前密码不正确。", "密码至少 10 位。", "两次输入的密码不一致。"} {
		if !strings.Contains(res.Body, msg) {
			t.Errorf("missing %q", msg)
		}
	}
	res = c.PostForm("/account/password", url.Values{"current": {demo.Password}, "password": {"new-secret-2026"}, "confirm": {"new-secret-2026"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("change: %d\n%s", res.Status, res.Body)
	}
	if res := c.Get("/dashboard"); res.Status != 200 {
		t.Fatalf("own session ended: %d", res.Status)
	}
	if res := other.Get("/dashboard"); res.Status != http.StatusSeeOther {
		t.Fatalf("other session survived the password change: %d", res.Status)
	}
	if res := login(e.Client(t), "qztc", demo.Password); res.Status != http.StatusUnauthorized {
		t.Fatalf("old password still works: %d", res.Status)
	}
	if res := login(e.Client(t), "qztc", "new-secret-2026"); res.Status != http.StatusSeeOther {
		t.Fatalf("new password refused: %d", res.Status)
	}
}

func TestLanguageSwitch(t *testing.T) {
	e := apptest.New(t)
	c := e.Client(t)
	if res := c.Get("/lang/en?next=/login"); res.Status != http.StatusSeeOther || res.Location() != "/login" {
		t.Fatalf("switch: %d %s", res.Status, res.Location())
	}
	body := c.Get("/login").Body
	if !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Username") {
		t.Fatal("the login page is not in English after switching")
	}
	if res := c.Get("/lang/en?next=https://evil.example"); res.Location() != "/" {
		t.Fatalf("switch to another site: %s", res.Location())
	}
}
