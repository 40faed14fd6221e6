package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Viewports the pages must work at: a small phone and an office screen.
const (
	phoneWidth, phoneHeight     = 375, 812
	desktopWidth, desktopHeight = 1280, 900
)

// browser is one headless Chromium tab pointed at a running sciweek.
type browser struct {
	t     *testing.T
	ctx   context.Context
	base  string
	shots string
	width int64
	// checked holds the pages (path, language and width) axe-core has checked, so
	// a page the test comes back to is not checked again.
	checked map[string]bool
}

// chromiumPath finds a Chromium or Chrome binary, or returns "".
func chromiumPath() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts headless Chromium for base, with a Chinese-speaking
// user's language, and stops it when the test ends. Without Chromium the
// test is skipped, except in CI, where it fails.
func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	return newBrowserFor(t, base, 3*time.Minute)
}

// newBrowserFor is newBrowser for a test that needs longer than a minute.
func newBrowserFor(t *testing.T, base string, limit time.Duration) *browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("Chromium is not installed, and CI is set: the browser test must run (Debian: apt-get install chromium)")
		}
		t.Skip("Chromium is not installed; install it to run the browser test (Debian: apt-get install chromium)")
	}
	profile := t.TempDir() // removed after the browser has stopped
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.UserDataDir(profile),
	)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	ctx, cancel := context.WithTimeout(tab, limit)
	t.Cleanup(cancel)

	shots := os.Getenv("SCIWEEK_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatalf("screenshot directory: %v", err)
	}
	b := &browser{t: t, ctx: ctx, base: base, shots: shots, checked: map[string]bool{}}
	b.viewport(phoneWidth, phoneHeight)
	return b
}

// do runs steps and fails the test on the first error.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v\n(page: %s)", what, err, b.pathOrErr())
	}
}

// open loads path and waits until sel shows.
func (b *browser) open(path, sel string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS(sel)))
	b.accessible(path)
}

// click clicks sel like a person does, waits for the page it leads to
// and then for next to show.
func (b *browser) click(sel, next string) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel))))
	if err != nil {
		b.t.Fatalf("click %s: %v\n(page: %s)", sel, err, b.pathOrErr())
	}
	b.do("wait for "+next, chromedp.WaitVisible(chromedp.CSS(next)))
	b.accessible("after clicking " + sel)
}

// fill replaces what a text field holds by typing: click into it, select
// everything, delete it and type text.
func (b *browser) fill(sel, text string) {
	b.t.Helper()
	b.do("type into "+sel,
		chromedp.Click(chromedp.CSS(sel)),
		chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.KeyEvent(kb.Delete),
		chromedp.SendKeys(chromedp.CSS(sel), text),
	)
	if got := b.value(sel); got != text {
		b.t.Fatalf("%s holds %q after typing %q", sel, got, text)
	}
}

// text is the visible text of the first element matching sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("read text of %s: %v", sel, err)
	}
	return strings.Join(strings.Fields(s), " ")
}

// value is what a form field holds now.
func (b *browser) value(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("read value of %s: %v", sel, err)
	}
	return s
}

// shows fails the test unless the text of sel holds every one of want.
func (b *browser) shows(sel string, want ...string) {
	b.t.Helper()
	got := b.text(sel)
	for _, w := range want {
		if !strings.Contains(got, w) {
			b.t.Errorf("%s on %s shows %q, want it to hold %q", sel, b.path(), got, w)
		}
	}
}

// path is the path of the page the tab shows.
func (b *browser) path() string {
	b.t.Helper()
	p, err := b.location()
	if err != nil {
		b.t.Fatalf("read location: %v", err)
	}
	return p
}

func (b *browser) location() (string, error) {
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	return strings.TrimPrefix(loc, b.base), err
}

func (b *browser) pathOrErr() string {
	p, err := b.location()
	if err != nil {
		return err.Error()
	}
	return p
}

// viewport resizes the page as a window of w×h CSS pixels would be.
func (b *browser) viewport(w, h int64) {
	b.t.Helper()
	b.do(fmt.Sprintf("viewport %d×%d", w, h), chromedp.EmulateViewport(w, h))
	b.width = w
}

// fitsWidth fails the test when the page scrolls sideways, naming the
// elements that stick out.
func (b *browser) fitsWidth(page string) {
	b.t.Helper()
	type fit struct {
		ScrollWidth int      `json:"scrollWidth"`
		InnerWidth  int      `json:"innerWidth"`
		ClientWidth int      `json:"clientWidth"`
		Wide        []string `json:"wide"`
	}
	f, err := chromedp.Run(b.ctx, chromedp.Evaluate[fit](`(() => {
		const d = document.documentElement, wide = [];
		for (const el of document.body.querySelectorAll("*")) {
			const r = el.getBoundingClientRect();
			if (r.right > d.clientWidth + 1 && wide.length < 5) {
				wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + String(el.className).trim().replace(/\s+/g, ".") : "") + " right=" + Math.round(r.right));
			}
		}
		return {scrollWidth: d.scrollWidth, innerWidth: window.innerWidth, clientWidth: d.clientWidth, wide};
	})()`))
	if err != nil {
		b.t.Fatalf("measure %s: %v", page, err)
	}
	b.accessible(page)
	if f.ScrollWidth > f.InnerWidth || f.ScrollWidth > f.ClientWidth {
		b.t.Errorf("%s at %d px scrolls sideways: scrollWidth %d, innerWidth %d; too wide: %s",
			page, b.width, f.ScrollWidth, f.InnerWidth, strings.Join(f.Wide, ", "))
	}
}

// screenshot saves the whole page as a PNG named after page and the width.
func (b *browser) screenshot(page string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", page, err)
	}
	name := filepath.Join(b.shots, fmt.Sprintf("%s-%d.png", page, b.width))
	if err := os.WriteFile(name, png, 0o644); err != nil {
		b.t.Fatalf("save screenshot: %v", err)
	}
}

// capture checks that page fits a phone screen and saves it at phone and
// desktop widths, leaving the tab at phone width.
func (b *browser) capture(page string) {
	b.t.Helper()
	b.fitsWidth(page)
	b.screenshot(page)
	b.viewport(desktopWidth, desktopHeight)
	b.fitsWidth(page)
	b.screenshot(page)
	b.viewport(phoneWidth, phoneHeight)
}

// typeDate types d into a date field from the keyboard, part by part in
// the order the browser's own locale shows them (its language for pages is
// Chinese, but a Chromium without translations lays dates out as in
// America); a month or a day moves on by
// itself after two digits, a year needs the right arrow key.
func (b *browser) typeDate(sel string, d time.Time) {
	b.t.Helper()
	order, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](
		`new Intl.DateTimeFormat(undefined, {year: "numeric", month: "2-digit", day: "2-digit"}).formatToParts(new Date()).map(p => p.type).filter(t => t !== "literal")`))
	if err != nil || len(order) != 3 {
		b.t.Fatalf("date parts of the browser's locale: %v %v", order, err)
	}
	var keys string
	for i, part := range order {
		switch part {
		case "year":
			keys += d.Format("2006")
			if i < len(order)-1 {
				keys += kb.ArrowRight
			}
		case "month":
			keys += d.Format("01")
		case "day":
			keys += d.Format("02")
		}
	}
	b.do("type a date into "+sel, chromedp.SendKeys(chromedp.CSS(sel), keys))
	if got, want := b.value(sel), d.Format("2006-01-02"); got != want {
		b.t.Fatalf("%s holds %q after typing %s (parts %v)", sel, got, want, order)
	}
}

// fetch downloads path with the tab's cookies, as the browser's own
// download would, and returns the body.
func (b *browser) fetch(path string) []byte {
	b.t.Helper()
	res0, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base}})
	if err != nil {
		b.t.Fatalf("read cookies: %v", err)
	}
	req, _ := http.NewRequest("GET", b.base+path, nil)
	for _, c := range res0.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatalf("download %s: %v", path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		b.t.Fatalf("download %s: status %d", path, res.StatusCode)
	}
	return body
}
