package campaign

import (
	"context"
	"embed"
	"html/template"
	"mime"
	"net/http"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/web"
)

//go:embed templates/*.html
var Templates embed.FS

// Handlers serves the campaign pages and API.
type Handlers struct {
	Service *Service
	Server  *web.Server
	// Todos adds what other parts of sciweek ask of the signed-in person
	// for a campaign (tables to file or review, reminders).
	Todos func(r *http.Request, c Campaign) []Todo
	// Blocks adds sections other parts of sciweek show on the campaign
	// home (its news and notices).
	Blocks func(r *http.Request, c Campaign) template.HTML
	// Listed counts a campaign's activities in the public program, so the
	// home features a week the public can take part in.
	Listed func(ctx context.Context, c Campaign) int
	// Online says whether the whole week moved online, and why.
	Online func(ctx context.Context, c Campaign) (reason string, online bool)
	// BaseURL is the site's public address, for the share card's links.
	BaseURL string
}

// Routes registers the campaign pages and API paths.
func (h *Handlers) Routes(mux web.Router) {
	mux.HandleFunc("GET /{$}", h.home)
	mux.HandleFunc("GET /campaigns/{slug}", h.show)
	mux.HandleFunc("GET /campaigns/{slug}/notice", h.notice)
	mux.HandleFunc("GET /campaigns/{slug}/attachments/{id}", h.attachment)

	mux.HandleFunc("GET /dashboard", h.dashboard)

	mux.HandleFunc("GET /admin/campaigns", h.adminList)
	mux.HandleFunc("GET /admin/campaigns/new", h.newForm)
	mux.HandleFunc("POST /admin/campaigns/new", h.create)
	mux.HandleFunc("GET /admin/campaigns/{slug}/edit", h.editForm)
	mux.HandleFunc("POST /admin/campaigns/{slug}/edit", h.update)
	mux.HandleFunc("POST /admin/campaigns/{slug}/state", h.setState)
	mux.HandleFunc("GET /admin/campaigns/{slug}/copy", h.copyForm)
	mux.HandleFunc("POST /admin/campaigns/{slug}/copy", h.copy)
	mux.HandleFunc("GET /admin/campaigns/{slug}/child", h.childForm)
	mux.HandleFunc("POST /admin/campaigns/{slug}/child", h.createChild)
	mux.HandleFunc("POST /admin/campaigns/{slug}/attachments", h.addAttachment)
	mux.HandleFunc("POST /admin/campaigns/{slug}/attachments/{id}/delete", h.removeAttachment)

	mux.HandleFunc("GET /api/v1/campaigns", h.apiList)
	mux.HandleFunc("GET /api/v1/campaigns/{campaign}", h.apiGet)
	mux.HandleFunc("PATCH /api/v1/campaigns/{campaign}", h.apiPatch)
}

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	h.Server.Renderer.Render(w, r, status, "campaign/"+name, data)
}

// View is a campaign prepared for a page in one language.
type View struct {
	Campaign
	// OnlineReason is why the whole week moved online, when it did.
	OnlineReason string
	lang         string
	now          time.Time
}

func (h *Handlers) view(r *http.Request, c Campaign) View {
	return View{Campaign: c, lang: web.Lang(r.Context()), now: h.Service.Clock.Now()}
}

// Phase is the campaign's phase now.
func (v View) Phase() Phase { return v.PhaseAt(v.now) }

// DaysToFiling counts the days left to file.
func (v View) DaysToFiling() int { return DaysUntil(v.now, v.FilingDeadline) }

// DaysToSummary counts the days left to send the summary.
func (v View) DaysToSummary() int { return DaysUntil(v.now, v.SummaryDeadline) }

// DaysToStart counts the days until the week begins.
func (v View) DaysToStart() int { return DaysUntil(v.now, v.Start) }

// NoticeHTML is the notice, rendered and sanitised.
func (v View) NoticeHTML() template.HTML { return RenderMarkdown(v.NoticeMD) }

// CategoryLabels lists the focus areas in the page's language.
func (v View) CategoryLabels() []string { return labels(v.Categories, v.lang) }

// AudienceLabels lists the audiences in the page's language.
func (v View) AudienceLabels() []string { return labels(v.Audiences, v.lang) }

func labels(ts []Term, lang string) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Label(lang))
	}
	return out
}

type homePage struct {
	web.Page
	Current *View
	Others  []View
}

func (h *Handlers) home(w http.ResponseWriter, r *http.Request) {
	cs, err := h.Service.List(r.Context(), Filter{})
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	p := homePage{Page: web.PageFor(r, "home.title")}
	now := h.Service.Clock.Now()
	if i := h.featured(r.Context(), cs, now); i >= 0 {
		v := h.view(r, cs[i])
		p.Current = &v
	}
	for _, c := range cs {
		if (p.Current == nil || c.ID != p.Current.ID) && now.After(c.EndsAt()) {
			p.Others = append(p.Others, h.view(r, c))
		}
	}
	h.render(w, r, http.StatusOK, "home.html", p)
}

type showPage struct {
	web.Page
	C       View
	CanEdit bool
	Blocks  template.HTML
	Chain   Chain
}

func (h *Handlers) show(w http.ResponseWriter, r *http.Request) {
	c, err := h.Service.Get(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	p := showPage{Page: web.PageFor(r, ""), C: h.view(r, c), CanEdit: h.Service.CanEdit(r.Context(), c), Chain: h.chain(r, c)}
	p.Title = c.Title
	p.Share = web.ShareFor(r, web.BaseURL(r, h.BaseURL), "website", c.Title, c.Theme+" · "+p.DateRange(c.Start, c.End), CardPath(c))
	h.followSwitch(r.Context(), &p.C)
	if h.Blocks != nil {
		p.Blocks = h.Blocks(r, c)
	}
	h.render(w, r, http.StatusOK, "show.html", p)
}

func (h *Handlers) notice(w http.ResponseWriter, r *http.Request) {
	c, err := h.Service.Get(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	p := showPage{Page: web.PageFor(r, "notice.title_of", c.Title), C: h.view(r, c), CanEdit: h.Service.CanEdit(r.Context(), c), Chain: h.chain(r, c)}
	h.followSwitch(r.Context(), &p.C)
	h.render(w, r, http.StatusOK, "notice.html", p)
}

func (h *Handlers) attachment(w http.ResponseWriter, r *http.Request) {
	id := web.FormID(r.PathValue("id"))
	a, obj, mod, err := h.Service.OpenAttachment(r.Context(), r.PathValue("slug"), id)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	defer obj.Close()
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename}))
	w.Header().Set("Cache-Control", "private, max-age=300")
	web.AllowSlow(w, 15*time.Minute)
	http.ServeContent(w, r, "", mod, obj)
}

// Todo is one thing a signed-in person has to do for a campaign.
type Todo struct {
	Label string
	Href  string
	Days  int
	Due   time.Time
	// Urgent marks a reminder or a returned table.
	Urgent bool
}

type dashCampaign struct {
	View
	Todos   []Todo
	CanEdit bool
}

type dashboardPage struct {
	web.Page
	Org       account.Organisation
	OrgName   string
	Roles     []string
	Campaigns []dashCampaign
	IsAdmin   bool
}

// dashboard is the home of a signed-in person: the campaigns that concern
// their organisation, the deadlines counting down and what is theirs to do.
func (h *Handlers) dashboard(w http.ResponseWriter, r *http.Request) {
	pr, err := account.RequireLogin(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if pr.ChecksInOnly() {
		web.Redirect(w, r, CheckinHome)
		return
	}
	cs, err := h.Service.List(r.Context(), Filter{Editable: true})
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	l := web.L(r.Context())
	p := dashboardPage{Page: web.PageFor(r, "dashboard.title"), Org: pr.Org, OrgName: pr.Org.DisplayName(l.Lang), IsAdmin: pr.Has(account.RoleAdmin)}
	for _, role := range pr.Roles {
		p.Roles = append(p.Roles, l.T("role."+string(role)))
	}
	nearer := map[int64]bool{} // campaigns with a child nearer the caller
	for _, c := range cs {
		owner, err := h.Service.Accounts.OrgByID(r.Context(), c.OwnerOrgID)
		if err == nil && c.ParentID != 0 && c.State != StateArchived && owner.Contains(pr.Org) {
			nearer[c.ParentID] = true
		}
	}
	for _, c := range cs {
		owner, err := h.Service.Accounts.OrgByID(r.Context(), c.OwnerOrgID)
		if err != nil || !owner.Contains(pr.Org) && !pr.Org.Contains(owner) {
			continue // another city's campaign
		}
		if c.State == StateArchived || nearer[c.ID] {
			continue // over, or one level up: the caller works in its child
		}
		dc := dashCampaign{View: h.view(r, c), CanEdit: h.Service.CanEdit(r.Context(), c)}
		dc.Todos = h.todos(r, pr, dc)
		p.Campaigns = append(p.Campaigns, dc)
	}
	h.render(w, r, http.StatusOK, "dashboard.html", p)
}

func (h *Handlers) todos(r *http.Request, pr *account.Principal, c dashCampaign) []Todo {
	l := web.L(r.Context())
	var out []Todo
	if c.CanEdit && c.State == StateDraft {
		out = append(out, Todo{Label: l.T("todo.publish"), Href: "/admin/campaigns/" + c.Slug + "/edit"})
	}
	if c.State != StatePublished {
		return out
	}
	out = append(out, Todo{Label: l.T("todo.read_notice"), Href: "/campaigns/" + c.Slug + "/notice"})
	phase := c.Phase()
	if pr.Has(account.RoleFiler) || pr.Has(account.RoleCoordinator) {
		if phase == PhaseFiling {
			out = append(out, Todo{Label: l.T("todo.file_tables"), Href: "/campaigns/" + c.Slug + "/filings", Days: c.DaysToFiling(), Due: c.FilingDeadline})
		}
		if phase != PhaseClosed {
			out = append(out, Todo{Label: l.T("todo.summary"), Days: c.DaysToSummary(), Due: c.SummaryDeadline})
		}
	}
	if h.Todos != nil {
		out = append(out, h.Todos(r, c.Campaign)...)
	}
	return out
}
