package e2e_test

import (
	"context"
	_ "embed"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"

	"strings"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/demo"
	"github.com/sciweek/sciweek/internal/program"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core 4.14.1 (MPL-2.0, testdata/axe-LICENSE.txt), from
// npm; only the tests load it, into the page under test.
//
//go:embed testdata/axe-4.14.1.min.js
var axeSource string

// axeFinding is one rule axe-core found broken, with where.
type axeFinding struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// accessible runs axe-core over the page the tab shows and fails the test
// on any serious or critical finding, and on headings that skip a level.
// Every page a browser test opens or clicks to is checked, and again at
// each width its layout is checked at; a page already checked at that
// width is not checked again.
func (b *browser) accessible(page string) {
	b.t.Helper()
	lang, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	key := fmt.Sprintf("%s %s %d", b.pathOrErr(), lang, b.width)
	if b.checked[key] {
		return
	}
	b.checked[key] = true
	loaded, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`!!window.axe`))
	if err == nil && !loaded {
		_, err = chromedp.Run(b.ctx, chromedp.Evaluate[bool](axeSource+`;true`))
	}
	if err != nil {
		b.t.Fatalf("load axe-core into %s: %v", page, err)
	}
	fs, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]axeFinding](`(() => {
		return axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
			.filter(v => v.impact === "serious" || v.impact === "critical" || v.id === "heading-order")
			.map(v => ({id: v.id, impact: v.impact, help: v.help,
				nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ") + (n.failureSummary ? " — " + n.failureSummary.split("\n").slice(1, 2).join("") : ""))})));
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("axe-core on %s: %v", page, err)
	}
	for _, f := range fs {
		b.t.Errorf("%s (%s) at %d px: %s %s: %s\n    %s", page, b.pathOrErr(), b.width, f.Impact, f.ID, f.Help, strings.Join(f.Nodes, "\n    "))
	}
}

// TestAccessibility walks the main public, unit, reviewer, organiser and
// check-in pages in both languages, on a phone and on a desk, and fails on
// any serious or critical axe-core finding.
func TestAccessibility(t *testing.T) {
	env, c, openDay := bookable(t)
	ctx := account.AsSystem(context.Background())
	open := fmt.Sprint(openDay.ID)
	day := openDay.Days[0]
	// The activity whose first slot is full with a party waiting.
	full := ""
	all, _ := env.App.Program.List(ctx, c, program.Filter{})
	for _, a := range all {
		if slots, _ := env.App.Booking.Slots(ctx, a.ID); len(slots) > 0 && slots[0].Waiting > 0 {
			full = fmt.Sprint(a.ID)
		}
	}
	if full == "" {
		t.Fatal("the demo has no full slot with a waiting list")
	}
	walks := []struct {
		user  string
		pages []string
	}{
		{"", []string{"/", "/campaigns/2026", "/campaigns/2026/notice", "/campaigns/2026/program", "/campaigns/2026/days/" + day,
			"/campaigns/2026/units/qztc", "/activities/" + open, "/activities/" + open + "/book", "/activities/" + full + "/book",
			"/campaigns/2026/activities", "/campaigns/2026/news",
			"/campaigns/2020/gallery", "/bookings/find", "/login", "/register", "/verify"}},
		{"hqu", []string{"/dashboard", "/campaigns/2026/filings", "/campaigns/2026/filings/hqu/1", "/campaigns/2026/filings/hqu/2",
			"/campaigns/2026/reports/hqu", "/booking", "/notifications", "/account/tokens"}},
		{"fengze", []string{"/dashboard", "/campaigns/2026/review", "/campaigns/2026/board"}},
		{"admin", []string{"/dashboard", "/campaigns/2020/stats", "/campaigns/2020/reports", "/admin/audit", "/admin/orgs",
			"/admin/campaigns", "/campaigns/2026/board", "/activities/" + open + "/booking", "/campaigns/2026/articles"}},
		{"qztc-checkin", []string{"/booking", "/activities/" + open + "/checkin", "/checkin/" + open}},
	}
	b := newBrowserFor(t, env.URL, 15*time.Minute)
	for _, w := range walks {
		if _, err := chromedp.Call(b.ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		if w.user != "" {
			b.open("/login", "#username")
			b.fill("#username", w.user)
			b.fill("#password", demo.Password)
			b.click(`main form[action="/login"] button[type=submit]`, "main")
		}
		for _, lang := range []string{"zh-CN", "en"} {
			if _, err := chromedp.Call(b.ctx, network.SetCookie, network.SetCookieParams{Name: "lang", Value: lang, URL: env.URL}); err != nil {
				t.Fatal(err)
			}
			for _, p := range w.pages {
				b.open(p, "main")
				name := fmt.Sprintf("%s %s as %q", p, lang, w.user)
				b.accessible(name)
				b.viewport(desktopWidth, desktopHeight)
				b.accessible(name)
				b.viewport(phoneWidth, phoneHeight)
			}
		}
	}
}
