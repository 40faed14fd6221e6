package news

import (
	"cmp"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/i18n"
	"github.com/sciweek/sciweek/internal/review"
	"github.com/sciweek/sciweek/internal/sharecard"
	"github.com/sciweek/sciweek/internal/web"
)

//go:embed templates/*.html
var Templates embed.FS

// Handlers serves the publicity pages, feeds and API.
type Handlers struct {
	Service *Service
	Server  *web.Server
	// BaseURL is the site's public address for absolute links (Open Graph,
	// feeds, QR codes); empty, they follow the request.
	BaseURL string
	// Limiter counts the public requests per client address.
	Limiter *web.Limiter
}

// Routes registers the publicity paths.
func (h *Handlers) Routes(mux web.Router) {
	pub := func(pattern string, fn http.HandlerFunc) { mux.HandleFunc(pattern, h.Server.Limited(h.Limiter, fn)) }
	pub("GET /campaigns/{slug}/news", h.section)
	pub("GET /campaigns/{slug}/news/{section}", h.section)
	pub("GET /news/{id}", h.article)
	pub("GET /news/{id}/qr.png", h.qr)
	pub("GET /news/{id}/cover", h.cover)
	pub("GET /news/{id}/card.png", h.card)
	pub("GET /feeds/{slug}/news/{file}", h.feed)
	pub("GET /api/v1/campaigns/{slug}/articles", h.apiList)
	pub("GET /api/v1/articles/{id}", h.apiGet)

	mux.HandleFunc("GET /campaigns/{slug}/articles", h.manage)
	mux.HandleFunc("GET /campaigns/{slug}/articles/new", h.newForm)
	mux.HandleFunc("POST /campaigns/{slug}/articles/new", h.create)
	mux.HandleFunc("GET /news/{id}/edit", h.editForm)
	mux.HandleFunc("POST /news/{id}/edit", h.update)
	mux.HandleFunc("POST /news/{id}/approve", h.decide)
	mux.HandleFunc("POST /news/{id}/return", h.decide)
	mux.HandleFunc("POST /news/{id}/decide", h.decide)
	mux.HandleFunc("POST /news/{id}/reopen", h.reopen)
	mux.HandleFunc("POST /news/{id}/pin", h.pin)
	mux.HandleFunc("GET /admin/campaigns/{slug}/sections", h.sectionsForm)
	mux.HandleFunc("POST /admin/campaigns/{slug}/sections", h.saveSections)
	mux.HandleFunc("GET /campaigns/{slug}/coverage", h.coverage)
	mux.HandleFunc("POST /campaigns/{slug}/coverage", h.addCoverage)
	mux.HandleFunc("GET /coverage/{id}/clipping", h.clipping)
}

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	h.Server.Renderer.Render(w, r, status, "news/"+name, data)
}

func (h *Handlers) baseURL(r *http.Request) string { return web.BaseURL(r, h.BaseURL) }

func (h *Handlers) campaign(w http.ResponseWriter, r *http.Request) (campaign.Campaign, bool) {
	c, err := h.Service.Campaigns.Get(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.Server.Error(w, r, err)
		return c, false
	}
	return c, true
}

func (h *Handlers) load(w http.ResponseWriter, r *http.Request) (Article, campaign.Campaign, bool) {
	id := web.FormID(r.PathValue("id"))
	a, err := h.Service.Get(r.Context(), id)
	if err == nil {
		var c campaign.Campaign
		if c, err = h.Service.Campaigns.Get(r.Context(), a.CampaignSlug); err == nil {
			return a, c, true
		}
	}
	h.Server.Error(w, r, err)
	return a, campaign.Campaign{}, false
}

// tab is a section as a tab of the news pages.
type tab struct {
	Section
	Label   string
	Current bool
}

type sectionPage struct {
	web.Page
	C        campaign.Campaign
	Tabs     []tab
	Section  *tab
	Articles []Article
	Total    int
	PageNo   int
	Next     int
	Feed     string
	CanWrite bool
}

func (h *Handlers) section(w http.ResponseWriter, r *http.Request) {
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	secs, err := h.Service.Sections(r.Context(), c)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page, perPage, err := web.Paging(r, 20)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	code := r.PathValue("section")
	p := sectionPage{Page: web.PageFor(r, "news.title.all", c.Title), C: c, PageNo: page, CanWrite: account.FromContext(r.Context()) != nil}
	lang := web.Lang(r.Context())
	for _, s := range secs {
		t := tab{Section: s, Label: s.Label(lang), Current: s.Code == code}
		p.Tabs = append(p.Tabs, t)
		if t.Current {
			p.Section = &p.Tabs[len(p.Tabs)-1]
		}
	}
	if code != "" && p.Section == nil {
		h.Server.Error(w, r, errs.NotFoundf("section %s", code))
		return
	}
	if p.Section != nil {
		p.Title = p.Section.Label + " · " + c.Title
		p.Feed = "/feeds/" + c.Slug + "/news/" + code + ".atom"
	}
	p.Articles, p.Total, err = h.Service.Published(r.Context(), c, Query{Section: code, Page: page, PerPage: perPage})
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if page*perPage < p.Total {
		p.Next = page + 1
	}
	h.render(w, r, http.StatusOK, "section.html", p)
}

type articlePage struct {
	web.Page
	C         campaign.Campaign
	A         Article
	Section   string
	Public    bool
	Scheduled bool
	CanEdit   bool
	CanReview bool
	CanPin    bool
	QR        string
	JSONLD    template.JS
	CanReopen bool
	Events    []review.Event
	// Errors, Summary and Comment re-show a refused decision.
	Errors  map[string]string
	Summary string
	Comment string
}

func (h *Handlers) article(w http.ResponseWriter, r *http.Request) {
	a, c, ok := h.load(w, r)
	if !ok {
		return
	}
	h.showArticle(w, r, c, a, http.StatusOK, nil)
}

func (h *Handlers) showArticle(w http.ResponseWriter, r *http.Request, c campaign.Campaign, a Article, status int, fail error) {
	ctx := r.Context()
	now := h.Service.now()
	base := h.baseURL(r)
	p := articlePage{Page: web.PageFor(r, ""), C: c, A: a, Public: a.Public(now), Scheduled: a.Scheduled(now),
		CanEdit: h.Service.CanEdit(ctx, c, a), CanReview: h.Service.CanReview(ctx, a), CanPin: h.Service.Campaigns.CanEdit(ctx, c) && a.Live,
		CanReopen: h.Service.allowed(ctx, a, review.Reopen)}
	if fail != nil {
		p.Errors, p.Summary, _ = web.FormErrors(r, fail)
		p.Comment = r.PostFormValue("comment")
	}
	var err error
	if p.Events, err = h.Service.Events(ctx, a.ID); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	p.Title = a.Title
	if sec, err := h.Service.Section(ctx, c, a.SectionCode); err == nil {
		p.Section = sec.Label(p.Lang)
	}
	p.QR = a.URL() + "/qr.png"
	p.Share = web.ShareFor(r, base, "article", a.Title, cmp.Or(a.Summary, c.Title), a.URL()+"/card.png?v="+articleCard(a, c).Version("article"))
	p.Share.URL = base + a.URL()
	img := p.Share.Image
	if a.CoverKey != "" {
		img = base + a.URL() + "/cover"
		p.Share.Image, p.Share.Square = img, ""
	}
	ld, err := json.Marshal(newsArticleLD(a, c, base, img))
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	p.JSONLD = template.JS(ld) // json.Marshal escapes <, > and &
	// The body may embed players from the allowed video hosts.
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: https:; media-src 'self'; style-src 'self'; script-src 'self'; frame-src "+frameHosts()+"; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
	h.render(w, r, status, "article.html", p)
}

func frameHosts() string {
	var hs []string
	for _, v := range VideoHosts {
		hs = append(hs, "https://"+v)
	}
	return strings.Join(hs, " ")
}

// newsArticleLD is an article as schema.org NewsArticle.
func newsArticleLD(a Article, c campaign.Campaign, base, image string) map[string]any {
	return map[string]any{
		"@context":         "https://schema.org",
		"@type":            "NewsArticle",
		"headline":         a.Title,
		"description":      a.Summary,
		"datePublished":    a.PublishAt.Format(time.RFC3339),
		"dateModified":     a.UpdatedAt.Format(time.RFC3339),
		"image":            []string{image},
		"mainEntityOfPage": base + a.URL(),
		"author":           map[string]any{"@type": "Organization", "name": a.OrgName},
		"publisher":        map[string]any{"@type": "Organization", "name": c.OwnerName},
		"isPartOf":         map[string]any{"@type": "Event", "name": c.Title, "url": base + "/campaigns/" + c.Slug},
	}
}

// QRPNG is the QR code of an absolute URL, as a PNG of 320 pixels.
func QRPNG(url string) ([]byte, error) { return qrcode.Encode(url, qrcode.Medium, 320) }

func (h *Handlers) qr(w http.ResponseWriter, r *http.Request) {
	a, _, ok := h.load(w, r)
	if !ok {
		return
	}
	png, err := QRPNG(h.baseURL(r) + a.URL())
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(png)
}

// cards keeps the drawn share pictures of articles.
var cards = sharecard.NewCache()

// articleCard is what an article's share picture says when it has no
// cover, in Chinese, the language of the shared links' readers.
func articleCard(a Article, c campaign.Campaign) sharecard.Card {
	zh := i18n.For(i18n.Chinese)
	return sharecard.Card{Kicker: c.Title, Title: a.Title, Lines: []string{zh.Date(a.PublishAt), a.OrgName}, Footer: zh.T("share.card.footer")}
}

// card draws an article's share picture.
func (h *Handlers) card(w http.ResponseWriter, r *http.Request) {
	a, c, ok := h.load(w, r)
	if !ok {
		return
	}
	card := articleCard(a, c)
	if err := cards.ServeCard(w, r, "article", card); err != nil {
		h.Server.Error(w, r, err)
	}
}

func (h *Handlers) cover(w http.ResponseWriter, r *http.Request) {
	id := web.FormID(r.PathValue("id"))
	a, obj, mod, err := h.Service.OpenCover(r.Context(), id)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	defer obj.Close()
	web.ServeFile(w, r, obj, mod, "cover-"+strconv.FormatInt(a.ID, 10), a.CoverType, true)
}
