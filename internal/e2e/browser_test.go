// Package e2e_test drives sciweek in a real Chromium, the way the city
// bureau's staff and the units that file use it, on a phone and on a desk.
package e2e_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/demo"
)

// TestBrowser follows the upcoming demo campaign from its public notice,
// through the organiser changing its theme, to a unit seeing the change and
// its filing countdown.
func TestBrowser(t *testing.T) {
	env := apptest.New(t)
	b := newBrowser(t, env.URL)
	c, err := env.App.Campaigns.Get(context.Background(), "2026")
	if err != nil {
		t.Fatalf("demo campaign: %v", err)
	}
	const newTheme = "科技创新 美好生活"
	if c.Theme == newTheme || c.Theme == "" {
		t.Fatalf("demo campaign's theme is %q; the test needs another one to change", c.Theme)
	}

	// The public reads the notice, on a phone.
	b.open("/campaigns/2026/notice", "h1.notice-title")
	b.shows("h1.notice-title", "2026年泉州市科技活动周")
	b.shows("dl.facts", "活动主题", c.Theme)
	b.capture("notice")

	// The header switches the language, and back.
	b.click(`.site-header a[hreflang="en"]`, "h1.notice-title")
	b.shows(".site-header .tools", "Log in", "中文")
	b.shows("dl.facts", "Theme", "Filing deadline")
	b.fitsWidth("notice in English")
	b.click(`.site-header a[hreflang="zh-CN"]`, "h1.notice-title")
	b.shows(".site-header .tools", "登录", "English")
	b.shows("dl.facts", "活动主题")

	// The organiser logs in from the header.
	b.click(`.site-header a[href="/login"]`, "#username")
	b.fitsWidth("login")
	b.screenshot("login")
	b.fill("#username", "admin")
	b.fill("#password", demo.Password)
	b.click(`main form[action="/login"] button[type=submit]`, ".dash-campaign")
	if p := b.path(); p != "/dashboard" {
		t.Fatalf("after logging in the organiser is on %s, want /dashboard", p)
	}
	b.fitsWidth("organiser's dashboard")

	// … and changes the theme.
	b.click(`.dash-campaign a[href="/admin/campaigns/2026/edit"]`, "#theme")
	b.capture("editor")
	b.fill("#theme", newTheme)
	b.click(`form[action="/admin/campaigns/2026/edit"] button[type=submit]`, ".flash")
	b.shows(".flash", "已保存。")
	if got := b.value("#theme"); got != newTheme {
		t.Errorf("after saving the theme field holds %q, want %q", got, newTheme)
	}

	// A week that ends before it starts is refused beside the end date,
	// and what was typed stays.
	const typedTitle = "2026年泉州市科技活动周（修订稿）"
	b.fill("#title", typedTitle)
	start := b.value("#start")
	end := c.Start.AddDate(0, 0, -1)
	b.typeDate("#end", end)
	b.click(`form[action="/admin/campaigns/2026/edit"] button[type=submit]`, "#end-error")
	b.shows("#end-error", "结束日期不能早于开始日期。")
	beside, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](
		`document.getElementById("end").closest(".field").contains(document.getElementById("end-error"))`))
	if err != nil || !beside {
		t.Errorf("the end date's error is not in the end date's field (err %v)", err)
	}
	if got := b.value("#title"); got != typedTitle {
		t.Errorf("after the refusal the title field holds %q, want the typed %q", got, typedTitle)
	}
	if got := b.value("#start"); got != start {
		t.Errorf("after the refusal the start date is %q, want %q", got, start)
	}
	if got, want := b.value("#end"), end.Format("2006-01-02"); got != want {
		t.Errorf("after the refusal the end date is %q, want the typed %q", got, want)
	}
	b.fitsWidth("editor with an error")
	b.screenshot("editor-error")

	// The organiser logs out; a unit logs in.
	b.click(`.site-header form[action="/logout"] button`, ".flash")
	b.shows(".flash", "您已安全退出。")
	b.click(`.site-header a[href="/login"]`, "#username")
	b.fill("#username", "hqu")
	b.fill("#password", demo.Password)
	b.click(`main form[action="/login"] button[type=submit]`, ".dash-campaign")
	if p := b.path(); p != "/dashboard" {
		t.Fatalf("after logging in the unit is on %s, want /dashboard", p)
	}

	// The unit sees the new theme and how long it has left to file.
	days := campaign.DaysUntil(env.Clock.Now(), c.FilingDeadline)
	b.shows(".dash-campaign h2", "2026年泉州市科技活动周")
	b.shows(".dash-campaign", newTheme)
	b.shows(".dash-campaign .deadlines li:first-child", "备案表报送截止", "2026年12月12日", fmt.Sprintf("还剩 %d 天", days))
	b.capture("dashboard")

	b.click(`.site-header form[action="/lang/en"] button`, ".dash-campaign")
	b.shows("main h1", "Dashboard")
	b.shows(".mainnav", "Dashboard")
	b.shows(".site-header .tools", "Log out")
	b.shows(".dash-campaign .deadlines li:first-child", "Filing deadline", "12 Dec 2026", fmt.Sprintf("%d days left", days))
	b.fitsWidth("dashboard in English")
	b.click(`.site-header form[action="/lang/zh-CN"] button`, ".dash-campaign")
	b.shows("main h1", "工作台")

	b.click(`.dash-campaign a[href="/campaigns/2026/notice"]`, "h1.notice-title")
	b.shows("dl.facts", newTheme)
}
