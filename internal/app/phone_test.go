package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/platform/clock"
)

// TestManifestAndIcons: the site installs on a phone's home screen with
// its name in the visitor's language and its icons, and every page links
// them; /favicon.ico no longer answers 404.
func TestManifestAndIcons(t *testing.T) {
	e := apptest.New(t)
	c := e.Client(t)
	for lang, name := range map[string]string{"zh-CN": "科技活动周", "en": "sciweek"} {
		res := c.Do("GET", "/manifest.webmanifest", nil, http.Header{"Accept-Language": {lang}})
		var m struct {
			Name       string
			StartURL   string `json:"start_url"`
			Display    string
			ThemeColor string `json:"theme_color"`
			Icons      []struct{ Src, Sizes, Purpose string }
		}
		if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/manifest+json") {
			t.Fatalf("manifest in %s: %d %s", lang, res.Status, res.Header.Get("Content-Type"))
		}
		if err := json.Unmarshal([]byte(res.Body), &m); err != nil {
			t.Fatal(err)
		}
		if m.Name != name || m.StartURL != "/" || m.Display != "standalone" || m.ThemeColor == "" || len(m.Icons) != 3 {
			t.Errorf("manifest in %s: %+v", lang, m)
		}
		sizes := map[string]bool{}
		for _, ic := range m.Icons {
			icon := c.Get(ic.Src)
			img, err := png.Decode(bytes.NewReader([]byte(icon.Body)))
			if err != nil {
				t.Fatalf("icon %s: %v", ic.Src, err)
			}
			if got := img.Bounds(); ic.Sizes != strconv.Itoa(got.Dx())+"x"+strconv.Itoa(got.Dy()) {
				t.Errorf("icon %s is %v, declared %s", ic.Src, got, ic.Sizes)
			}
			sizes[ic.Sizes+" "+ic.Purpose] = true
		}
		if !sizes["192x192 any"] || !sizes["512x512 any"] || !sizes["512x512 maskable"] {
			t.Errorf("icons: %v", sizes)
		}
	}
	for path, typ := range map[string]string{"/favicon.ico": "image/x-icon", "/apple-touch-icon.png": "image/png"} {
		if res := c.Get(path); res.Status != 200 || res.Header.Get("Content-Type") != typ || len(res.Body) < 100 {
			t.Errorf("%s: %d %s", path, res.Status, res.Header.Get("Content-Type"))
		}
	}
	for _, path := range []string{"/", "/login", "/campaigns/2026/program"} {
		page := c.Get(path).Body
		for _, want := range []string{`<link rel="manifest" href="/manifest.webmanifest">`, `<link rel="icon" href="/favicon.ico"`, `<link rel="apple-touch-icon" href="/apple-touch-icon.png">`, `<meta name="theme-color"`} {
			if !strings.Contains(page, want) {
				t.Errorf("%s lacks %s", path, want)
			}
		}
	}
}

// TestDateInputsShowTheirFormat: date and time inputs are laid out in
// Chinese order and show the format beside them, which screen readers
// read with the field.
func TestDateInputsShowTheirFormat(t *testing.T) {
	e := apptest.Start(t, apptest.Options{NoDemoFilings: true})
	week, err := e.App.Campaigns.Get(context.Background(), "2026")
	if err != nil {
		t.Fatal(err)
	}
	// A filing item's example is its week's first day; elsewhere today's date.
	for _, p := range []struct{ who, path, id, format string }{
		{"hqu", "/campaigns/2026/filings/hqu/1/items/new", "f_start", week.Start.Format("2006-01-02") + " 09:30"},
		{"admin", "/admin/campaigns/new", "start", time.Now().In(clock.Zone).Format("2006-01-02")},
	} {
		page := e.As(t, p.who).Get(p.path)
		if page.Status != 200 {
			t.Fatalf("%s: %d", p.path, page.Status)
		}
		input := regexp.MustCompile(`<input id="` + p.id + `"[^>]*>`).FindString(page.Body)
		if !strings.Contains(input, `lang="zh-CN"`) || !strings.Contains(input, p.id+`-format`) {
			t.Errorf("%s: the input %s is %s", p.path, p.id, input)
		}
		if !strings.Contains(page.Body, `<span class="format" id="`+p.id+`-format">`+p.format+`</span>`) {
			t.Errorf("%s: no format %s beside %s", p.path, p.format, p.id)
		}
	}
}
