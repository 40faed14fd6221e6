package news

import (
	"net/http"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/web"
)

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
	feed := web.NewAtomFeed(lang, sec.Label(lang)+" · "+c.Title, c.OwnerName, base+"/campaigns/"+c.Slug+"/news/"+code, base+r.URL.Path)
	for _, a := range as {
		feed.Add(web.AtomItem{URL: base + a.URL(), Title: a.Title, Author: a.OrgName, Summary: a.Summary, Updated: a.UpdatedAt, Published: a.PublishAt})
	}
	h.Server.WriteAtom(w, r, feed, c.UpdatedAt)
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
	id := web.FormID(r.PathValue("id"))
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
