package program

import (
	"encoding/xml"
	"net/http"
	"strconv"

	"github.com/skip2/go-qrcode"

	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/web"
)

func itoa(n int) string     { return strconv.Itoa(n) }
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func (h *Handlers) writeICS(w http.ResponseWriter, filename, body string) {
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.Write([]byte(body))
}

// listed loads the campaign of the path and its activities: those the
// query's filters select when filtered, else all.
func (h *Handlers) listed(w http.ResponseWriter, r *http.Request, filtered bool) (campaign.Campaign, []Activity, bool) {
	c, ok := h.campaign(w, r)
	if !ok {
		return c, nil, false
	}
	var f Filter
	if filtered {
		f, _ = h.Service.ParseFilter(r.Context(), c, r.URL.Query())
	}
	as, err := h.Service.List(r.Context(), c, f)
	if err != nil {
		h.Server.Error(w, r, err)
		return c, nil, false
	}
	return c, as, true
}

func (h *Handlers) programICS(w http.ResponseWriter, r *http.Request) {
	c, as, ok := h.listed(w, r, true)
	if !ok {
		return
	}
	_, switched := h.Service.Switched(r.Context(), c)
	h.writeICS(w, "sciweek-"+c.Slug+".ics", icsDocument(h.baseURL(r), c.Title, as, switched, h.Service.Now()))
}

func (h *Handlers) activityICS(w http.ResponseWriter, r *http.Request) {
	a, c, ok := h.activity(w, r)
	if !ok {
		return
	}
	_, switched := h.Service.Switched(r.Context(), c)
	h.writeICS(w, "sciweek-activity-"+itoa64(a.ID)+".ics", icsDocument(h.baseURL(r), c.Title, []Activity{a}, switched, h.Service.Now()))
}

func (h *Handlers) atom(w http.ResponseWriter, r *http.Request) {
	c, as, ok := h.listed(w, r, true)
	if !ok {
		return
	}
	base := h.baseURL(r)
	l := web.L(r.Context())
	page := base + "/campaigns/" + c.Slug + "/program"
	feed := web.NewAtomFeed(l.Lang, c.Title, c.OwnerName, page, base+r.URL.RequestURI())
	for _, a := range as {
		feed.Add(web.AtomItem{URL: base + "/activities/" + itoa64(a.ID), Title: a.Title, Author: a.UnitName, Category: a.CategoryName,
			Summary: l.DateTime(a.Start) + " · " + a.UnitName + " · " + a.Address + "\n" + a.Content, Updated: a.UpdatedAt})
	}
	h.Server.WriteAtom(w, r, feed, c.UpdatedAt)
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

func (h *Handlers) sitemap(w http.ResponseWriter, r *http.Request) {
	cs, err := h.Service.Campaigns.List(r.Context(), campaign.Filter{})
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	base := h.baseURL(r)
	set := urlset{URLs: []siteURL{{Loc: base + "/"}}}
	for _, c := range cs {
		set.URLs = append(set.URLs, siteURL{Loc: base + "/campaigns/" + c.Slug, LastMod: c.UpdatedAt.Format("2006-01-02")},
			siteURL{Loc: base + "/campaigns/" + c.Slug + "/notice"},
			siteURL{Loc: base + "/campaigns/" + c.Slug + "/program"},
			siteURL{Loc: base + "/campaigns/" + c.Slug + "/activities"})
		for _, d := range c.Days() {
			set.URLs = append(set.URLs, siteURL{Loc: base + "/campaigns/" + c.Slug + "/days/" + d.Format("2006-01-02")})
		}
		if c.State == campaign.StateDraft {
			continue
		}
		es, err := h.Service.Entries(r.Context(), c)
		if err != nil {
			h.Server.Error(w, r, err)
			return
		}
		units := map[string]bool{}
		for _, a := range es {
			set.URLs = append(set.URLs, siteURL{Loc: base + "/activities/" + itoa64(a.ID), LastMod: a.Changed.Format("2006-01-02")})
			if !units[a.UnitCode] {
				units[a.UnitCode] = true
				set.URLs = append(set.URLs, siteURL{Loc: base + "/campaigns/" + c.Slug + "/units/" + a.UnitCode})
			}
		}
	}
	out, err := xml.MarshalIndent(set, "", " ")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	w.Write(out)
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
