package program_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/benchseed"
	"github.com/sciweek/sciweek/internal/program"
)

// event is a VEVENT as a calendar program reads it.
type event = apptest.Event

func parseICS(t *testing.T, doc string) []event { return apptest.ParseICS(t, doc) }

func unescapeText(s string) string { return apptest.UnescapeICS(s) }

func TestCalendar(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client(t)
		id := idOf(t, c, "人工智能与机器人开放体验")
		res := c.Get(fmt.Sprintf("/activities/%d/calendar.ics", id))
		if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("%d %s", res.Status, res.Header.Get("Content-Type"))
		}
		evs := parseICS(t, res.Body)
		if len(evs) != 1 {
			t.Fatalf("%d events", len(evs))
		}
		ev := evs[0]
		if ev["DTSTART;TZID=Asia/Shanghai"] != "20200824T090000" || ev["DTEND;TZID=Asia/Shanghai"] != "20200824T160000" {
			t.Errorf("times: %v", ev)
		}
		start, err := time.ParseInLocation("20060102T150405", ev["DTSTART;TZID=Asia/Shanghai"], mustZone(t))
		if err != nil || !start.Equal(time.Date(2020, 8, 24, 1, 0, 0, 0, time.UTC)) {
			t.Errorf("start %v is not 09:00 in Shanghai", start)
		}
		if unescapeText(ev["SUMMARY"]) != "人工智能与机器人开放体验" || unescapeText(ev["LOCATION"]) != "华侨大学泉州校区工学院" {
			t.Errorf("summary or location: %v", ev)
		}
		if !strings.HasSuffix(ev["URL"], fmt.Sprintf("/activities/%d", id)) || !strings.Contains(ev["ORGANIZER;CN=\"华侨大学\""], "mailto:") {
			t.Errorf("url or organiser: %v", ev)
		}

		all := parseICS(t, c.Get("/feeds/2020/program.ics").Body)
		if len(all) != 35+10 {
			t.Errorf("whole program: %d events, want 35 projects and 5 open days of 2 slots", len(all))
		}
		day := parseICS(t, c.Get("/feeds/2020/program.ics?day=2020-08-23&district=fengze").Body)
		for _, ev := range day {
			if !strings.HasPrefix(ev["DTSTART;TZID=Asia/Shanghai"], "2020082") {
				t.Errorf("filtered feed holds %v", ev["SUMMARY"])
			}
		}
		if len(day) == 0 || len(day) >= len(all) {
			t.Errorf("filtered feed: %d events", len(day))
		}
	})
}

func mustZone(t *testing.T) *time.Location {
	z, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func TestCalendarFolding(t *testing.T) {
	var doc strings.Builder
	c := program.NewCalendar(&doc)
	long := strings.Repeat("科技活动周，", 40) + "a;b\\c\nd"
	c.Text("DESCRIPTION", long)
	lines := strings.Split(strings.TrimSuffix(doc.String(), "\r\n"), "\r\n")
	var b strings.Builder
	for i, l := range lines {
		if len(l) > 75 {
			t.Errorf("line %d has %d octets", i, len(l))
		}
		if i > 0 {
			l = strings.TrimPrefix(l, " ")
		}
		b.WriteString(l)
	}
	if got := unescapeText(strings.TrimPrefix(b.String(), "DESCRIPTION:")); got != long {
		t.Errorf("unfolded text differs:\n%q\n%q", got, long)
	}
}

func TestFeedsAndOpenData(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client(t)
		var feed struct {
			XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
			Title   string   `xml:"title"`
			Updated string   `xml:"updated"`
			Entries []struct {
				ID      string `xml:"id"`
				Title   string `xml:"title"`
				Updated string `xml:"updated"`
				Link    struct {
					Href string `xml:"href,attr"`
				} `xml:"link"`
			} `xml:"entry"`
		}
		res := c.Get("/feeds/2020/program.atom")
		if err := xml.Unmarshal([]byte(res.Body), &feed); err != nil {
			t.Fatalf("Atom does not parse: %v", err)
		}
		if feed.Title != "2020年泉州市科技活动周" || len(feed.Entries) != 40 || feed.Entries[0].ID == "" || feed.Entries[0].Link.Href == "" {
			t.Errorf("Atom: %q, %d entries", feed.Title, len(feed.Entries))
		}
		if _, err := time.Parse(time.RFC3339, feed.Updated); err != nil {
			t.Errorf("Atom updated %q", feed.Updated)
		}

		res = c.Get("/opendata/2020/activities.csv")
		if !strings.HasPrefix(res.Body, "\uFEFF") || !strings.Contains(res.Header.Get("Content-Disposition"), "sciweek-2020-activities.csv") {
			t.Errorf("CSV without a BOM or a file name")
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\uFEFF"))).ReadAll()
		if err != nil || len(rows) != 41 || rows[0][0] != "id" || rows[0][1] != "title" {
			t.Fatalf("CSV: %v, %d rows", err, len(rows))
		}

		var data struct {
			Campaign struct{ ID, Title string }
			Items    []map[string]any
		}
		res = c.Get("/opendata/2020/activities.json")
		res.JSON(t, &data)
		if data.Campaign.ID != "2020" || len(data.Items) != 40 {
			t.Errorf("open data JSON: %v, %d items", data.Campaign, len(data.Items))
		}

		// The sitemap is an index of parts, each a list of addresses.
		var index struct {
			Sitemaps []struct {
				Loc string `xml:"loc"`
			} `xml:"sitemap"`
		}
		if err := xml.Unmarshal([]byte(c.Get("/sitemap.xml").Body), &index); err != nil || len(index.Sitemaps) < 3 {
			t.Fatalf("sitemap index: %v, %d parts", err, len(index.Sitemaps))
		}
		locs := map[string]bool{}
		for _, part := range index.Sitemaps {
			p, _ := url.Parse(part.Loc)
			res := c.Get(p.RequestURI())
			var sm struct {
				URLs []struct {
					Loc string `xml:"loc"`
				} `xml:"url"`
			}
			if err := xml.Unmarshal([]byte(res.Body), &sm); err != nil || res.Status != 200 {
				t.Fatalf("sitemap part %s: %d %v", part.Loc, res.Status, err)
			}
			for _, u := range sm.URLs {
				p, _ := url.Parse(u.Loc)
				if locs[p.Path] {
					t.Errorf("sitemap lists %s twice", p.Path)
				}
				locs[p.Path] = true
			}
		}
		if res := c.Get("/sitemap.xml?campaign=2020&page=9"); res.Status != 404 {
			t.Errorf("a sitemap part past the end: %d", res.Status)
		}
		id := idOf(t, c, "化学魔术实验秀")
		for _, want := range []string{"/campaigns/2020/program", "/campaigns/2020/days/2020-08-23", fmt.Sprintf("/activities/%d", id), "/campaigns/2020/units/qztc"} {
			if !locs[want] {
				t.Errorf("sitemap lacks %s", want)
			}
		}

		for _, path := range []string{fmt.Sprintf("/activities/%d/qr.png", id), "/campaigns/2020/qr.png"} {
			res := c.Get(path)
			img, err := png.Decode(strings.NewReader(res.Body))
			if err != nil || res.Header.Get("Content-Type") != "image/png" || img.Bounds().Dx() < 200 {
				t.Errorf("%s: %v", path, err)
			}
		}
		if res := c.Get("/activities/999999/qr.png"); res.Status != 404 {
			t.Errorf("QR of no activity: %d", res.Status)
		}

		page := c.Get(fmt.Sprintf("/activities/%d", id)).Body
		ld := jsonLD(t, page)
		loc, _ := ld["location"].(map[string]any)
		org, _ := ld["organizer"].(map[string]any)
		if ld["@type"] != "Event" || ld["startDate"] != "2020-08-25T14:00:00+08:00" || ld["eventAttendanceMode"] != "https://schema.org/OfflineEventAttendanceMode" ||
			loc["@type"] != "Place" || loc["address"] != "泉州师范学院化学楼报告厅" || org["name"] != "泉州师范学院" {
			t.Errorf("JSON-LD: %v", ld)
		}
		online := jsonLD(t, c.Get(fmt.Sprintf("/activities/%d", idOf(t, c, "科学防疫云课堂"))).Body)
		if vl, _ := online["location"].(map[string]any); online["eventAttendanceMode"] != "https://schema.org/OnlineEventAttendanceMode" || vl["@type"] != "VirtualLocation" {
			t.Errorf("online JSON-LD: %v", online)
		}
		for _, og := range []string{`property="og:title" content="化学魔术实验秀"`, `property="og:image"`, `property="og:url"`} {
			if !strings.Contains(page, og) {
				t.Errorf("no %s", og)
			}
		}
	})
}

// TestLightAndCached checks the list page's first load, compression,
// ETags and that a cached answer is served again.
func TestLightAndCached(t *testing.T) {
	e := apptest.New(t)
	c := e.Client(t)
	total := 0
	get := func(path string) *apptest.Response {
		res := c.Do("GET", path, nil, http.Header{"Accept-Encoding": {"gzip"}})
		if res.Status != 200 {
			t.Fatalf("%s: %d", path, res.Status)
		}
		total += len(res.Body)
		return res
	}
	page := get("/campaigns/2020/activities")
	if page.Header.Get("Content-Encoding") != "gzip" || page.Header.Get("ETag") == "" {
		t.Errorf("list page: encoding %q, etag %q", page.Header.Get("Content-Encoding"), page.Header.Get("ETag"))
	}
	zr, err := gzip.NewReader(bytes.NewReader([]byte(page.Body)))
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(zr)
	if !strings.Contains(string(html), "共 40 项活动") {
		t.Error("the compressed page is not the list")
	}
	get("/static/app.css")
	get("/static/app.js")
	if total > 100*1024 {
		t.Errorf("first load of the list page: %d bytes, over 100 KB", total)
	}
	t.Logf("first load of the list page: %d bytes transferred", total)
	again := c.Do("GET", "/campaigns/2020/activities", nil, http.Header{"If-None-Match": {page.Header.Get("ETag")}})
	if again.Status != 304 {
		t.Errorf("If-None-Match: %d", again.Status)
	}
	var api map[string]any
	json.Unmarshal([]byte(c.Get("/api/v1/campaigns/2020/activities").Body), &api)
	if api["total"] != float64(40) {
		t.Errorf("API through the cache: %v", api["total"])
	}
}

// TestFeedsAtSize: the feeds of a program larger than they list at once.
// The calendar streams every session of every activity; the Atom feed
// lists the first 500 activities; the sitemap comes in parts, each unit
// page listed once, every activity once.
func TestFeedsAtSize(t *testing.T) {
	apptest.EachWith(t, apptest.Options{NoDemo: true}, func(t *testing.T, e *apptest.Env) {
		if _, err := benchseed.Seed(account.AsSystem(context.Background()), e.App, benchseed.Options{Activities: 700, Units: 40, Flat: true}); err != nil {
			t.Fatal(err)
		}
		c := e.Client(t)
		ctx := context.Background()
		camp, err := e.App.Program.Campaign(ctx, benchseed.Slug)
		if err != nil {
			t.Fatal(err)
		}
		sessions := 0
		e.App.Program.Each(ctx, camp, program.Filter{}, func(a program.Activity) error {
			sessions += len(a.Sessions)
			return nil
		})
		events := parseICS(t, c.Get("/feeds/"+benchseed.Slug+"/program.ics").Body)
		if len(events) < 700 || len(events) != sessions {
			t.Errorf("the calendar holds %d events (%d sessions stored)", len(events), sessions)
		}
		var feed struct {
			Entries []struct{ ID string } `xml:"entry"`
		}
		if err := xml.Unmarshal([]byte(c.Get("/feeds/"+benchseed.Slug+"/program.atom").Body), &feed); err != nil || len(feed.Entries) != 500 {
			t.Errorf("the Atom feed: %v, %d entries", err, len(feed.Entries))
		}

		defer func(was int) { *program.SitemapPage = was }(*program.SitemapPage)
		*program.SitemapPage = 300
		var index struct {
			Sitemaps []struct {
				Loc string `xml:"loc"`
			} `xml:"sitemap"`
		}
		xml.Unmarshal([]byte(c.Get("/sitemap.xml").Body), &index)
		activities, units := 0, map[string]bool{}
		parts := 0
		for _, part := range index.Sitemaps {
			if !strings.Contains(part.Loc, "campaign="+benchseed.Slug+"&") {
				continue
			}
			parts++
			p, _ := url.Parse(part.Loc)
			var sm struct {
				URLs []struct {
					Loc string `xml:"loc"`
				} `xml:"url"`
			}
			xml.Unmarshal([]byte(c.Get(p.RequestURI()).Body), &sm)
			if len(sm.URLs) > 2*300 {
				t.Errorf("%s lists %d addresses", part.Loc, len(sm.URLs))
			}
			for _, u := range sm.URLs {
				switch {
				case strings.Contains(u.Loc, "/activities/"):
					activities++
				case units[u.Loc]:
					t.Errorf("%s listed twice", u.Loc)
				default:
					units[u.Loc] = true
				}
			}
		}
		if parts != 3 || activities != 700 || len(units) != 40 {
			t.Errorf("the sitemap: %d parts, %d activities, %d unit pages", parts, activities, len(units))
		}
	})
}
