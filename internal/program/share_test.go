package program_test

import (
	"fmt"
	"html"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
)

var metaTag = regexp.MustCompile(`<meta (property|name|itemprop)="([^"]+)" content="([^"]*)">`)

// shareTags reads a page's share tags: og:*, twitter:* and the itemprop
// ones WeChat reads, by name.
func shareTags(page string) map[string]string {
	tags := map[string]string{}
	for _, m := range metaTag.FindAllStringSubmatch(page, -1) {
		key := m[2]
		if m[1] == "itemprop" {
			key = "itemprop:" + key
		}
		tags[key] = html.UnescapeString(m[3])
	}
	return tags
}

// fetchPicture gets an absolute picture URL from the test server and
// decodes it.
func fetchPicture(t *testing.T, c *apptest.Client, abs string) (image.Image, *apptest.Response) {
	t.Helper()
	u, err := url.Parse(abs)
	if err != nil || u.Scheme == "" || u.Host == "" {
		t.Fatalf("picture URL %q is not absolute", abs)
	}
	res := c.Get(u.RequestURI())
	if res.Status != 200 {
		t.Fatalf("%s: %d %s", abs, res.Status, res.Body)
	}
	img, _, err := image.Decode(strings.NewReader(res.Body))
	if err != nil {
		t.Fatalf("%s: %v", abs, err)
	}
	return img, res
}

func TestShareCards(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client(t)
		id := idOf(t, c, "化学魔术实验秀")
		var articles struct {
			Items []struct{ Title, URL, Cover string }
		}
		c.Get("/api/v1/campaigns/2026/articles").JSON(t, &articles)
		if len(articles.Items) == 0 {
			t.Fatal("the demo has no public article")
		}
		article, _ := url.Parse(articles.Items[0].URL)

		pages := []struct{ kind, path, title string }{
			{"campaign", "/campaigns/2026", ""},
			{"program", "/campaigns/2020/program", ""},
			{"list", "/campaigns/2020/activities?day=2020-08-25", ""},
			{"day", "/campaigns/2020/days/2020-08-23", ""},
			{"activity", fmt.Sprintf("/activities/%d", id), "化学魔术实验秀"},
			{"unit", "/campaigns/2020/units/qztc", "泉州师范学院"},
			{"article", article.Path, articles.Items[0].Title},
		}
		for _, p := range pages {
			t.Run(p.kind, func(t *testing.T) {
				res := c.Get(p.path)
				if res.Status != 200 {
					t.Fatalf("%s: %d", p.path, res.Status)
				}
				tags := shareTags(res.Body)
				for _, k := range []string{"og:title", "og:description", "og:url", "og:image", "twitter:card", "twitter:image", "itemprop:name", "itemprop:description", "itemprop:image"} {
					if tags[k] == "" {
						t.Errorf("%s has no %s: %v", p.path, k, tags)
					}
				}
				if p.title != "" && (tags["og:title"] != p.title || tags["itemprop:name"] != p.title) {
					t.Errorf("%s is shared as %q, want %q", p.path, tags["og:title"], p.title)
				}
				if strings.Contains(tags["og:image"], "qr.png") {
					t.Errorf("%s shares its QR code as picture", p.path)
				}
				for _, k := range []string{"og:image", "itemprop:image"} {
					img, pic := fetchPicture(t, c, tags[k])
					if b := img.Bounds(); b.Dx() < 300 || b.Dy() < 300 {
						t.Errorf("%s of %s is %v, smaller than 300×300", k, p.path, b)
					}
					if etag := pic.Header.Get("ETag"); etag != "" {
						u, _ := url.Parse(tags[k])
						again := c.Do("GET", u.RequestURI(), nil, http.Header{"If-None-Match": {etag}})
						if again.Status != http.StatusNotModified {
							t.Errorf("%s again with its ETag: %d", tags[k], again.Status)
						}
					}
				}
				if sq, _ := fetchPicture(t, c, tags["itemprop:image"]); !strings.Contains(tags["itemprop:image"], "/cover") && sq.Bounds().Dx() != sq.Bounds().Dy() {
					t.Errorf("WeChat's picture of %s is not square: %v", p.path, sq.Bounds())
				}
			})
		}

		// The QR code stays available on its own.
		if res := c.Get(fmt.Sprintf("/activities/%d/qr.png", id)); res.Status != 200 || res.Header.Get("Content-Type") != "image/png" {
			t.Errorf("activity QR code: %d", res.Status)
		}

		// A very long title, with characters the embedded font lacks, is
		// drawn cut short; the picture's URL changes with the title.
		before := shareTags(c.Get("/campaigns/2026").Body)["og:image"]
		admin := e.As(t, "admin")
		long := strings.Repeat("龘靐齉𠀀", 5) + strings.Repeat("泉州市科技活动周", 10)
		if res := admin.SendJSON("PATCH", "/api/v1/campaigns/2026", map[string]any{"title": long}); res.Status != 200 {
			t.Fatalf("rename the campaign: %d %s", res.Status, res.Body)
		}
		tags := shareTags(c.Get("/campaigns/2026").Body)
		if tags["og:title"] != long || tags["og:image"] == before {
			t.Errorf("after a rename the card is %q at %s (was %s)", tags["og:title"], tags["og:image"], before)
		}
		for _, k := range []string{"og:image", "itemprop:image"} {
			img, _ := fetchPicture(t, c, tags[k])
			if b := img.Bounds(); b.Dx() < 300 || b.Dy() < 300 {
				t.Errorf("%s of the long title: %v", k, b)
			}
		}
		if res := c.Get("/activities/999999/card.png"); res.Status != 404 {
			t.Errorf("card of no activity: %d", res.Status)
		}
	})
}

var webcalLink = regexp.MustCompile(`href="(webcal://[^"]+)"`)

// TestWebcal: every calendar download has a webcal:// subscription beside
// it that keeps the page's filters, and the feed it names parses strictly.
func TestWebcal(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client(t)
		all := parseICS(t, c.Get("/feeds/2020/program.ics").Body)
		for _, path := range []string{"/campaigns/2020/program", "/campaigns/2020/activities?day=2020-08-23&district=fengze", "/campaigns/2020/days/2020-08-23", "/campaigns/2020/units/qztc"} {
			m := webcalLink.FindStringSubmatch(c.Get(path).Body)
			if m == nil {
				t.Errorf("%s has no webcal link", path)
				continue
			}
			u, err := url.Parse(html.UnescapeString(m[1]))
			if err != nil || u.Host == "" || !strings.HasPrefix(u.Path, "/feeds/2020/program.ics") {
				t.Errorf("%s subscribes to %s", path, m[1])
				continue
			}
			res := c.Get(u.RequestURI())
			if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") {
				t.Fatalf("%s: %d", u, res.Status)
			}
			evs := parseICS(t, res.Body)
			if !strings.Contains(res.Body, "REFRESH-INTERVAL;VALUE=DURATION:PT6H") {
				t.Errorf("%s has no refresh interval for subscribers", u)
			}
			if path != "/campaigns/2020/program" && (len(evs) == 0 || len(evs) >= len(all)) {
				t.Errorf("%s: the feed of %s holds %d of %d events; its filters are lost", path, u, len(evs), len(all))
			}
			if q := u.Query(); strings.Contains(path, "district=fengze") && (q.Get("district") != "fengze" || q.Get("day") != "2020-08-23") {
				t.Errorf("filters lost: %s", u)
			}
		}
	})
}
