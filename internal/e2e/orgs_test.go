package e2e_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/demo"
)

// TestBrowserRegistration follows a unit that registers itself on a phone,
// its district coordinator approving it, the unit logging in, and the
// organiser finding it in the organisation tree and the audit log.
func TestBrowserRegistration(t *testing.T) {
	env := apptest.New(t)
	b := newBrowser(t, env.URL)

	// A unit applies, first with a mistyped phone number.
	b.open("/login", "#username")
	b.click(`main a[href="/register"]`, "#district")
	b.do("choose the district", chromedp.SetValue(chromedp.CSS("#district"), "fengze"))
	b.fill("#name", "泉州海洋职业学院")
	b.fill("#code", "qzocean")
	b.fill("#contact_name", "郑老师")
	b.fill("#contact_phone", "0595-123")
	b.fill("#username", "qzocean")
	b.fill("#password", "haiyang-2026")
	b.fill("#confirm", "haiyang-2026")
	b.click(`main form[action="/register"] button[type=submit]`, "#contact_phone-error")
	b.shows("#contact_phone-error", "请填写有效的电话号码")
	if got := b.value("#name"); got != "泉州海洋职业学院" {
		t.Fatalf("the unit name was lost after the error: %q", got)
	}
	b.capture("register-error")
	b.fill("#contact_phone", "0595 2273 1234")
	b.fill("#password", "haiyang-2026")
	b.fill("#confirm", "haiyang-2026")
	b.click(`main form[action="/register"] button[type=submit]`, "main [role=status] h1")
	b.shows("main", "申请已提交", "泉州海洋职业学院", "丰泽区工业信息化和科技局", "qzocean")

	// Before approval the account cannot log in.
	b.open("/login", "#username")
	b.fill("#username", "qzocean")
	b.fill("#password", "haiyang-2026")
	b.click(`main form[action="/login"] button[type=submit]`, "#login-error")
	b.shows("#login-error", "等待所属区县科技局审核")

	// The district coordinator approves it from the menu.
	b.fill("#username", "fengze")
	b.fill("#password", demo.Password)
	b.click(`main form[action="/login"] button[type=submit]`, ".dash-campaign")
	b.click(`.mainnav a[href="/admin/registrations"]`, "#reg-qzocean")
	b.shows("#reg-qzocean", "泉州海洋职业学院", "郑老师")
	b.capture("registrations")
	b.click(`#reg-qzocean form[action$="/approve"] button`, "main h1")
	b.shows("main", "已通过注册申请")
	b.click(`.site-header form[action="/logout"] button`, "main")

	// The unit logs in and sees the campaign it must file for.
	b.open("/login", "#username")
	b.fill("#username", "qzocean")
	b.fill("#password", "haiyang-2026")
	b.click(`main form[action="/login"] button[type=submit]`, ".dash-campaign")
	b.shows("main", "泉州海洋职业学院", "2026年泉州市科技活动周", "备案表报送截止")
	b.click(`.site-header form[action="/logout"] button`, "main")

	// The organiser finds it in the tree and the approval in the audit log.
	b.open("/login", "#username")
	b.fill("#username", "admin")
	b.fill("#password", demo.Password)
	b.click(`main form[action="/login"] button[type=submit]`, ".dash-campaign")
	b.click(`.mainnav a[href="/admin/orgs"]`, "main h1")
	b.shows("main", "泉州市科学技术局", "丰泽区工业信息化和科技局", "华侨大学", "泉州海洋职业学院")
	b.capture("orgs")
	b.click(`main a[href="/admin/orgs/qzocean"]`, "main h1")
	b.shows("main", "泉州海洋职业学院", "qzocean", "郑老师")
	b.capture("org")
	b.click(`.mainnav a[href="/admin/audit"]`, "main h1")
	b.shows("main", "qzocean", "fengze")
	b.capture("audit")
}
