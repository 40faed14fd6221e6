package program

import (
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/skip2/go-qrcode"

	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/web"
)

func itoa(n int) string     { return strconv.Itoa(n) }
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// icsHeader starts a calendar download.
func icsHeader(w http.ResponseWriter, filename string) {
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
}

// feedMax is the most activities an Atom feed lists: the first of the
// filtered program, in its order. A reader subscribes to a day, an area
// or a city to follow more.
const feedMax = 500

// errEnough stops a walk of the program that has what it needs.
var errEnough = errors.New("enough")

// programICS streams the filtered program as a calendar, reading the
// activities in batches, so a national program costs the server a batch
// at a time, not the whole document.
func (h *Handlers) programICS(w http.ResponseWriter, r *http.Request) {
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	f, _ := h.Service.ParseFilter(r.Context(), c, r.URL.Query())
	_, switched := h.Service.Switched(r.Context(), c)
	base, stamp := h.baseURL(r), h.Service.Now()
	out := &sentWriter{w: w}
	bw := bufio.NewWriterSize(out, 32<<10)
	cal := NewCalendar(bw)
	icsHeader(w, "sciweek-"+c.Slug+".ics")
	cal.icsProgram(c.Title)
	err := h.Service.Each(r.Context(), c, f, func(a Activity) error {
		cal.events(base, a, switched, stamp)
		return out.err
	})
	if err != nil && out.n == 0 {
		w.Header().Del("Content-Disposition")
		h.Server.Error(w, r, err)
		return
	}
	if err != nil {
		h.Server.Log.Warn("calendar cut short", "campaign", c.Slug, "err", err)
		return
	}
	cal.end()
	bw.Flush()
}

// sentWriter counts what has gone to the client, and keeps the first
// error (a client gone), so a stream knows whether an error page can
// still be sent and when to stop.
type sentWriter struct {
	w   io.Writer
	n   int
	err error
}

func (s *sentWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	s.n += n
	s.err = err
	return n, err
}

func (h *Handlers) activityICS(w http.ResponseWriter, r *http.Request) {
	a, c, ok := h.activity(w, r)
	if !ok {
		return
	}
	_, switched := h.Service.Switched(r.Context(), c)
	var b strings.Builder
	cal := NewCalendar(&b)
	cal.icsProgram(c.Title)
	cal.events(h.baseURL(r), a, switched, h.Service.Now())
	cal.end()
	icsHeader(w, "sciweek-activity-"+itoa64(a.ID)+".ics")
	io.WriteString(w, b.String())
}

func (h *Handlers) atom(w http.ResponseWriter, r *http.Request) {
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	f, _ := h.Service.ParseFilter(r.Context(), c, r.URL.Query())
	base := h.baseURL(r)
	l := web.L(r.Context())
	page := base + "/campaigns/" + c.Slug + "/program"
	feed := web.NewAtomFeed(l.Lang, c.Title, c.OwnerName, page, base+r.URL.RequestURI())
	err := h.Service.Each(r.Context(), c, f, func(a Activity) error {
		if len(feed.Entries) == feedMax {
			return errEnough
		}
		feed.Add(web.AtomItem{URL: base + "/activities/" + itoa64(a.ID), Title: a.Title, Author: a.UnitName, Category: a.CategoryName,
			Summary: l.DateTime(a.Start) + " · " + a.UnitName + " · " + a.Address + "\n" + a.Content, Updated: a.UpdatedAt})
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		h.Server.Error(w, r, err)
		return
	}
	h.Server.WriteAtom(w, r, feed, c.UpdatedAt)
}

func (h *Handlers) writeQR(w http.ResponseWriter, r *http.Request, url string) {
	png, err := qrcode.Encode(url, qrcode.Medium, 320)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(png)
}

func (h *Handlers) activityQR(w http.ResponseWriter, r *http.Request) {
	a, _, ok := h.activity(w, r)
	if !ok {
		return
	}
	h.writeQR(w, r, h.baseURL(r)+"/activities/"+itoa64(a.ID))
}

func (h *Handlers) campaignQR(w http.ResponseWriter, r *http.Request) {
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	h.writeQR(w, r, h.baseURL(r)+"/campaigns/"+c.Slug+"/program")
}

type urlset struct {
	XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []siteURL
}

type siteURL struct {
	XMLName xml.Name `xml:"url"`
	Loc     string   `xml:"loc"`
	LastMod string   `xml:"lastmod,omitempty"`
}

type sitemapIndex struct {
	XMLName  xml.Name      `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemapindex"`
	Sitemaps []sitemapPart `xml:"sitemap"`
}

type sitemapPart struct {
	Loc string `xml:"loc"`
}

// sitemapPage is how many activities one part of the sitemap lists: with
// the pages of the units first seen among them, at most 50,000 addresses,
// the protocol's bound. Tests set it lower.
var sitemapPage = 25000

// sitemap answers /sitemap.xml: without a query, an index of its parts
// (the site's pages, then each public campaign's activities and units,
// in parts of sitemapPage activities); with part=site or campaign=SLUG
// and page=N, that part. So a national program is listed, and each
// answer stays small.
func (h *Handlers) sitemap(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	base := h.baseURL(r)
	q := r.URL.Query()
	cs, err := h.Service.Campaigns.List(ctx, campaign.Filter{})
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	var doc any
	switch {
	case q.Get("part") == "site":
		set := urlset{URLs: []siteURL{{Loc: base + "/"}}}
		for _, c := range cs {
			set.URLs = append(set.URLs, siteURL{Loc: base + "/campaigns/" + c.Slug, LastMod: c.UpdatedAt.Format("2006-01-02")},
				siteURL{Loc: base + "/campaigns/" + c.Slug + "/notice"},
				siteURL{Loc: base + "/campaigns/" + c.Slug + "/program"},
				siteURL{Loc: base + "/campaigns/" + c.Slug + "/activities"})
			for _, d := range c.Days() {
				set.URLs = append(set.URLs, siteURL{Loc: base + "/campaigns/" + c.Slug + "/days/" + d.Format("2006-01-02")})
			}
		}
		doc = set
	case q.Has("campaign"):
		i := slices.IndexFunc(cs, func(c campaign.Campaign) bool { return c.Slug == q.Get("campaign") && c.State != campaign.StateDraft })
		page, _ := strconv.Atoi(q.Get("page"))
		if i < 0 || page < 1 {
			h.Server.Error(w, r, errs.NotFoundf("no such part of the sitemap"))
			return
		}
		set, err := h.sitemapOf(ctx, base, cs[i], page)
		if err != nil {
			h.Server.Error(w, r, err)
			return
		}
		doc = set
	default:
		listed, err := db.Pairs[int64, int](ctx, h.Service.DB, `SELECT campaign_id, COUNT(*) FROM program_activities WHERE listed = TRUE GROUP BY campaign_id`)
		if err != nil {
			h.Server.Error(w, r, err)
			return
		}
		index := sitemapIndex{Sitemaps: []sitemapPart{{base + "/sitemap.xml?part=site"}}}
		for _, c := range cs {
			if c.State == campaign.StateDraft {
				continue
			}
			for page := 1; page == 1 || (page-1)*sitemapPage < listed[c.ID]; page++ {
				index.Sitemaps = append(index.Sitemaps, sitemapPart{base + "/sitemap.xml?campaign=" + url.QueryEscape(c.Slug) + "&page=" + itoa(page)})
			}
		}
		doc = index
	}
	out, err := xml.MarshalIndent(doc, "", " ")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	w.Write(out)
}

// sitemapOf is a part of the sitemap: the campaign's own activities of
// the page, and the pages of the units first seen among them.
func (h *Handlers) sitemapOf(ctx context.Context, base string, c campaign.Campaign, page int) (urlset, error) {
	es, err := h.Service.Entries(ctx, c)
	if err != nil {
		return urlset{}, err
	}
	from := (page - 1) * sitemapPage
	if from >= len(es) && page > 1 {
		return urlset{}, errs.NotFoundf("the sitemap of %s has no page %d", c.Slug, page)
	}
	units := map[string]bool{}
	for _, a := range es[:min(from, len(es))] {
		units[a.UnitCode] = true
	}
	var set urlset
	for _, a := range es[min(from, len(es)):min(from+sitemapPage, len(es))] {
		set.URLs = append(set.URLs, siteURL{Loc: base + "/activities/" + itoa64(a.ID), LastMod: a.Changed.Format("2006-01-02")})
		if !units[a.UnitCode] {
			units[a.UnitCode] = true
			set.URLs = append(set.URLs, siteURL{Loc: base + "/campaigns/" + c.Slug + "/units/" + a.UnitCode})
		}
	}
	return set, nil
}
