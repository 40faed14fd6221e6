package news

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/web"
)

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     atomText   `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Link      atomLink   `xml:"link"`
	Author    atomAuthor `xml:"author"`
	Summary   atomText   `xml:"summary"`
}

// feed is a section's Atom feed: /feeds/{slug}/news/{section}.atom.
func (h *Handlers) feed(w http.ResponseWriter, r *http.Request) {
	code, ok := strings.CutSuffix(r.PathValue("file"), ".atom")
	if !ok {
		h.Server.Error(w, r, errs.NotFoundf("feed %s", r.PathValue("file")))
		return
	}
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	sec, err := h.Service.Section(r.Context(), c, code)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	as, _, err := h.Service.Published(r.Context(), c, Query{Section: code, PerPage: 50})
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	base := h.baseURL(r)
	lang := web.Lang(r.Context())
	page := base + "/campaigns/" + c.Slug + "/news/" + code
	feed := atomFeed{Lang: lang, ID: page, Title: sec.Label(lang) + " · " + c.Title, Author: atomAuthor{c.OwnerName},
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: base + r.URL.Path}, {Rel: "alternate", Type: "text/html", Href: page}}}
	updated := c.UpdatedAt
	for _, a := range as {
		if a.UpdatedAt.After(updated) {
			updated = a.UpdatedAt
		}
		u := base + a.URL()
		feed.Entries = append(feed.Entries, atomEntry{ID: u, Title: atomText{"text", a.Title}, Updated: a.UpdatedAt.Format(time.RFC3339),
			Published: a.PublishAt.Format(time.RFC3339), Link: atomLink{Rel: "alternate", Type: "text/html", Href: u},
			Author: atomAuthor{a.OrgName}, Summary: atomText{"text", a.Summary}})
	}
	feed.Updated = updated.Format(time.RFC3339)
	out, err := xml.MarshalIndent(feed, "", " ")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	w.Write(out)
}

// APIArticle is an article in the API's answers.
type APIArticle struct {
	ID        int64     `json:"id"`
	Section   string    `json:"section"`
	Title     string    `json:"title"`
	Summary   string    `json:"summary"`
	Body      string    `json:"body,omitempty"`
	BodyHTML  string    `json:"body_html,omitempty"`
	Link      string    `json:"link,omitempty"`
	Unit      string    `json:"unit"`
	UnitName  string    `json:"unit_name"`
	Pinned    bool      `json:"pinned"`
	Published time.Time `json:"published"`
	Updated   time.Time `json:"updated"`
	Cover     string    `json:"cover,omitempty"`
	URL       string    `json:"url"`
}

func (h *Handlers) apiArticle(r *http.Request, a Article, full bool) APIArticle {
	base := h.baseURL(r)
	out := APIArticle{ID: a.ID, Section: a.SectionCode, Title: a.Title, Summary: a.Summary, Link: a.Link, Unit: a.OrgCode, UnitName: a.OrgName,
		Pinned: a.Pinned, Published: a.PublishAt, Updated: a.UpdatedAt, URL: base + a.URL()}
	if a.CoverKey != "" {
		out.Cover = base + a.URL() + "/cover"
	}
	if full {
		out.Body, out.BodyHTML = a.Body, string(a.BodyHTML())
	}
	return out
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) {
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	page, perPage, err := web.Paging(r, 20)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	code := r.URL.Query().Get("section")
	if code != "" {
		if _, err := h.Service.Section(r.Context(), c, code); err != nil {
			f := errs.Fields{}
			f.Add("section", "news.error.section")
			h.Server.Error(w, r, f.Err())
			return
		}
	}
	as, total, err := h.Service.Published(r.Context(), c, Query{Section: code, Page: page, PerPage: perPage})
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	list := web.List[APIArticle]{Items: []APIArticle{}, Total: total, Page: page, PerPage: perPage}
	for _, a := range as {
		if a.ID == 0 {
			continue // the notice has its own answer under /api/v1/campaigns
		}
		list.Items = append(list.Items, h.apiArticle(r, a, false))
	}
	web.JSON(w, r, http.StatusOK, list)
}

func (h *Handlers) apiGet(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	a, err := h.Service.Get(r.Context(), id)
	if err == nil && !a.Public(h.Service.now()) {
		err = errs.NotFoundf("article %d is not public", id)
	}
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.JSON(w, r, http.StatusOK, h.apiArticle(r, a, true))
}
