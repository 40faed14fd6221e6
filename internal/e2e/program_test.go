package e2e_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/sciweek/sciweek/internal/apptest"
)

// acceptDialogs answers OK to every confirm() the page asks, as a person
// who means the click does.
func (b *browser) acceptDialogs() {
	b.t.Helper()
	err := chromedp.Listen(b.ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			go chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	})
	if err != nil {
		b.t.Fatalf("listen for dialogs: %v", err)
	}
}

// history goes back or forward like the browser's buttons and waits
// until the address holds want.
func (b *browser) history(dir, want string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[any]("history."+dir+"(), null")); err != nil {
		b.t.Fatalf("%s: %v", dir, err)
	}
	for range 50 {
		if p, err := b.location(); err == nil && strings.Contains(p, want) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("after %s the page is %s, want it to hold %q", dir, b.pathOrErr(), want)
}

// icsStart reads the first event's start from an iCalendar document as an
// instant, from its local time and TZID.
func icsStart(t *testing.T, doc string) (time.Time, string) {
	t.Helper()
	inEvent := false
	for _, line := range strings.Split(strings.ReplaceAll(doc, "\r\n ", ""), "\r\n") {
		inEvent = inEvent || line == "BEGIN:VEVENT"
		name, value, ok := strings.Cut(line, ":")
		if !ok || !inEvent || !strings.HasPrefix(name, "DTSTART") {
			continue
		}
		_, tzid, _ := strings.Cut(name, ";TZID=")
		zone, err := time.LoadLocation(tzid)
		if err != nil {
			t.Fatalf("DTSTART with an unknown time zone %q", tzid)
		}
		at, err := time.ParseInLocation("20060102T150405", value, zone)
		if err != nil {
			t.Fatalf("DTSTART %q: %v", value, err)
		}
		return at, tzid
	}
	t.Fatalf("no DTSTART in\n%s", doc)
	return time.Time{}, ""
}

// TestBrowserProgram finds activities by filters and by a two-character
// search on a phone, opens one, adds it to a calendar, and sees the banner
// once the organiser moves the week online.
func TestBrowserProgram(t *testing.T) {
	env := apptest.New(t)
	b := newBrowser(t, env.URL)
	b.acceptDialogs()

	b.open("/campaigns/2020", "main h1")
	b.click(`a[href="/campaigns/2020/program"]`, ".daytabs")
	b.shows(".counts", "40", "19")
	b.capture("program-home")
	b.click(`.daytabs a[href="/campaigns/2020/days/2020-08-26"]`, `.daytabs a[aria-current="page"]`)
	b.shows("main h1", "8月26日")
	b.shows(".acts", "科学防疫云课堂", "19:00–21:00")
	b.capture("program-day")
	b.click(`.acts a[href="/campaigns/2020/units/hqu"]`, "main h1")
	b.shows("main h1", "华侨大学")
	b.capture("program-unit")
	b.open("/campaigns/2020/program", ".counts")

	// Filters: a day and a district; the state lives in the URL.
	b.click(`.counts a[href="/campaigns/2020/activities"]`, ".program-filters")
	b.do("open the filters", chromedp.Click(chromedp.CSS(".more-filters summary")), chromedp.WaitVisible(chromedp.CSS("#f-day")))
	b.setValue("#f-day", "2020-08-24")
	b.setValue("#f-district", "fengze")
	b.click(`#apply`, ".acts")
	b.shows(".more-filters summary", "已选 2 项")
	u, _ := url.Parse(b.path())
	if u.Query().Get("day") != "2020-08-24" || u.Query().Get("district") != "fengze" {
		t.Errorf("the filters are not in the URL: %s", u)
	}
	b.shows(".acts", "人工智能与机器人开放体验")
	if strings.Contains(b.text("main"), "晋江鞋服产业科技创新展") {
		t.Error("an activity of another district passes the filter")
	}
	b.capture("program-list")

	// A two-character Chinese search.
	b.fill("#q", "魔术")
	b.do("open the filters", chromedp.Click(chromedp.CSS(".more-filters summary")), chromedp.WaitVisible(chromedp.CSS("#f-day")))
	b.setValue("#f-day", "")
	b.setValue("#f-district", "")
	b.click(`.search button[type=submit]`, ".acts")
	b.shows("#result-count", "共 1 项活动")
	b.shows(".acts mark", "魔术")
	// Back goes to the filtered list, forward to the search again.
	b.history("back", "district=fengze")
	b.history("forward", "q=")
	b.open(b.path(), ".acts mark")
	b.click(`.acts li a[href^="/activities/"]`, "article.activity h1")
	b.shows("article.activity h1", "化学魔术实验秀")
	b.shows("article.activity", "泉州师范学院化学楼报告厅", "在地图中打开")
	b.capture("program-detail")

	// Add it to a calendar: the .ics holds 14:00 in Asia/Shanghai.
	href, err := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.CSS(`a[href$="/calendar.ics"]`), "href"))
	if err != nil {
		t.Fatal(err)
	}
	ics := string(b.fetch(href.Value))
	at, tzid := icsStart(t, ics)
	if tzid != "Asia/Shanghai" || !at.Equal(time.Date(2020, 8, 25, 6, 0, 0, 0, time.UTC)) {
		t.Errorf("the calendar event starts %v (%s), want 2020-08-25 14:00 in Shanghai", at, tzid)
	}
	if !strings.Contains(ics, "SUMMARY:化学魔术实验秀") {
		t.Error("the calendar event has no title")
	}
	detail := b.path()

	// The organiser moves the week online.
	b.login("admin")
	b.open("/admin/campaigns/2020/online", "#reason")
	b.capture("program-switch")
	b.fill("#reason", "受台风影响，活动周改为线上举办。")
	b.click(`main form button[type=submit]`, ".flash")
	b.logout()
	b.open(detail, ".banner")
	b.shows(".banner", "受台风影响，活动周改为线上举办。")
	b.shows("article.activity", "线上链接将由举办单位公布")
	b.capture("program-online")
	b.open("/campaigns/2020/activities?q=科技", ".banner")

}
