package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/program"
)

// fileOpenDay files 华侨大学's open day in Quanzhou's upcoming campaign,
// with its sessions one a line and 25 places each, and submits it.
func (b *browser) fileOpenDay(slots string) {
	b.t.Helper()
	b.login("hqu")
	b.open("/campaigns/2026/filings/hqu/2/items/new", "#f_unit_name")
	b.fill("#f_unit_name", "华侨大学")
	b.fill("#f_open_content", "材料科学重点实验室向公众开放")
	b.fill("#f_address", "泉州市丰泽区城华北路269号")
	b.fill("#f_contact", "林老师")
	b.fill("#f_phone", "13812345678")
	b.fill("#f_slots", slots)
	b.fill("#f_capacity", "25")
	b.click(`main form button[type=submit]`, ".item")
	b.click(`form[action$="/submit"] button`, ".flash")
	b.logout()
}

// TestBrowserFiledOpenDay: a unit files an open day with its opening times
// and places per session, 丰泽区 and the city approve it, and the public
// books one of the sessions on a phone with nobody typing them again.
func TestBrowserFiledOpenDay(t *testing.T) {
	env := apptest.Start(t, apptest.Options{NoDemoFilings: true})
	b := newBrowser(t, env.URL)
	b.acceptDialogs()

	b.fileOpenDay("2026-12-20 09:00-11:00\n2026-12-20 14:00-16:00\n2026-12-21 09:00-11:00")

	// 丰泽区 approves with a comment, typed in the one review form; the
	// city approves without one.
	comments := map[string]string{"fengze": "场次安排合理，请注意安全引导", "admin": ""}
	for _, reviewer := range []string{"fengze", "admin"} {
		b.login(reviewer)
		b.open("/campaigns/2026/filings/hqu/2", "#approve")
		if comments[reviewer] != "" {
			b.fill("#comment", comments[reviewer])
		}
		b.click("#approve", ".flash")
		b.logout()
	}

	ctx := account.AsSystem(context.Background())
	c, _ := env.App.Campaigns.Get(ctx, "2026")
	as, _ := env.App.Program.List(ctx, c, program.Filter{OpenDay: true, Unit: "hqu"})
	if len(as) != 1 {
		t.Fatalf("hqu's open days in the program: %d", len(as))
	}
	a := as[0]

	b.login("hqu")
	b.open("/campaigns/2026/filings/hqu/2", ".history")
	b.shows(".history", "场次安排合理，请注意安全引导")
	b.open("/notifications", "main h1")
	b.shows("main", "场次安排合理，请注意安全引导")
	b.open("/dashboard", ".dash-campaign")
	b.shows(".dash-campaign", "您的 3 个开放日场次已开放预约")
	b.open("/booking", "main h1")
	b.shows("main", "您的 3 个开放日场次已开放预约")
	b.click(fmt.Sprintf(`a[href="/activities/%d/booking"]`, a.ID), "#slot-list")
	b.shows(".slot-list", "备案场次", "名额 25")
	b.fitsWidth("booking-filed-slots")
	b.screenshot("booking-filed-slots")
	b.logout()

	slots, err := env.App.Booking.Slots(ctx, a.ID)
	if err != nil || len(slots) != 3 {
		t.Fatalf("generated slots: %d %v", len(slots), err)
	}
	b.open(fmt.Sprintf("/activities/%d/book", a.ID), "#name")
	b.do("choose the slot", chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=slot][value="%d"]`, slots[1].ID))))
	b.fill("#name", "陈小明")
	b.fill("#phone", "138 0013 8000")
	b.fill("#party_size", "2")
	b.do("agree", chromedp.Click(chromedp.CSS("#consent")))
	b.click(`form.booking-form button[type=submit]`, "#booking-code")
	b.shows("#ticket-party", "2")
	b.fitsWidth("booking-filed-ticket")
	if got, _ := env.App.Booking.Slot(ctx, slots[1].ID); got.Taken != 2 {
		t.Errorf("places taken in the booked session: %d", got.Taken)
	}

	// The unit changes its approved open day: the change is a new revision
	// in review, and the public keeps reading the approved text until the
	// bureaus approve it.
	b.login("hqu")
	b.open("/campaigns/2026/filings/hqu/2", ".item")
	b.click(`.item a.button.secondary`, "#f_open_content")
	b.fill("#f_open_content", "材料科学与人工智能实验室向公众开放")
	b.click(`main form button[type=submit]`, ".item")
	b.shows(".item", "材料科学与人工智能实验室向公众开放")
	b.logout()
	b.open(fmt.Sprintf("/activities/%d", a.ID), "main h1")
	b.shows("main", "材料科学重点实验室向公众开放")
	if got := b.text("main"); strings.Contains(got, "人工智能实验室") {
		t.Errorf("the public page shows the change before it is approved: %q", got)
	}
	b.screenshot("activity-approved-text")
}
