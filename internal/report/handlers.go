package report

import (
	"context"
	"embed"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/media"
	"github.com/sciweek/sciweek/internal/paper"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/review"
	"github.com/sciweek/sciweek/internal/web"
)

//go:embed templates/*.html
var Templates embed.FS

// Handlers serves the report pages, the board, the media files and the
// reports API.
type Handlers struct {
	Service *Service
	Server  *web.Server
	// Limiter bounds how often one address reads the public gallery.
	Limiter *web.Limiter
	// Coverage, when set, lists the media coverage the unit recorded during
	// the week, which the report's form brings in rather than have it
	// typed again.
	Coverage func(ctx context.Context, c campaign.Campaign, unit string) ([]Coverage, error)
	// Paper, when set, gives printed reports their verification codes.
	Paper *paper.Service
}

// Routes registers the pages and the API.
func (h *Handlers) Routes(mux web.Router) {
	mux.HandleFunc("GET /campaigns/{slug}/reports", h.board)
	mux.HandleFunc("POST /campaigns/{slug}/reports/extend", h.extend)
	mux.HandleFunc("POST /campaigns/{slug}/reports/open-early", h.openEarly)
	mux.HandleFunc("GET /campaigns/{slug}/reports/{org}", h.show)
	mux.HandleFunc("POST /campaigns/{slug}/reports/{org}", h.save)
	mux.HandleFunc("POST /campaigns/{slug}/reports/{org}/cases", h.pickCases)
	mux.HandleFunc("POST /reports/{id}/media", h.upload)
	mux.HandleFunc("POST /reports/{id}/media/{mid}/{action}", h.mediaAction)
	mux.HandleFunc("GET /reports/{id}/media/{mid}", h.file)
	mux.HandleFunc("GET /reports/{id}/media/{mid}/thumb", h.file)
	mux.HandleFunc("POST /reports/{id}/{action}", h.act)
	mux.HandleFunc("GET /campaigns/{slug}/gallery", h.gallery)
	mux.HandleFunc("GET /campaigns/{slug}/gallery/{mid}", h.galleryFile)
	mux.HandleFunc("GET /campaigns/{slug}/gallery/{mid}/thumb", h.galleryFile)
	mux.HandleFunc("GET /api/v1/campaigns/{campaign}/reports", h.apiList)
	mux.HandleFunc("POST /api/v1/reports/{id}/media", h.upload)
	h.PaperRoutes(mux)
}

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	h.Server.Renderer.Render(w, r, status, "report/"+name, data)
}

func (h *Handlers) campaign(r *http.Request, name string) (campaign.Campaign, *account.Principal, error) {
	p, err := account.RequireLogin(r)
	if err != nil {
		return campaign.Campaign{}, nil, err
	}
	c, err := h.Service.Campaigns.Get(r.Context(), r.PathValue(name))
	return c, p, err
}

func pathID(r *http.Request, name string) int64 {
	n := web.FormID(r.PathValue(name))
	return n
}

// URL is the page of a unit's report.
func URL(slug, org string) string { return "/campaigns/" + slug + "/reports/" + org }

type sectionView struct {
	Key, Value, Error string
	HTML              template.HTML
}

type figureView struct {
	Key, Value, Error string
	// Help, on a level report, names the total gathered from below.
	Help string
}

type coverageView struct {
	Coverage
	Index  int
	Errors map[string]string
}

type showPage struct {
	web.Page
	C          campaign.Campaign
	R          Report
	Deadline   time.Time
	Late       bool
	CanWrite   bool
	CanSubmit  bool
	Review     bool
	CanReopen  bool
	CanPaper   bool
	Owner      bool // the unit's own filer: may mark media public
	Sections   []sectionView
	Figures    []figureView
	Activities []Activity
	Coverage   []coverageView
	// CoverageAdded counts the entries brought in from the unit's media
	// coverage list, not yet saved with the report.
	CoverageAdded int
	Photos        []Media
	Videos        []Media
	Documents     []Media
	Offer         *Media
	Events        []Event
	Errors        map[string]string
	Summary       string
	Limits        media.Limits
	MaxVideo      media.Length
	MinPhoto      media.Size
	MaxPhoto      media.Size
	Today         string
	// NotYet says the report does not open before Opens.
	NotYet bool
	Opens  time.Time
	// Comment is the reviewer's comment as typed, kept when refused.
	Comment string
	// Roll is what a level report gathers from the level below; nil for a
	// unit's report.
	Roll *rollView
}

func (h *Handlers) show(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.campaign(r, "slug")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	rep, err := h.Service.For(r.Context(), c, r.PathValue("org"))
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.showReport(w, r, c, rep, http.StatusOK, nil, nil, nil)
}

// showReport renders the report page; in with the form as sent when it is
// re-shown with errors.
func (h *Handlers) showReport(w http.ResponseWriter, r *http.Request, c campaign.Campaign, rep Report, status int, in *Input, problem error, offer *Media) {
	ctx := r.Context()
	org, err := h.Service.Accounts.OrgByID(ctx, rep.OrgID)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	l := web.L(ctx)
	lim := Limits(c)
	page := showPage{Page: web.PageFor(r, "report.title", org.DisplayName(l.Lang)), C: c, R: rep, Deadline: h.Service.Deadline(ctx, c, rep.OrgID),
		Offer: offer, Limits: lim, MaxVideo: media.Length(lim.VideoMax), MinPhoto: media.Size(lim.PhotoMin), MaxPhoto: media.Size(lim.PhotoMax),
		Today: h.Service.Clock.Now().In(clock.Zone).Format("2006-01-02"), Comment: r.PostFormValue("comment")}
	page.Late = h.Service.Clock.Now().After(page.Deadline)
	page.Opens = h.Service.Opens(ctx, c, rep.OrgID)
	page.NotYet = h.Service.Clock.Now().Before(page.Opens)
	page.CanWrite = canWrite(ctx, org) && rep.Editable() && !page.Late && !page.NotYet
	page.CanSubmit = page.CanWrite && rep.ID != 0
	page.Owner = canWrite(ctx, org) && rep.ID != 0
	page.Review = h.Service.CanReview(ctx, rep)
	page.CanReopen = rep.ID != 0 && h.Service.allowed(ctx, rep, review.Reopen)
	page.CanPaper = rep.ID != 0 && rep.State != StateDraft && h.Service.Campaigns.CanEdit(ctx, c)
	if problem != nil {
		page.Errors, page.Summary, _ = web.FormErrors(r, problem)
	}
	if page.Errors == nil {
		page.Errors = map[string]string{}
	}
	secs, figs, parts, cov := rep.Sections, map[string]string{}, map[string]string{}, rep.Coverage
	for _, k := range FigureKeys {
		if n := rep.Figures.Get(k); n > 0 {
			figs[k] = strconv.Itoa(n)
		}
	}
	if in != nil {
		secs, figs, parts, cov = in.Sections, in.Figures, in.Participants, in.Coverage
	}
	if page.Roll, err = h.rollFor(ctx, c, rep); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if page.Roll != nil {
		page.Roll.Error = page.Errors["pick"]
		if rep.ID == 0 && in == nil && page.CanWrite {
			// A level report starts from what the level below reported.
			for _, k := range FigureKeys {
				figs[k] = strconv.Itoa(page.Roll.Total.Get(k))
			}
		}
	}
	for _, k := range SectionKeys {
		page.Sections = append(page.Sections, sectionView{Key: k, Value: secs.Get(k), Error: page.Errors[k], HTML: campaign.RenderMarkdown(secs.Get(k))})
	}
	for _, k := range FigureKeys {
		v := figureView{Key: k, Value: figs[k], Error: page.Errors[k]}
		if page.Roll != nil {
			v.Help = page.T("rollup.gathered", page.Roll.Total.Get(k))
		}
		page.Figures = append(page.Figures, v)
	}
	if page.Activities, err = h.Service.Activities(ctx, c, rep); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if in != nil {
		for i, a := range page.Activities {
			page.Activities[i].Actual, _ = parseCount(parts[a.UID])
		}
	}
	if page.CanWrite && in == nil && h.Coverage != nil {
		listed, err := h.Coverage(ctx, c, org.Code)
		if err != nil {
			h.Server.Error(w, r, err)
			return
		}
		cov, page.CoverageAdded = mergeCoverage(cov, listed)
	}
	if page.CanWrite {
		cov = append(cov, Coverage{})
	}
	for i, cv := range cov {
		v := coverageView{Coverage: cv, Index: i, Errors: map[string]string{}}
		for _, f := range []string{"outlet", "title", "date", "link"} {
			if e := page.Errors["coverage."+strconv.Itoa(i)+"."+f]; e != "" {
				v.Errors[f] = e
			}
		}
		page.Coverage = append(page.Coverage, v)
	}
	for _, m := range rep.Media {
		switch m.Kind {
		case media.Photo:
			page.Photos = append(page.Photos, m)
		case media.Video:
			page.Videos = append(page.Videos, m)
		default:
			page.Documents = append(page.Documents, m)
		}
	}
	if rep.ID != 0 {
		page.Events, _ = h.Service.Events(ctx, rep.ID)
	}
	h.render(w, r, status, "show.html", page)
}

func formInput(r *http.Request) Input {
	r.ParseForm()
	in := Input{Figures: map[string]string{}, Participants: map[string]string{}}
	for _, k := range SectionKeys {
		in.Sections.set(k, r.PostFormValue(k))
	}
	for _, k := range FigureKeys {
		in.Figures[k] = r.PostFormValue(k)
	}
	for k, v := range r.PostForm {
		if len(k) > 2 && k[:2] == "p_" && len(v) > 0 {
			in.Participants[k[2:]] = v[0]
		}
	}
	outlets, titles, dates, links := r.PostForm["cov_outlet"], r.PostForm["cov_title"], r.PostForm["cov_date"], r.PostForm["cov_link"]
	for i := range outlets {
		at := func(s []string) string {
			if i < len(s) {
				return s[i]
			}
			return ""
		}
		in.Coverage = append(in.Coverage, Coverage{Outlet: outlets[i], Title: at(titles), Date: at(dates), Link: at(links)})
	}
	return in
}

func (h *Handlers) save(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.campaign(r, "slug")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	in := formInput(r)
	version, _ := web.Int(r.PostFormValue("version"), 0, web.MaxVersion)
	rep, err := h.Service.Save(r.Context(), c, r.PathValue("org"), version, in)
	if err != nil {
		h.refused(w, r, c, &in, err)
		return
	}
	web.SetFlash(w, "report.saved")
	web.Redirect(w, r, URL(c.Slug, rep.OrgCode))
}

// refused answers a change of the report at the page's path that was
// refused: the page again with the errors beside the fields (and the form
// as sent, when in is set), or the error alone.
func (h *Handlers) refused(w http.ResponseWriter, r *http.Request, c campaign.Campaign, in *Input, err error) {
	if _, _, ok := web.FormErrors(r, err); !ok {
		h.Server.Error(w, r, err)
		return
	}
	cur, gerr := h.Service.For(r.Context(), c, r.PathValue("org"))
	if gerr != nil {
		h.Server.Error(w, r, gerr)
		return
	}
	h.showReport(w, r, c, cur, web.FormStatus(err), in, err, nil)
}

// act runs submit, approve, return and paper.
func (h *Handlers) act(w http.ResponseWriter, r *http.Request) {
	if _, err := account.RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	id := pathID(r, "id")
	r.ParseForm()
	version, _ := web.Int(r.PostFormValue("version"), 0, web.MaxVersion)
	var err error
	flash := ""
	switch r.PathValue("action") {
	case "submit":
		_, err = h.Service.Submit(r.Context(), id, version)
		flash = "report.submitted"
	case "approve", "return", "decide":
		var d review.Decision
		if d, err = review.ReadDecision(r, r.PathValue("action")); err != nil {
			if merr := h.Service.MayDecide(r.Context(), id); merr != nil {
				err = merr // one who may not decide learns nothing of the form
			}
			break
		}
		if d.Action == review.Approve {
			err, flash = h.Service.Approve(r.Context(), id, version, d.Comment), "report.approved"
		} else {
			err, flash = h.Service.Return(r.Context(), id, version, d.Comment), "report.returned"
		}
	case "reopen":
		err, flash = h.Service.Reopen(r.Context(), id, version), "report.reopened"
	case "paper":
		on, perr := time.ParseInLocation("2006-01-02", r.PostFormValue("paper_on"), clock.Zone)
		if perr != nil {
			on = time.Time{}
		}
		err = h.Service.MarkPaper(r.Context(), id, on, r.PostFormValue("paper_by"))
		flash = "report.paper_saved"
	default:
		err = errs.NotFoundf("action %s", r.PathValue("action"))
	}
	if _, _, ok := web.FormErrors(r, err); err != nil && !ok {
		h.Server.Error(w, r, err) // refused: nothing more is shown
		return
	}
	rep, gerr := h.Service.Get(r.Context(), id)
	if gerr != nil {
		h.Server.Error(w, r, gerr)
		return
	}
	c, cerr := h.Service.Campaigns.Get(account.AsSystem(r.Context()), rep.CampaignSlug)
	if cerr != nil {
		h.Server.Error(w, r, cerr)
		return
	}
	if err != nil {
		if _, _, ok := web.FormErrors(r, err); ok {
			h.showReport(w, r, c, rep, web.FormStatus(err), nil, err, nil)
			return
		}
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, flash)
	web.Redirect(w, r, URL(c.Slug, rep.OrgCode))
}

// UploadTimeout is how long one upload may take to arrive, whatever the
// server's read timeout.
const UploadTimeout = 2 * time.Hour

// mergeCoverage adds to the report's entries those of the coverage list it
// does not hold yet (the same outlet, title and date), in the list's order.
func mergeCoverage(have, listed []Coverage) ([]Coverage, int) {
	key := func(c Coverage) string {
		return strings.TrimSpace(c.Outlet) + "\x00" + strings.TrimSpace(c.Title) + "\x00" + c.Date
	}
	seen := map[string]bool{}
	for _, c := range have {
		seen[key(c)] = true
	}
	out, added := slices.Clone(have), 0
	for _, c := range listed {
		if !seen[key(c)] {
			seen[key(c)] = true
			out = append(out, c)
			added++
		}
	}
	return out, added
}
