package e2e_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/sciweek/sciweek/internal/apptest"
)

// TestBrowserNotifications: the organiser reminds a unit from the board
// and finds the e-mail in the message log; the unit sees the reminder
// counted in its menu, opens it and lands on the table concerned.
func TestBrowserNotifications(t *testing.T) {
	env := apptest.New(t)
	if _, err := env.App.DB.Exec(context.Background(), `UPDATE accounts SET email = 'hqu@example.cn' WHERE username = 'hqu'`); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, env.URL)

	b.login("admin")
	b.open("/campaigns/2026/board", "#board-hqu")
	b.click(`#board-hqu form[action="/campaigns/2026/board/remind"]:has(input[name="table"][value="1"]) button`, ".flash")
	b.click(`.mainnav a[href="/admin/messages"]`, ".messages")
	b.shows(".messages li:first-child", "hqu@example.cn", "请尽快填报", "未发送")
	b.capture("messages")
	b.open("/campaigns/2026/reminders", "#days_filing")
	b.capture("reminders")
	b.logout()

	b.login("hqu")
	before, err := strconv.Atoi(strings.TrimSpace(b.text(`.mainnav a[href="/notifications"] .nav-count`)))
	if err != nil || before < 1 {
		t.Fatalf("unread badge: %q", b.text(`.mainnav a[href="/notifications"] .nav-count`))
	}
	b.click(`.mainnav a[href="/notifications"]`, ".notifications")
	b.shows(".notifications li.unread:first-child h2", "请尽快填报《科技活动周重点项目备案表》")
	b.capture("notifications")
	b.click(`.notifications li:first-child form button`, "main h1")
	if p := b.path(); p != "/campaigns/2026/filings/hqu/1" {
		t.Fatalf("opening the notice led to %s", p)
	}
	if before > 1 {
		if n := b.text(`.mainnav a[href="/notifications"] .nav-count`); n != strconv.Itoa(before-1) {
			t.Errorf("unread badge after opening one of %d: %q", before, n)
		}
	}
	b.open("/notifications", ".notifications")
	b.shows(".notifications li:first-child h2", "请尽快填报")
	if cls := b.attr(".notifications li:first-child", "class"); strings.Contains(cls, "unread") {
		t.Error("the opened notice is still unread")
	}
}

// attr is the value of an attribute of the first element matching sel.
func (b *browser) attr(sel, name string) string {
	b.t.Helper()
	r, err := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		b.t.Fatalf("read %s of %s: %v", name, sel, err)
	}
	return r.Value
}
