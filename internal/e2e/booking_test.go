package e2e_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/sciweek/sciweek/internal/booking"
)

// TestBrowserBooking books an open day on a phone, sees the QR ticket,
// cancels and books again; then the unit's check-in staff admit the party
// by its typed code and see it counted.
func TestBrowserBooking(t *testing.T) {
	env, _, a := bookable(t)
	slots, _ := env.App.Booking.Slots(context.Background(), a.ID)
	slot := slots[1]

	b := newBrowser(t, env.URL)
	b.acceptDialogs()
	b.open(fmt.Sprintf("/activities/%d", a.ID), "h1")
	b.click(fmt.Sprintf(`a[href="/activities/%d/book"]`, a.ID), "#name")
	b.capture("booking-form")

	bookSlot := func(name string) string {
		b.do("choose the slot", chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=slot][value="%d"]`, slot.ID))))
		b.fill("#name", name)
		b.fill("#phone", "138 0013 8000")
		b.fill("#party_size", "2")
		b.do("agree", chromedp.Click(chromedp.CSS("#consent")))
		b.click(`form.booking-form button[type=submit]`, "#booking-code")
		return b.text("#booking-code")
	}
	// Without consent the form says so next to the box.
	b.do("choose the slot", chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=slot][value="%d"]`, slot.ID))))
	b.fill("#name", "陈小明")
	b.fill("#phone", "1380013")
	b.click(`form.booking-form button[type=submit]`, "#phone-error")
	b.shows("#phone-error", "手机号码")
	b.shows("#consent-error", "个人信息")
	b.do("start the form again", chromedp.Navigate(env.URL+fmt.Sprintf("/activities/%d/book", a.ID)), chromedp.WaitVisible(chromedp.CSS("#name")))

	first := bookSlot("陈小明")
	b.shows("#ticket-party", "2")
	b.shows("#ticket-state", "有效")
	loaded, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.querySelector("img.qr").complete && document.querySelector("img.qr").naturalWidth > 100`))
	if err != nil || !loaded {
		t.Errorf("the QR ticket image did not load: %v", err)
	}
	b.capture("booking-ticket")
	b.click(`form[action$="/cancel"] button`, "#ticket-state")
	b.shows("#ticket-state", "已取消")
	b.shows(".flash", "名额已释放")

	b.click(fmt.Sprintf(`a[href="/activities/%d/book"]`, a.ID), "#name")
	second := bookSlot("陈小明")
	if second == first || len(second) != booking.CodeLength {
		t.Errorf("rebooking gave code %q after %q", second, first)
	}

	b.open("/login", "#username")
	b.fill("#username", "qztc-checkin")
	b.fill("#password", "sciweek-demo")
	b.click(`main form[action="/login"] button[type=submit]`, "main")
	b.open(fmt.Sprintf("/activities/%d/checkin", a.ID), "#entry")
	before := b.text(fmt.Sprintf(`tr[data-slot="%d"] .checked`, slot.ID))
	b.fill("#entry", second)
	b.click(`#checkin-form button[type=submit]`, "#checkin-confirm")
	b.shows(".checkin-result", "不是今天的场次")
	b.click("#checkin-confirm", ".checkin-result.good")
	b.shows(".checkin-result", "签到成功")
	b.shows("#checkin-party", "2")
	if after := b.text(fmt.Sprintf(`tr[data-slot="%d"] .checked`, slot.ID)); before != "0" || after != "2" {
		t.Errorf("checked in before %q, after %q; want 0 then 2", before, after)
	}
	b.capture("booking-checkin")
	b.fill("#entry", second)
	b.click(`#checkin-form button[type=submit]`, ".checkin-result.bad")
	b.shows(".checkin-result", "不能重复使用")

	b.logout()
	b.open("/login", "#username")
	b.fill("#username", "qztc")
	b.fill("#password", "sciweek-demo")
	b.click(`main form[action="/login"] button[type=submit]`, "main")
	b.open(fmt.Sprintf("/activities/%d/booking", a.ID), "#opens")
	b.shows(`table[aria-labelledby="bookings"]`, "138****8000", "已签到")
	b.capture("booking-manage")
}
