package e2e_test

import (
	"bytes"
	"fmt"
	"image/png"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/sciweek/sciweek/internal/apptest"
)

// eval runs a script in the page and returns its value.
func eval[T any](b *browser, script string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](script))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", script, err)
	}
	return v
}

// TestBrowserShareCards: an activity page, as a phone loads it, carries
// the share tags WeChat and other apps read, and the picture they name is
// a real one of at least 300×300; the site's icon and manifest are linked.
func TestBrowserShareCards(t *testing.T) {
	env := apptest.New(t)
	var list struct{ Items []struct{ ID int64 } }
	env.Client(t).Get("/api/v1/campaigns/2020/activities?per_page=1").JSON(t, &list)
	if len(list.Items) == 0 {
		t.Fatal("the demo program is empty")
	}
	b := newBrowser(t, env.URL)
	b.open(fmt.Sprintf("/activities/%d", list.Items[0].ID), "main h1")
	title := eval[string](b, `document.querySelector('meta[property="og:title"]').content`)
	if h1 := b.text("main h1"); !strings.Contains(h1, title) || title == "" {
		t.Errorf("og:title %q, heading %q", title, h1)
	}
	for _, sel := range []string{`meta[property="og:image"]`, `meta[itemprop="image"]`, `meta[name="twitter:image"]`} {
		src := eval[string](b, `document.querySelector('`+sel+`').content`)
		u, err := url.Parse(src)
		if err != nil || !u.IsAbs() {
			t.Fatalf("%s is %q, not absolute", sel, src)
		}
		img, err := png.Decode(bytes.NewReader(b.fetch(u.RequestURI())))
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if r := img.Bounds(); r.Dx() < 300 || r.Dy() < 300 {
			t.Errorf("%s is %v, smaller than 300×300", src, r)
		}
	}
	for _, sel := range []string{`meta[property="og:description"]`, `meta[itemprop="name"]`, `meta[itemprop="description"]`} {
		if v := eval[string](b, `document.querySelector('`+sel+`').content`); v == "" {
			t.Errorf("%s is empty", sel)
		}
	}
	manifest := eval[string](b, `document.querySelector('link[rel="manifest"]').href`)
	if u, _ := url.Parse(manifest); !strings.Contains(string(b.fetch(u.RequestURI())), "科技活动周") {
		t.Error("the manifest does not name the site")
	}
	if ico := b.fetch("/favicon.ico"); len(ico) < 100 {
		t.Error("no favicon")
	}
}

// TestBrowserItemDraft: what a unit types into a filing item is kept on
// the phone; leaving asks first, coming back restores it with a notice,
// and a successful save discards the draft.
func TestBrowserItemDraft(t *testing.T) {
	env := apptest.Start(t, apptest.Options{NoDemoFilings: true})
	b := newBrowser(t, env.URL)
	var warned atomic.Int32
	err := chromedp.Listen(b.ctx, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			if d.Type == page.DialogTypeBeforeunload {
				warned.Add(1)
			}
			go chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	b.login("hqu")
	form := "/campaigns/2026/filings/hqu/1/items/new"
	b.open(form, "#f_title")
	b.fill("#f_title", "人工智能与机器人科普展")
	b.fill("#f_content", "展示学校人工智能与机器人研究成果。")
	b.click(`main form .actions a`, "main h1")
	if warned.Load() == 0 {
		t.Error("leaving the form with unsaved changes gave no warning")
	}

	b.open(form, ".draft-note")
	if got := b.value("#f_title"); got != "人工智能与机器人科普展" {
		t.Fatalf("the draft's title came back as %q", got)
	}
	if got := b.value("#f_content"); got != "展示学校人工智能与机器人研究成果。" {
		t.Fatalf("the draft's content came back as %q", got)
	}
	b.capture("item-draft")

	b.fillProjectDetails()
	b.do("pick an audience", chromedp.Click(`input[name="f_audience"][value="青少年"]`))
	b.fill("#f_expected", "500人")
	b.fill("#f_contact", "林老师")
	b.fill("#f_phone", "0595-22692114")
	b.click(`main form button[type=submit]`, ".flash")
	if n := eval[float64](b, `Object.keys(localStorage).filter(k => k.startsWith("draft:")).length`); n != 0 {
		t.Errorf("%v drafts are left after the save", n)
	}
	b.open(form, "#f_title")
	if n := eval[float64](b, `document.querySelectorAll(".draft-note").length`); n != 0 || b.value("#f_title") != "" {
		t.Errorf("a saved item's draft came back: %v notes, title %q", n, b.value("#f_title"))
	}
}

// TestBrowserFilterPanelRemembered: the program's filter panel opens or
// stays closed as the visitor last left it.
func TestBrowserFilterPanelRemembered(t *testing.T) {
	env := apptest.New(t)
	b := newBrowser(t, env.URL)
	open := func() bool { return eval[bool](b, `document.querySelector("details.more-filters").open`) }
	b.open("/campaigns/2020/activities", "details.more-filters summary")
	if open() {
		t.Fatal("the filter panel starts open on a list with results")
	}
	b.do("open the filters", chromedp.Click(`details.more-filters summary`))
	b.open("/campaigns/2020/activities?day=2020-08-25", "details.more-filters summary")
	if !open() {
		t.Error("the filter panel closed again on the next page")
	}
	b.do("close the filters", chromedp.Click(`details.more-filters summary`))
	b.open("/campaigns/2020/activities", "details.more-filters summary")
	if open() {
		t.Error("the filter panel opened again after it was closed")
	}
}
