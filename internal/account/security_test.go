package account_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/app"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/demo"
)

// from returns a client whose requests come from addr (through the proxy
// the server trusts).
func from(e *apptest.Env, t *testing.T, addr string) *apptest.Client {
	c := e.Client(t)
	c.Header.Set("X-Forwarded-For", addr)
	return c
}

// TestStrangerCannotLockOutTheUser: wrong passwords from one address lock
// that address out, not the real user at another; an unknown username is
// answered exactly as a locked real one; far more failures from many
// addresses lock the account itself, for longer each time.
func TestStrangerCannotLockOutTheUser(t *testing.T) {
	trust := apptest.Options{Configure: func(c *app.Config) { c.TrustProxy = true }}
	apptest.EachWith(t, trust, func(t *testing.T, e *apptest.Env) {
		stranger := from(e, t, "203.0.113.9")
		answers := map[string]string{}
		for _, user := range []string{"admin", "no-such-user"} {
			for range 5 {
				if res := login(stranger, user, "guess-guess-1"); res.Status != http.StatusUnauthorized {
					t.Fatalf("%s: wrong password: %d", user, res.Status)
				}
			}
			res := login(stranger, user, "guess-guess-1")
			if res.Status != http.StatusForbidden || !strings.Contains(res.Body, "账号已暂时锁定") {
				t.Fatalf("%s: sixth attempt: %d", user, res.Status)
			}
			answers[user] = strings.ReplaceAll(res.Body, user, "USER")
		}
		if answers["admin"] != answers["no-such-user"] {
			t.Error("a locked real account and an unknown one are answered differently")
		}
		if res := login(stranger, "admin", demo.Password); res.Status != http.StatusForbidden {
			t.Errorf("the stranger's address, right password: %d", res.Status)
		}
		if res := login(from(e, t, "198.51.100.7"), "admin", demo.Password); res.Status != http.StatusSeeOther {
			t.Fatalf("the real admin is locked out by a stranger: %d", res.Status)
		}

		// A spread-out attack reaches the account's own ceiling.
		e.App.Accounts.Config.AccountCeiling = 20
		for i := range 20 {
			login(from(e, t, fmt.Sprintf("192.0.2.%d", i+1)), "hqu", "guess-guess-1")
		}
		if res := login(from(e, t, "198.51.100.8"), "hqu", demo.Password); res.Status != http.StatusForbidden {
			t.Fatalf("past the ceiling: %d", res.Status)
		}
		e.Clock.Advance(10*time.Minute + time.Second)
		if res := login(from(e, t, "198.51.100.8"), "hqu", demo.Password); res.Status != http.StatusSeeOther {
			t.Fatalf("after the account's lock: %d", res.Status)
		}
	})
}

// TestWeakPasswordsRefused: short, all-digit, common and username-based
// passwords are refused, in both languages.
func TestWeakPasswordsRefused(t *testing.T) {
	e := apptest.New(t)
	c := e.As(t, "qztc")
	for pw, msg := range map[string]string{
		"12345678":    "密码至少 10 位。",
		"1234567890":  "密码不能全是数字",
		"password123": "这是常见密码",
		"qztc-qztc":   "密码至少 10 位。",
		"aaaaaaaaaaa": "同一个字符重复",
	} {
		res := c.PostForm("/account/password", url.Values{"current": {demo.Password}, "password": {pw}, "confirm": {pw}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, msg) {
			t.Errorf("%q: %d, want 422 with %q", pw, res.Status, msg)
		}
	}
	c.Header.Set("Accept-Language", "en")
	res := c.PostForm("/account/password", url.Values{"current": {demo.Password}, "password": {"1234567890"}, "confirm": {"1234567890"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Not only digits") {
		t.Errorf("English: %d", res.Status)
	}
	// Self-registration follows the same rule.
	reg := registration("fengze", "泉州海丝博物馆", "qzhs", "qzhs-admin")
	reg.Set("password", "12345678")
	reg.Set("confirm", "12345678")
	if res := e.Client(t).PostForm("/register", reg); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "密码至少 10 位") {
		t.Errorf("registration with 12345678: %d", res.Status)
	}
}

// TestLanguageLinkChangesNothingStored: following the language link sets
// only the browser's cookie; the account's language (that of its e-mail)
// changes on the menu's POST.
func TestLanguageLinkChangesNothingStored(t *testing.T) {
	e := apptest.New(t)
	hqu := e.As(t, "hqu")
	locale := func() string {
		acc, err := e.App.Accounts.Account(t.Context(), "hqu")
		if err != nil {
			t.Fatal(err)
		}
		return acc.Locale
	}
	before := locale()
	if res := hqu.Get("/lang/en?next=/dashboard"); res.Status != http.StatusSeeOther || res.Location() != "/dashboard" {
		t.Fatalf("GET /lang/en: %d %s", res.Status, res.Location())
	}
	if got := locale(); got != before {
		t.Fatalf("a GET changed the stored language: %q → %q", before, got)
	}
	if res := hqu.Get("/dashboard"); !strings.Contains(res.Body, `<form method="post" action="/lang/zh-CN"`) {
		t.Error("the signed-in menu does not post the language")
	}
	cross := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}
	if res := hqu.Do("POST", "/lang/en", strings.NewReader("next=/dashboard"), cross); res.Status != http.StatusForbidden || locale() != before {
		t.Fatalf("cross-site POST: %d, locale %q", res.Status, locale())
	}
	if res := hqu.PostForm("/lang/en", url.Values{"next": {"/dashboard"}}); res.Status != http.StatusSeeOther || locale() != "en" {
		t.Fatalf("POST /lang/en: %d, locale %q", res.Status, locale())
	}
}
