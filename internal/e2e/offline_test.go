package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/booking"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/demo"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/program"
)

// network switches the tab's network off or on, as DevTools does: requests
// fail (the service worker's too) and navigator.onLine follows.
func (b *browser) network(online bool) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, network.Enable, network.EnableParams{}); err != nil {
		b.t.Fatalf("enable network domain: %v", err)
	}
	offline := !online
	if _, err := chromedp.Call(b.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		EmulateOfflineServiceWorker: &offline,
		MatchedNetworkConditions:    []*network.Conditions{{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}},
	}); err != nil {
		b.t.Fatalf("emulate network: %v", err)
	}
	if _, err := chromedp.Call(b.ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
		b.t.Fatalf("override network state: %v", err)
	}
}

// waitText waits until the text of sel holds want.
func (b *browser) waitText(sel, want string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, sel)))
		if err == nil && strings.Contains(s, want) {
			return
		}
		got = s
		time.Sleep(200 * time.Millisecond)
	}
	b.t.Fatalf("%s on %s shows %q, want it to hold %q", sel, b.pathOrErr(), strings.Join(strings.Fields(got), " "), want)
}

// TestBrowserOfflineCheckIn checks tickets in with the network switched
// off, then switches it back on: the queue syncs, a ticket another door
// admitted meanwhile is shown as a conflict and counted once.
func TestBrowserOfflineCheckIn(t *testing.T) {
	env, c, a := bookable(t)
	ctx := account.AsSystem(context.Background())
	slots, _ := env.App.Booking.Slots(ctx, a.ID)
	slot := slots[1]
	day := slot.Start.In(clock.Zone).Format("2006-01-02")
	var other booking.Slot
	for _, s := range slots {
		if s.Start.In(clock.Zone).Format("2006-01-02") != day {
			other = s
		}
	}
	if other.ID == 0 {
		next := slot.Start.In(clock.Zone).AddDate(0, 0, 1).Format("2006-01-02")
		if _, err := env.App.Booking.AddSlots(ctx, a.ID, booking.SlotsInput{Days: []string{next}, From: "09:00", To: "10:00", Capacity: "20"}); err != nil {
			t.Fatal(err)
		}
		all, _ := env.App.Booking.Slots(ctx, a.ID)
		other = all[len(all)-1]
	}
	bookOne := func(slotID int64, name, phone string, party int) booking.Booking {
		b, err := env.App.Booking.Book(ctx, slotID, booking.Input{Name: name, Phone: phone, Party: party, Consent: true, Lang: "zh-CN"})
		if err != nil {
			t.Fatalf("book: %v", err)
		}
		return b
	}
	first := bookOne(slot.ID, "陈小明", "13800138000", 2)
	second := bookOne(slot.ID, "林小红", "13900139000", 3)
	later := bookOne(other.ID, "黄小华", "13700137000", 1)
	d, _ := time.ParseInLocation("2006-01-02", day, clock.Zone)
	env.Clock.Set(d.Add(9 * time.Hour))
	checked := func() int {
		s, err := env.App.Booking.Slot(ctx, slot.ID)
		if err != nil {
			t.Fatal(err)
		}
		return s.CheckedIn
	}
	before := checked()

	b := newBrowser(t, env.URL)
	b.open("/login", "#username")
	b.fill("#username", "qztc-checkin")
	b.fill("#password", demo.Password)
	b.click(`main form[action="/login"] button[type=submit]`, "main")
	b.open(fmt.Sprintf("/activities/%d/checkin", a.ID), "#entry")
	b.click(fmt.Sprintf(`a[href="/checkin/%d"]`, a.ID), "#offline-form")
	b.waitText("#offline-list-state", "名单下载于")
	b.waitText("#offline-network", "已联网")
	// The service worker has the page and its scripts before the signal goes.
	ready, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`navigator.serviceWorker.ready.then(r => !!r.active && r.scope.endsWith("/checkin/"))`, chromedp.EvalAwaitPromise))
	if err != nil || !ready {
		t.Fatalf("service worker for /checkin/: %v %v", ready, err)
	}
	row := fmt.Sprintf(`#offline-slots tr[data-slot="%d"] .checked`, slot.ID)

	b.network(false)
	b.waitText("#offline-network", "无网络")
	// The page comes back from the service worker with no network.
	b.do("reload offline", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#offline-form")))
	b.waitText("#offline-list-state", "名单下载于")
	b.waitText(row, fmt.Sprint(before))

	b.fill("#entry", env.App.Booking.Ticket(first))
	b.do("check in", chromedp.Click(chromedp.CSS(`#offline-form button[type=submit]`)))
	b.waitText("#offline-result.good", "签到成功")
	b.shows("#offline-result", "陈**", "2")
	b.waitText(row, fmt.Sprint(before+2))
	b.waitText("#offline-queue-state", "1 条签到等待同步")

	b.fill("#entry", first.Code)
	b.do("check in again", chromedp.Click(chromedp.CSS(`#offline-form button[type=submit]`)))
	b.waitText("#offline-result.bad", "已签到过")
	b.fill("#entry", env.App.Booking.Ticket(later))
	b.do("another day's ticket", chromedp.Click(chromedp.CSS(`#offline-form button[type=submit]`)))
	b.waitText("#offline-result.bad", "不是今天的")
	b.fill("#entry", env.App.Booking.Keys.Ticket(c.ID+1000, first.Code))
	b.do("another week's ticket", chromedp.Click(chromedp.CSS(`#offline-form button[type=submit]`)))
	b.waitText("#offline-result.bad", "另一届")

	// Meanwhile another door, online, admits the second party.
	if _, err := env.App.Booking.CheckIn(ctx, a.ID, second.Code, false); err != nil {
		t.Fatalf("check in at the other door: %v", err)
	}
	b.fill("#entry", second.Code)
	b.do("check in the second", chromedp.Click(chromedp.CSS(`#offline-form button[type=submit]`)))
	b.waitText("#offline-result.good", "签到成功")
	b.waitText("#offline-queue-state", "2 条签到等待同步")
	if got := checked(); got != before+3 {
		t.Fatalf("the server counted %d while the phone was offline, want %d (the other door only)", got, before+3)
	}
	b.capture("offline-checkin")

	b.network(true)
	b.waitText("#offline-network", "已联网")
	b.waitText("#offline-problems", second.Code)
	b.shows("#offline-problems", "冲突")
	b.waitText("#offline-queue-state", "0")
	if got := checked(); got != before+5 {
		t.Errorf("after sync the server counts %d checked in, want %d", got, before+5)
	}
	b.waitText(row, fmt.Sprint(before+5))
	b.capture("offline-checkin-synced")
	b.do("mark the conflict dealt with", chromedp.Click(chromedp.CSS(`#offline-problems button`)))
	b.waitText("#offline-queue-state", "0")

	// A list past its day is refused with when it was downloaded.
	b.network(false)
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`new Promise(done => {
		const req = indexedDB.open("sciweek-checkin");
		req.onsuccess = () => {
			const tx = req.result.transaction("lists", "readwrite"), s = tx.objectStore("lists");
			s.getAll().onsuccess = e => { for (const l of e.target.result) { l.expires_at = "2000-01-01T00:00:00Z"; s.put(l); } };
			tx.oncomplete = () => { req.result.close(); done(true); };
		};
	})`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	b.do("reload offline", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#offline-form")))
	b.waitText("#offline-list-state", "已过期")
	b.fill("#entry", first.Code)
	b.do("check in with a stale list", chromedp.Click(chromedp.CSS(`#offline-form button[type=submit]`)))
	b.waitText("#offline-result.bad", "已过期")
	b.shows("#offline-refresh", "重新下载")
	b.network(true)
	fourth := bookOne(slot.ID, "郑小丽", "13600136000", 1)
	b.do("refresh the list", chromedp.Click(chromedp.CSS("#offline-refresh")))
	b.waitText("#offline-list-state", "名单下载于")

	// Signing out with a check-in still queued asks first, naming how
	// many; saying no keeps the queue and the session.
	var asked atomic.Pointer[string]
	var dialogs atomic.Int32
	var accept atomic.Bool
	if err := chromedp.Listen(b.ctx, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			asked.Store(&d.Message)
			dialogs.Add(1)
			go chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept.Load()})
		}
	}); err != nil {
		t.Fatal(err)
	}
	b.network(false)
	b.waitText("#offline-network", "无网络")
	b.fill("#entry", fourth.Code)
	b.do("check in offline", chromedp.Click(chromedp.CSS(`#offline-form button[type=submit]`)))
	b.waitText("#offline-result.good", "签到成功")
	b.waitText("#offline-queue-state", "1 条签到等待同步")
	b.do("sign out with one queued", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	for i := 0; asked.Load() == nil && i < 50; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if m := asked.Load(); m == nil || !strings.Contains(*m, "1 条签到没有同步") {
		t.Fatalf("signing out with a queued check-in asked %v, want it to name the one unsynced check-in", m)
	}
	b.waitText("#offline-queue-state", "1 条签到等待同步")
	b.shows(`form[action="/logout"] button`, "退出")
	b.network(true)
	b.waitText("#offline-queue-state", "0")

	// With nothing queued, signing out asks nothing and wipes the list from
	// the device.
	accept.Store(true)
	b.click(`form[action="/logout"] button`, "main")
	if n := dialogs.Load(); n != 1 {
		t.Errorf("signing out with nothing queued asked again: %d questions in all", n)
	}
	gone, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`indexedDB.databases().then(ds => !ds.some(d => d.name === "sciweek-checkin"))`, chromedp.EvalAwaitPromise))
	if err != nil || !gone {
		t.Errorf("the check-in list is still on the device after signing out: %v", err)
	}
}

// bookable starts sciweek with the demo's bookings and returns the upcoming
// campaign and 泉州师范学院's open day in it.
func bookable(t *testing.T) (*apptest.Env, campaign.Campaign, program.Activity) {
	t.Helper()
	env := apptest.New(t)
	ctx := account.AsSystem(context.Background())
	if err := demo.LoadBookings(ctx, env.App.Booking); err != nil {
		t.Fatal(err)
	}
	c, _ := env.App.Campaigns.Get(ctx, "2026")
	as, _ := env.App.Program.List(ctx, c, program.Filter{OpenDay: true, Unit: "qztc"})
	if len(as) != 1 {
		t.Fatalf("qztc open days: %d", len(as))
	}
	return env, c, as[0]
}
