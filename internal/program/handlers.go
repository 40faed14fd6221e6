package program

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/web"
)

//go:embed templates/*.html
var Templates embed.FS

// MapPresets are the map link patterns an operator can name.
var MapPresets = map[string]string{
	"amap":  "https://uri.amap.com/search?keyword={address}",
	"baidu": "https://api.map.baidu.com/geocoder?address={address}&output=html&src=sciweek",
	"osm":   "https://www.openstreetmap.org/search?query={address}",
}

// MapPattern reads the map link setting: a preset name, or an http(s) URL
// holding {address}.
func MapPattern(s string) (string, error) {
	s = strings.TrimSpace(s)
	if p, ok := MapPresets[strings.ToLower(s)]; ok {
		return p, nil
	}
	u, err := url.Parse(strings.ReplaceAll(s, "{address}", "x"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || !strings.Contains(s, "{address}") {
		return "", fmt.Errorf("%q is neither amap, baidu, osm nor an http(s) URL holding {address}", s)
	}
	return s, nil
}

// PerPage is how many activities a program page lists.
const PerPage = 20

// Handlers serves the public program: pages, API, feeds and open data.
type Handlers struct {
	Service *Service
	Server  *web.Server
	// MapURL is the map link pattern with {address}.
	MapURL string
	// BaseURL is the site's public address, such as https://kjz.example.cn.
	BaseURL string
	// Limiter counts, per client address, the public answers that are not
	// in the cache.
	Limiter *web.Limiter
}

// Routes registers the program's paths.
func (h *Handlers) Routes(mux web.Router) {
	pub := func(pattern string, fn http.HandlerFunc) {
		mux.HandleFunc(pattern, h.Service.Cache.Wrap(h.Server.Limited(h.Limiter, fn)))
	}
	pub("GET /campaigns/{slug}/program", h.home)
	pub("GET /campaigns/{slug}/activities", h.list)
	pub("GET /campaigns/{slug}/days/{day}", h.day)
	pub("GET /campaigns/{slug}/units/{code}", h.unit)
	pub("GET /activities/{id}", h.show)
	pub("GET /activities/{id}/calendar.ics", h.activityICS)
	pub("GET /activities/{id}/qr.png", h.activityQR)
	pub("GET /campaigns/{slug}/qr.png", h.campaignQR)
	pub("GET /campaigns/{slug}/card.png", h.campaignCard)
	pub("GET /activities/{id}/card.png", h.activityCard)
	pub("GET /campaigns/{slug}/units/{code}/card.png", h.unitCard)
	pub("GET /feeds/{slug}/program.ics", h.programICS)
	pub("GET /feeds/{slug}/program.atom", h.atom)
	pub("GET /opendata/{slug}/activities.csv", h.openCSV)
	pub("GET /opendata/{slug}/activities.json", h.openJSON)
	pub("GET /sitemap.xml", h.sitemap)
	pub("GET /api/v1/campaigns/{slug}/activities", h.apiList)
	pub("GET /api/v1/activities/{id}", h.apiGet)

	mux.HandleFunc("GET /admin/campaigns/{slug}/online", h.switchForm)
	mux.HandleFunc("POST /admin/campaigns/{slug}/online", h.switchPost)
}

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, name string, data any) {
	h.Server.Renderer.Render(w, r, http.StatusOK, "program/"+name, data)
}

// base is what every program page shows: the campaign and its switch.
type base struct {
	web.Page
	C      campaign.Campaign
	Switch *Switch
	Base   string // scheme and host, for absolute links
	// JSONLD is structured data for search engines, already escaped.
	JSONLD template.JS
}

// DayTab is one day of the week as a tab.
type DayTab struct {
	Date    string
	Label   string
	Count   int
	Current bool
}

// Card is an activity as a list shows it.
type Card struct {
	Activity
	TitleHTML   template.HTML
	SnippetHTML template.HTML
	When        string
	ModeLabel   string
}

func (b base) modeLabel(m Mode) string { return b.T("program.mode." + string(m)) }

// When writes an activity's time in the page's language.
func (b base) When(a Activity) string {
	s, e := a.Start.In(clock.Zone), a.End.In(clock.Zone)
	if len(a.Sessions) > 1 {
		days := b.Date(s) + " " + b.Weekday(s)
		if !dayOf(s).Equal(dayOf(e)) {
			days = b.DateRange(dayOf(s), dayOf(e))
		}
		return days + " · " + b.T("program.sessions", len(a.Sessions))
	}
	if s.Format("2006-01-02") == e.Format("2006-01-02") {
		return b.Date(s) + " " + b.Weekday(s) + " " + s.Format("15:04") + "–" + e.Format("15:04")
	}
	return b.DateTime(s) + " – " + b.DateTime(e)
}

// SessionText writes one session.
func (b base) SessionText(s Session) string {
	st, en := s.Start.In(clock.Zone), s.End.In(clock.Zone)
	return b.Date(st) + " " + b.Weekday(st) + " " + st.Format("15:04") + "–" + en.Format("15:04")
}

// Term names a category or audience code in the page's language.
func (b base) Term(terms []campaign.Term, code string) string {
	for _, t := range terms {
		if t.Code == code {
			return t.Label(b.Lang)
		}
	}
	return code
}

// Category names the activity's focus area in the page's language.
func (b base) Category(a Activity) string { return b.Term(b.C.Categories, a.CategoryCode) }

// Audiences names the activity's audiences in the page's language.
func (b base) Audiences(a Activity) []string {
	var out []string
	for _, c := range a.AudienceCodes {
		out = append(out, b.Term(b.C.Audiences, c))
	}
	return out
}

func (h *Handlers) base(r *http.Request, c campaign.Campaign, titleKey string, args ...any) base {
	b := base{Page: web.PageFor(r, titleKey, args...), C: c, Base: h.baseURL(r)}
	if sw, ok := h.Service.Switched(r.Context(), c); ok {
		b.Switch = &sw
	}
	b.Share = b.shareFor(r, "website", b.Title, c.Title+" · "+c.Theme, campaign.CardPath(c))
	return b
}

// baseURL is where the site is reached, for absolute links.
func (h *Handlers) baseURL(r *http.Request) string { return web.BaseURL(r, h.BaseURL) }

func (h *Handlers) cards(b base, as []Activity, terms []string) []Card {
	out := make([]Card, len(as))
	for i, a := range as {
		out[i] = Card{Activity: a, TitleHTML: Highlight(a.Title, terms), When: b.When(a), ModeLabel: b.modeLabel(a.Mode)}
		if len(terms) > 0 {
			out[i].SnippetHTML = Highlight(Snippet(a.Content, terms, 60), terms)
		}
	}
	return out
}

func (h *Handlers) campaign(w http.ResponseWriter, r *http.Request) (campaign.Campaign, bool) {
	c, err := h.Service.Campaign(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.Server.Error(w, r, err)
		return c, false
	}
	return c, true
}

func (h *Handlers) dayTabs(b base, o Overview, current string) []DayTab {
	var tabs []DayTab
	for _, d := range b.C.Days() {
		k := d.Format("2006-01-02")
		label := fmt.Sprintf("%d/%d %s", d.Month(), d.Day(), b.Weekday(d))
		if b.Lang != "en" {
			label = fmt.Sprintf("%d月%d日 %s", d.Month(), d.Day(), b.Weekday(d))
		}
		tabs = append(tabs, DayTab{Date: k, Label: label, Count: o.PerDay[k], Current: k == current})
	}
	return tabs
}

type homePage struct {
	base
	Overview       Overview
	Days           []DayTab
	Highlights     []Card
	HighlightCards template.HTML
}

func (h *Handlers) home(w http.ResponseWriter, r *http.Request) {
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	o, err := h.Service.Overview(r.Context(), c)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	hl, err := h.Service.Highlights(r.Context(), c)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	p := homePage{base: h.base(r, c, "program.title.home", c.Title), Overview: o}
	p.Days = h.dayTabs(p.base, o, "")
	p.Highlights = h.cards(p.base, hl, nil)
	p.HighlightCards = p.cardList(p.Highlights, true, nil)
	h.render(w, r, "home.html", p)
}

// Option is one choice of a filter.
type Option struct {
	Value, Label string
	Selected     bool
}

// Options are a filter's choices; HTML writes them as a select's options.
type Options []Option

type listPage struct {
	base
	Filter  Filter
	Applied int // filters applied besides the query
	Ignored []string
	Days    Options
	levels
	Categories Options
	Audiences  Options
	ModeOpts   Options
	Items      []Card
	Cards      template.HTML
	Total      int
	Page       int
	Pages      int
	PrevURL    string
	NextURL    string
	FirstURL   string
	ICSURL     string
	PastEnd    bool
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	f, ignored := h.Service.ParseFilter(r.Context(), c, r.URL.Query())
	page, ok := web.PageNumber(r)
	if !ok {
		ignored = append(ignored, "page")
	}
	items, total, err := h.Service.Cards(r.Context(), c, f, page, PerPage)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	o, err := h.Service.Overview(r.Context(), c)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	p := listPage{base: h.base(r, c, "program.title.list", c.Title), Filter: f, Total: total, Page: page}
	p.Applied = len(f.Values())
	if f.Query != "" {
		p.Applied--
	}
	l := p.Localizer
	for _, k := range ignored {
		p.Ignored = append(p.Ignored, l.T("program.filter."+k))
	}
	for _, t := range h.dayTabs(p.base, o, f.Day) {
		p.Days = append(p.Days, Option{t.Date, t.Label, t.Current})
	}
	p.levels = levelOptions(o, f)
	for _, t := range c.Categories {
		p.Categories = append(p.Categories, Option{t.Code, t.Label(l.Lang), t.Code == f.Category})
	}
	for _, t := range c.Audiences {
		p.Audiences = append(p.Audiences, Option{t.Code, t.Label(l.Lang), t.Code == f.Audience})
	}
	for _, m := range Modes {
		p.ModeOpts = append(p.ModeOpts, Option{string(m), l.T("program.filter_mode." + string(m)), m == f.Mode})
	}
	p.Pages = (total + PerPage - 1) / PerPage
	if len(items) > 0 {
		p.Items = h.cards(p.base, items, f.Terms())
		p.Cards = p.cardList(p.Items, false, nil)
	} else if page > 1 {
		p.PastEnd = true
	}
	p.FirstURL, p.PrevURL, p.NextURL = pageLinks(r.URL.Path, f.Values(), page, p.Pages)
	if p.PastEnd {
		p.PrevURL = ""
	}
	p.ICSURL = "/feeds/" + c.Slug + "/program.ics"
	if v := f.Values(); len(v) > 0 {
		p.ICSURL += "?" + v.Encode()
	}
	h.render(w, r, "list.html", &p) // by reference: each method the page calls would copy it
}

type dayPage struct {
	base
	Day   string
	Label string // the day in the page's language, with its weekday
	Days  []DayTab
	Items []DayItem
	Cards template.HTML
	Pager
}

// Pager is where a paged list's neighbouring pages are.
type Pager struct {
	PageNo, Pages    int
	PrevURL, NextURL string
}

// pageLinks are the links to the first, previous and next pages of a
// list at path with the query v; page 1 has no page parameter.
func pageLinks(path string, v url.Values, page, pages int) (first, prev, next string) {
	link := func(n int) string {
		q := url.Values{}
		for k, x := range v {
			q[k] = x
		}
		if n > 1 {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return path
		}
		return path + "?" + q.Encode()
	}
	first = link(1)
	if page > 1 && page <= pages {
		prev = link(page - 1)
	}
	if page < pages {
		next = link(page + 1)
	}
	return first, prev, next
}

// pagerFor pages a list of total activities, PerPage a page.
func pagerFor(r *http.Request, page, total int) Pager {
	p := Pager{PageNo: page, Pages: (total + PerPage - 1) / PerPage}
	_, p.PrevURL, p.NextURL = pageLinks(r.URL.Path, nil, page, p.Pages)
	return p
}

// DayItem is an activity on a day, with its times that day.
type DayItem struct {
	Card
	Time string
}

func (h *Handlers) day(w http.ResponseWriter, r *http.Request) {
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	day := r.PathValue("day")
	d, err := campaign.ParseDate(day)
	if err != nil || d.Before(c.Start) || d.After(c.End) {
		h.Server.Error(w, r, errs.NotFoundf("day %s", day))
		return
	}
	page, _ := web.PageNumber(r)
	as, total, err := h.Service.Cards(r.Context(), c, Filter{Day: day}, page, PerPage)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	o, err := h.Service.Overview(r.Context(), c)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	p := dayPage{base: h.base(r, c, "program.title.day", c.Title, web.L(r.Context()).Date(d)), Day: day}
	p.Label = p.Date(d) + " " + p.Weekday(d)
	p.Days = h.dayTabs(p.base, o, day)
	p.Pager = pagerFor(r, page, total)
	cards := h.cards(p.base, as, nil)
	times := make([]string, len(cards))
	for i, card := range cards {
		var sessions []string
		for _, s := range card.SessionsOn(day) {
			sessions = append(sessions, s.Start.In(clock.Zone).Format("15:04")+"–"+s.End.In(clock.Zone).Format("15:04"))
		}
		times[i] = strings.Join(sessions, "、")
		p.Items = append(p.Items, DayItem{Card: card, Time: times[i]})
	}
	p.Cards = p.cardList(cards, false, times)
	h.render(w, r, "day.html", p)
}

type unitPage struct {
	base
	Unit  Unit
	Items []Card
	Cards template.HTML
	Pager
}

// unitActivities reads the unit named in the path and a page of its
// activities, with how many it has; a unit with none is not found.
func (h *Handlers) unitActivities(w http.ResponseWriter, r *http.Request, page int) (campaign.Campaign, []Activity, int, bool) {
	c, ok := h.campaign(w, r)
	if !ok {
		return c, nil, 0, false
	}
	code := r.PathValue("code")
	as, total, err := h.Service.Cards(r.Context(), c, Filter{Unit: code}, page, PerPage)
	if err == nil && total == 0 {
		err = errs.NotFoundf("unit %s has no activities", code)
	}
	if err != nil {
		h.Server.Error(w, r, err)
		return c, nil, 0, false
	}
	return c, as, total, true
}

func (h *Handlers) unit(w http.ResponseWriter, r *http.Request) {
	page, _ := web.PageNumber(r)
	c, as, total, ok := h.unitActivities(w, r, page)
	if !ok {
		return
	}
	if len(as) == 0 { // a page past the end: the first one
		if c, as, total, ok = h.unitActivities(w, r, 1); !ok {
			return
		}
		page = 1
	}
	code := r.PathValue("code")
	u := Unit{Code: code, Name: as[0].UnitName, DistrictCode: as[0].DistrictCode, DistrictName: as[0].DistrictName, Activities: total}
	p := unitPage{base: h.base(r, c, "program.title.unit", u.Name), Unit: u, Pager: pagerFor(r, page, total)}
	p.Share = p.shareFor(r, "website", u.Name, p.T("share.unit_description", u.Name, total, c.Title), unitCardPath(c, u))
	p.Items = h.cards(p.base, as, nil)
	p.Cards = p.cardList(p.Items, false, nil)
	h.render(w, r, "unit.html", p)
}

type showPage struct {
	base
	A       Activity
	MapURL  string
	Online  bool
	Contact campaign.Contact
}

// FieldValue formats a public field's value for reading.
func (p showPage) FieldValue(f Field) []string { return strings.Split(f.Value, "\n") }

func (h *Handlers) show(w http.ResponseWriter, r *http.Request) {
	a, c, ok := h.activity(w, r)
	if !ok {
		return
	}
	p := showPage{base: h.base(r, c, "program.title.show", a.Title), A: a, Contact: c.Contact}
	p.Share = p.shareFor(r, "website", a.Title, Snippet(a.Content, nil, 100), activityCardPath(c, a))
	p.Online = a.Online() || p.Switch != nil
	if a.Onsite() && a.Address != "" && h.MapURL != "" {
		p.MapURL = strings.ReplaceAll(h.MapURL, "{address}", url.QueryEscape(a.Address))
	}
	ld, _ := json.Marshal(eventLD(p.Base, c, a, p.Switch != nil))
	p.JSONLD = template.JS(ld) // json.Marshal escapes <, > and &
	h.render(w, r, "show.html", p)
}

func (h *Handlers) activity(w http.ResponseWriter, r *http.Request) (Activity, campaign.Campaign, bool) {
	id, err := ParseID(r.PathValue("id"))
	if err != nil {
		h.Server.Error(w, r, err)
		return Activity{}, campaign.Campaign{}, false
	}
	a, c, err := h.Service.Get(r.Context(), id)
	if err != nil {
		h.Server.Error(w, r, err)
		return a, c, false
	}
	return a, c, true
}

// eventLD is the schema.org Event of an activity.
func eventLD(base string, c campaign.Campaign, a Activity, switched bool) map[string]any {
	url := base + "/activities/" + strconv.FormatInt(a.ID, 10)
	mode := map[Mode]string{ModeOnsite: "OfflineEventAttendanceMode", ModeOnline: "OnlineEventAttendanceMode", ModeBoth: "MixedEventAttendanceMode"}[a.Mode]
	ev := map[string]any{
		"@context": "https://schema.org", "@type": "Event", "name": a.Title, "description": a.Content, "url": url,
		"startDate": a.Start.Format(time.RFC3339), "endDate": a.End.Format(time.RFC3339),
		"eventStatus":         "https://schema.org/EventScheduled",
		"eventAttendanceMode": "https://schema.org/" + mode,
		"organizer":           map[string]any{"@type": "Organization", "name": a.UnitName, "url": base + "/campaigns/" + c.Slug + "/units/" + a.UnitCode},
		"superEvent":          map[string]any{"@type": "Event", "name": c.Title, "url": base + "/campaigns/" + c.Slug + "/program"},
	}
	var locs []any
	if a.Onsite() && !switched {
		locs = append(locs, map[string]any{"@type": "Place", "name": a.Address, "address": a.Address})
	}
	if a.Online() || switched {
		u := a.OnlineURL
		if u == "" {
			u = url
		}
		locs = append(locs, map[string]any{"@type": "VirtualLocation", "url": u})
	}
	if switched {
		ev["eventStatus"] = "https://schema.org/EventMovedOnline"
		ev["eventAttendanceMode"] = "https://schema.org/OnlineEventAttendanceMode"
	}
	if len(locs) == 1 {
		ev["location"] = locs[0]
	} else if len(locs) > 1 {
		ev["location"] = locs
	}
	return ev
}

type switchPage struct {
	base
	Reason string
	Errors map[string]string
	Error  string
}

func (h *Handlers) switchForm(w http.ResponseWriter, r *http.Request) {
	c, err := h.Service.Campaigns.Get(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if !h.Service.Campaigns.CanEdit(r.Context(), c) {
		h.Server.Error(w, r, errs.ForbiddenErr())
		return
	}
	h.render(w, r, "switch.html", switchPage{base: h.base(r, c, "program.title.switch", c.Title)})
}

func (h *Handlers) switchPost(w http.ResponseWriter, r *http.Request) {
	c, err := h.Service.Campaigns.Get(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if r.PostFormValue("action") == "onsite" {
		err = h.Service.GoOnsite(r.Context(), c)
	} else {
		err = h.Service.GoOnline(r.Context(), c, r.PostFormValue("reason"))
	}
	if err != nil {
		if fields, summary, ok := web.FormErrors(r, err); ok {
			p := switchPage{base: h.base(r, c, "program.title.switch", c.Title), Reason: r.PostFormValue("reason"), Errors: fields, Error: summary}
			h.Server.Renderer.Render(w, r, web.FormStatus(err), "program/switch.html", p)
			return
		}
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "program.switch.saved")
	web.Redirect(w, r, "/admin/campaigns/"+c.Slug+"/online")
}
