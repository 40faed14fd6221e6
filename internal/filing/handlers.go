package filing

import (
	"embed"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/paper"
	"github.com/sciweek/sciweek/internal/review"
	"github.com/sciweek/sciweek/internal/web"
)

//go:embed templates/*.html
var Templates embed.FS

// Handlers serves the filing, review and board pages and the filings API.
type Handlers struct {
	Service *Service
	Server  *web.Server
	// Paper, when set, gives printed tables their verification codes.
	Paper *paper.Service
}

// Routes registers the pages.
func (h *Handlers) Routes(mux web.Router) {
	mux.HandleFunc("GET /campaigns/{slug}/filings", h.mine)
	mux.HandleFunc("GET /campaigns/{slug}/filings/{org}/{table}", h.show)
	mux.HandleFunc("GET /campaigns/{slug}/filings/{org}/{table}/items/new", h.itemForm)
	mux.HandleFunc("POST /campaigns/{slug}/filings/{org}/{table}/items", h.saveItem)
	mux.HandleFunc("GET /campaigns/{slug}/filings/{org}/{table}/items/{uid}", h.itemForm)
	mux.HandleFunc("POST /campaigns/{slug}/filings/{org}/{table}/items/{uid}", h.saveItem)
	mux.HandleFunc("POST /campaigns/{slug}/filings/{org}/{table}/items/{uid}/delete", h.deleteItem)
	mux.HandleFunc("POST /filings/{id}/{action}", h.act)
	mux.HandleFunc("GET /filings/{id}/compare", h.compare)
	mux.HandleFunc("POST /filings/{id}/scan", h.uploadScan)
	mux.HandleFunc("GET /filings/{id}/scan", h.downloadScan)
	mux.HandleFunc("GET /campaigns/{slug}/review", h.queue)
	mux.HandleFunc("GET /campaigns/{slug}/board", h.board)
	mux.HandleFunc("POST /campaigns/{slug}/board/remind", h.remind)
	mux.HandleFunc("POST /campaigns/{slug}/board/extend", h.extend)
	mux.HandleFunc("GET /api/v1/campaigns/{campaign}/filings", h.apiList)
	h.TransferRoutes(mux)
	h.UpwardRoutes(mux)
	h.TemplateRoutes(mux)
	h.PaperRoutes(mux)
}

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	h.Server.Renderer.Render(w, r, status, "filing/"+name, data)
}

func (h *Handlers) campaign(r *http.Request, name string) (campaign.Campaign, *account.Principal, error) {
	p, err := account.RequireLogin(r)
	if err != nil {
		return campaign.Campaign{}, nil, err
	}
	c, err := h.Service.Campaigns.Get(r.Context(), r.PathValue(name))
	return c, p, err
}

func tableOf(r *http.Request) (int, error) {
	t, err := strconv.Atoi(r.PathValue("table"))
	if err != nil || (t != 1 && t != 2) {
		return 0, errs.NotFoundf("table %q", r.PathValue("table"))
	}
	return t, nil
}

func filingURL(c campaign.Campaign, f Filing) string {
	return "/campaigns/" + c.Slug + "/filings/" + f.OrgCode + "/" + strconv.Itoa(f.Table)
}

type tableSummary struct {
	Table    Template
	Filing   Filing
	URL      string
	Deadline time.Time
}

type minePage struct {
	web.Page
	C         campaign.Campaign
	Tables    []tableSummary
	Reminders []Reminder
	Reviewer  bool
}

func (h *Handlers) mine(w http.ResponseWriter, r *http.Request) {
	c, p, err := h.campaign(r, "slug")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page := minePage{Page: web.PageFor(r, "filing.mine.title"), C: c, Reviewer: p.Has(account.RoleAdmin) || p.Has(account.RoleCoordinator)}
	deadline, _ := h.Service.Deadline(r.Context(), c, p.OrgID)
	for t := 1; t <= 2; t++ {
		tpl, _, err := h.Service.Template(r.Context(), c, t)
		if err != nil {
			h.Server.Error(w, r, err)
			return
		}
		f, err := h.Service.For(r.Context(), c, p.Org.Code, t)
		if err != nil {
			h.Server.Error(w, r, err)
			return
		}
		page.Tables = append(page.Tables, tableSummary{Table: tpl, Filing: f, URL: filingURL(c, f), Deadline: deadline})
	}
	page.Reminders, _ = h.Service.Reminders(r.Context(), c)
	h.render(w, r, http.StatusOK, "mine.html", page)
}

type showPage struct {
	web.Page
	C         campaign.Campaign
	F         Filing
	Tpl       Template
	Items     []ItemView
	Events    []Event
	Revisions []Revision
	Deadline  time.Time
	Late      bool
	CanWrite  bool
	CanSubmit bool
	CanReopen bool
	Review    bool
	// Own is true on the caller's own filing; a reviewer reading another
	// organisation's comes from the board.
	Own      bool
	Problems int
	Errors   map[string]string
	Summary  string
	Comment  string
	URL      string
}

// Year is the campaign's year, for the table's title.
func (p showPage) Year() int { return p.C.Start.Year() }

func (h *Handlers) showFiling(w http.ResponseWriter, r *http.Request, c campaign.Campaign, f Filing, status int, formErr error, comment string) {
	ctx := r.Context()
	p := account.FromContext(ctx)
	t, _, err := h.Service.Template(ctx, c, f.Table)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page := showPage{Page: web.PageFor(r, ""), C: c, F: f, Tpl: t, URL: filingURL(c, f), Comment: comment}
	page.Title = t.FullTitle(c.Start.Year())
	page.Wide = true
	if f.ID != 0 {
		if page.Events, err = h.Service.Events(ctx, f.ID); err != nil {
			h.Server.Error(w, r, err)
			return
		}
		page.Revisions, _ = h.Service.Revisions(ctx, f.ID)
	}
	page.Items = itemViews(t, web.L(ctx), f.Items, WindowOf(c), page.Events, f.Revision)
	page.Problems, _ = h.Service.Problems(ctx, c, &f)
	org, _ := h.Service.Accounts.OrgByID(ctx, f.OrgID)
	sub := subject(f, org, c.OwnerOrgID)
	page.CanWrite = review.Allowed(ctx, sub, review.Edit) // an approved table is changed as a new revision
	page.CanSubmit = p.OrgID == f.OrgID && review.Allowed(ctx, sub, review.Submit)
	page.CanReopen = review.Allowed(ctx, sub, review.Reopen)
	page.Own = p.OrgID == org.ID
	page.Review = review.Allowed(ctx, sub, review.Approve)
	page.Deadline, _ = h.Service.Deadline(ctx, c, f.OrgID)
	page.Late = h.Service.Clock.Now().After(page.Deadline)
	if !h.formErrors(w, r, formErr, &page.Errors, &page.Summary) {
		return
	}
	h.render(w, r, status, "show.html", page)
}

// formErrors puts err's messages beside the fields and in the summary of
// a form shown again; an error no form shows is answered as an error
// page, and it reports false.
func (h *Handlers) formErrors(w http.ResponseWriter, r *http.Request, err error, fields *map[string]string, summary *string) bool {
	if err == nil {
		return true
	}
	f, s, ok := web.FormErrors(r, err)
	if !ok {
		h.Server.Error(w, r, err)
		return false
	}
	*fields, *summary = f, s
	return true
}

func (h *Handlers) load(r *http.Request) (campaign.Campaign, Filing, error) {
	c, _, err := h.campaign(r, "slug")
	if err != nil {
		return c, Filing{}, err
	}
	t, err := tableOf(r)
	if err != nil {
		return c, Filing{}, err
	}
	f, err := h.Service.For(r.Context(), c, r.PathValue("org"), t)
	return c, f, err
}

func (h *Handlers) show(w http.ResponseWriter, r *http.Request) {
	c, f, err := h.load(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.showFiling(w, r, c, f, http.StatusOK, nil, "")
}

// act runs submit, reopen, approve and return.
func (h *Handlers) act(w http.ResponseWriter, r *http.Request) {
	if _, err := account.RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	id := web.FormID(r.PathValue("id"))
	version, _ := web.Int(r.PostFormValue("version"), 0, web.MaxVersion)
	comment := r.PostFormValue("comment")
	var flash string
	var err error
	// The rules decide first: one who may not act learns nothing more.
	switch r.PathValue("action") {
	case "submit":
		flash = "filing.submitted"
		_, err = h.Service.Submit(r.Context(), id, version)
	case "reopen":
		err, flash = h.Service.Reopen(r.Context(), id, version), "filing.reopened"
	case "approve", "return", "decide":
		var d review.Decision
		if d, err = review.ReadDecision(r, r.PathValue("action")); err != nil {
			if merr := h.Service.MayDecide(r.Context(), id); merr != nil {
				err = merr // one who may not decide learns nothing of the form
			}
			break
		}
		if d.Action == review.Approve {
			err, flash = h.Service.Approve(r.Context(), id, version, comment), "filing.approved"
			break
		}
		items := map[string]string{}
		for k, v := range r.PostForm {
			if uid, ok := strings.CutPrefix(k, "c_"); ok && len(v) > 0 {
				items[uid] = v[0]
			}
		}
		err, flash = h.Service.Return(r.Context(), id, version, comment, items), "filing.returned"
	default:
		err = errs.NotFoundf("action %s", r.PathValue("action"))
	}
	f, gerr := h.Service.Get(r.Context(), id)
	var c campaign.Campaign
	if gerr == nil {
		c, gerr = h.Service.Campaigns.Get(account.AsSystem(r.Context()), f.CampaignSlug)
	}
	if err != nil {
		if _, _, ok := web.FormErrors(r, err); ok && gerr == nil {
			h.showFiling(w, r, c, f, web.FormStatus(err), err, comment)
			return
		}
		h.Server.Error(w, r, err)
		return
	}
	if gerr != nil {
		h.Server.Error(w, r, gerr)
		return
	}
	web.SetFlash(w, flash)
	web.Redirect(w, r, filingURL(c, f))
}
