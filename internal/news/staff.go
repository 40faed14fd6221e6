package news

import (
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/review"
	"github.com/sciweek/sciweek/internal/web"
)

type managePage struct {
	web.Page
	C         campaign.Campaign
	Articles  []Article
	Organiser bool
}

// StateLabel names an article's state for its list.
func (p managePage) StateLabel(a Article) string { return p.T("news.state." + string(a.State)) }

func (h *Handlers) manage(w http.ResponseWriter, r *http.Request) {
	if _, err := requireWriter(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	as, err := h.Service.Manageable(r.Context(), c)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "manage.html", managePage{Page: web.PageFor(r, "news.title.manage", c.Title), C: c, Articles: as, Organiser: h.Service.Campaigns.CanEdit(r.Context(), c)})
}

type formPage struct {
	web.Page
	C        campaign.Campaign
	A        Article
	Sections []tab
	In       Input
	Errors   map[string]string
	Notes    map[string][]string
	Summary  string
	Saved    bool
	Action   string
	MaxMB    int
	Hosts    string
}

func (h *Handlers) form(w http.ResponseWriter, r *http.Request, status int, p formPage) {
	secs, err := h.Service.Sections(r.Context(), p.C)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	for _, s := range secs {
		p.Sections = append(p.Sections, tab{Section: s, Label: s.Label(p.Lang), Current: s.Code == p.In.Section})
	}
	p.MaxMB, p.Hosts = MaxCoverBytes>>20, strings.Join(VideoHosts, "、")
	h.render(w, r, status, "form.html", p)
}

func (h *Handlers) newForm(w http.ResponseWriter, r *http.Request) {
	if _, err := requireWriter(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	h.form(w, r, http.StatusOK, formPage{Page: web.PageFor(r, "news.title.new"), C: c, In: Input{Section: SectionNews}, Action: "/campaigns/" + c.Slug + "/articles/new"})
}

// readForm reads an article form, multipart for the cover.
func readForm(w http.ResponseWriter, r *http.Request) (Input, bool, int, error) {
	if err := web.ParseUpload(w, r, MaxCoverBytes+1<<20); err != nil {
		return Input{}, false, 0, err
	}
	in := Input{Section: r.FormValue("section"), Title: r.FormValue("title"), Summary: r.FormValue("summary"), Body: r.FormValue("body"),
		Link: r.FormValue("link"), PublishAt: r.FormValue("publish_at"), RemoveCover: r.FormValue("remove_cover") == "1"}
	if f, _, err := r.FormFile("cover"); err == nil {
		in.Cover = f
	}
	version, _ := web.Int(r.FormValue("version"), 0, web.MaxVersion)
	return in, r.FormValue("submit") == "1", version, nil
}

func (h *Handlers) saved(w http.ResponseWriter, r *http.Request, p formPage, a Article, notes []Note, err error) {
	l := web.L(r.Context())
	if err != nil {
		fields, summary, ok := web.FormErrors(r, err)
		if !ok {
			h.Server.Error(w, r, err)
			return
		}
		p.Errors, p.Summary = fields, summary
		h.form(w, r, web.FormStatus(err), p)
		return
	}
	if len(notes) == 0 {
		web.SetFlash(w, "news.flash.saved")
		web.Redirect(w, r, a.URL())
		return
	}
	// Saved, with something to tell the author beside the fields.
	p.A, p.Saved, p.Notes = a, true, map[string][]string{}
	p.Action = a.URL() + "/edit"
	for _, n := range notes {
		p.Notes[n.Field] = append(p.Notes[n.Field], l.T(n.Msg.Key, n.Msg.Args...))
	}
	p.In.Cover = nil
	h.form(w, r, http.StatusOK, p)
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	in, submit, _, err := readForm(w, r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	a, notes, err := h.Service.Create(r.Context(), c, in, submit)
	h.saved(w, r, formPage{Page: web.PageFor(r, "news.title.new"), C: c, In: in, Action: "/campaigns/" + c.Slug + "/articles/new"}, a, notes, err)
}

func (h *Handlers) editForm(w http.ResponseWriter, r *http.Request) {
	a, c, ok := h.load(w, r)
	if !ok {
		return
	}
	// The form is for those who may change the article: anyone else is
	// sent to log in, or refused.
	if !h.Service.CanEdit(r.Context(), c, a) {
		if account.FromContext(r.Context()) == nil {
			h.Server.Error(w, r, errs.New(errs.Unauthenticated, "error.unauthenticated"))
		} else {
			h.Server.Error(w, r, errs.ForbiddenErr())
		}
		return
	}
	in := Input{Section: a.SectionCode, Title: a.Title, Summary: a.Summary, Body: a.Body, Link: a.Link}
	if !a.PublishAt.IsZero() {
		in.PublishAt = a.PublishAt.Format("2006-01-02T15:04")
	}
	h.form(w, r, http.StatusOK, formPage{Page: web.PageFor(r, "news.title.edit"), C: c, A: a, In: in, Action: a.URL() + "/edit"})
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request) {
	a, c, ok := h.load(w, r)
	if !ok {
		return
	}
	in, submit, version, err := readForm(w, r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	na, notes, err := h.Service.Update(r.Context(), a.ID, version, in, submit)
	if err != nil {
		na = a
	}
	h.saved(w, r, formPage{Page: web.PageFor(r, "news.title.edit"), C: c, A: na, In: in, Action: a.URL() + "/edit"}, na, notes, err)
}

// decide records a reviewer's decision from the one review form (or the
// URL's /approve, /return).
func (h *Handlers) decide(w http.ResponseWriter, r *http.Request) {
	id := web.FormID(r.PathValue("id"))
	d, err := review.ReadDecision(r, path.Base(r.URL.Path))
	if err != nil {
		if merr := h.Service.MayDecide(r.Context(), id); merr != nil {
			err = merr // one who may not decide learns nothing of the form
		}
	}
	flash := "news.flash.approved"
	if err == nil && d.Action == review.Approve {
		_, err = h.Service.Approve(r.Context(), id, d.Version, d.Comment)
	} else if err == nil {
		err, flash = h.Service.Return(r.Context(), id, d.Version, d.Comment), "news.flash.returned"
	}
	if err != nil {
		if _, _, ok := web.FormErrors(r, err); ok {
			if a, c, ok := h.load(w, r); ok {
				h.showArticle(w, r, c, a, web.FormStatus(err), err)
			}
			return
		}
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, flash)
	web.Redirect(w, r, "/news/"+strconv.FormatInt(id, 10))
}

func (h *Handlers) reopen(w http.ResponseWriter, r *http.Request) {
	id := web.FormID(r.PathValue("id"))
	version, _ := web.Int(r.FormValue("version"), 0, web.MaxVersion)
	if err := h.Service.Reopen(r.Context(), id, version); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "news.flash.saved")
	web.Redirect(w, r, "/news/"+strconv.FormatInt(id, 10))
}

func (h *Handlers) pin(w http.ResponseWriter, r *http.Request) {
	id := web.FormID(r.PathValue("id"))
	if err := h.Service.SetPinned(r.Context(), id, r.FormValue("pinned") == "1"); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "news.flash.pinned")
	web.Redirect(w, r, "/news/"+strconv.FormatInt(id, 10))
}

type coveragePage struct {
	web.Page
	C         campaign.Campaign
	Items     []Coverage
	Units     []Total
	Districts []Total
	In        CoverageInput
	Errors    map[string]string
	Summary   string
	CanAdd    bool
}

func (h *Handlers) coverage(w http.ResponseWriter, r *http.Request) {
	h.coverageForm(w, r, http.StatusOK, CoverageInput{}, nil)
}

func (h *Handlers) coverageForm(w http.ResponseWriter, r *http.Request, status int, in CoverageInput, fail error) {
	pr, err := requireWriter(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	p := coveragePage{Page: web.PageFor(r, "news.title.coverage", c.Title), C: c, In: in, CanAdd: canWrite(pr, pr.Org.ID)}
	p.Page.Wide = true
	if fail != nil {
		p.Errors, p.Summary, _ = web.FormErrors(r, fail)
	}
	if p.Items, err = h.Service.ListCoverage(r.Context(), c, r.URL.Query().Get("unit")); err == nil {
		p.Units, p.Districts, err = h.Service.Totals(r.Context(), c)
	}
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.render(w, r, status, "coverage.html", p)
}

func (h *Handlers) addCoverage(w http.ResponseWriter, r *http.Request) {
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	if err := web.ParseUpload(w, r, MaxClippingBytes+1<<20); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	in := CoverageInput{Outlet: r.FormValue("outlet"), Title: r.FormValue("title"), Date: r.FormValue("date"), Link: r.FormValue("link")}
	if f, hdr, err := r.FormFile("clipping"); err == nil {
		in.Clipping, in.ClippingName = f, hdr.Filename
	}
	if _, err := h.Service.AddCoverage(r.Context(), c, in); err != nil {
		if _, _, ok := web.FormErrors(r, err); ok {
			in.Clipping = nil
			h.coverageForm(w, r, web.FormStatus(err), in, err)
			return
		}
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "news.flash.coverage")
	web.Redirect(w, r, "/campaigns/"+c.Slug+"/coverage")
}

func errForbidden() error { return errs.ForbiddenErr() }

func (h *Handlers) clipping(w http.ResponseWriter, r *http.Request) {
	id := web.FormID(r.PathValue("id"))
	name, ctype, obj, mod, err := h.Service.OpenClipping(r.Context(), id)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	defer obj.Close()
	web.ServeFile(w, r, obj, mod, name, ctype, false)
}

// requireWriter returns the signed-in person when they write for their
// organisation (filers, coordinators, organisers); check-in staff do not.
func requireWriter(r *http.Request) (*account.Principal, error) {
	p, err := account.RequireLogin(r)
	if err != nil {
		return nil, err
	}
	if !(p.Has(account.RoleFiler) || p.Has(account.RoleCoordinator) || p.Has(account.RoleAdmin)) {
		return nil, errs.ForbiddenErr()
	}
	return p, nil
}
