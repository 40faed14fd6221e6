package report

import (
	"context"
	"embed"
	"html/template"
	"io"
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
	for _, k := range SectionKeys {
		page.Sections = append(page.Sections, sectionView{Key: k, Value: secs.Get(k), Error: page.Errors[k], HTML: campaign.RenderMarkdown(secs.Get(k))})
	}
	for _, k := range FigureKeys {
		page.Figures = append(page.Figures, figureView{Key: k, Value: figs[k], Error: page.Errors[k]})
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
		if _, _, ok := web.FormErrors(r, err); ok {
			cur, gerr := h.Service.For(r.Context(), c, r.PathValue("org"))
			if gerr != nil {
				h.Server.Error(w, r, gerr)
				return
			}
			h.showReport(w, r, c, cur, web.Status(errs.CodeOf(err)), &in, err, nil)
			return
		}
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "report.saved")
	web.Redirect(w, r, URL(c.Slug, rep.OrgCode))
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
			h.showReport(w, r, c, rep, web.Status(errs.CodeOf(err)), nil, err, nil)
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

// uploadAnswer is the API's answer to a refused photo that can be
// re-encoded into the bounds.
type uploadAnswer struct {
	Error map[string]any `json:"error"`
	Offer *Media         `json:"offer,omitempty"`
}

// upload streams one multipart file into the report: the parts are read
// in order (kind and public before file), the file is never held in
// memory, and an upload past its limit is answered 413 as soon as the
// limit is crossed.
func (h *Handlers) upload(w http.ResponseWriter, r *http.Request) {
	if _, err := account.RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	id := pathID(r, "id")
	ctx := r.Context()
	kind, kindOK := media.ParseKind(r.URL.Query().Get("kind"))
	probe := kind
	if !kindOK {
		probe = media.Video // the largest limit until the kind is read
	}
	limit, err := h.Service.CanUpload(ctx, id, probe)
	if err != nil {
		h.uploadFailed(w, r, id, err, nil)
		return
	}
	const slack = 1 << 20 // the multipart framing and small fields
	if r.ContentLength > limit+slack {
		h.uploadFailed(w, r, id, media.TooLarge(r.URL.Query().Get("name"), limit), nil)
		return
	}
	// A large video on a slow line takes longer than the server's usual
	// read and write timeouts: give this request the time it needs.
	web.AllowSlow(w, UploadTimeout)
	r.Body = http.MaxBytesReader(w, r.Body, limit+slack)
	mr, err := r.MultipartReader()
	if err != nil {
		h.uploadFailed(w, r, id, errs.New(errs.Invalid, "media.file.missing"), nil)
		return
	}
	public := false
	for {
		part, err := mr.NextPart()
		if err != nil {
			if err != io.EOF {
				err = errs.Wrap(errs.Invalid, err, "report.error.upload_broken", "")
			} else {
				err = &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "media.file.missing"}, Fields: map[string]errs.Msg{"file": {Key: "media.file.missing"}}}
			}
			h.uploadFailed(w, r, id, err, nil)
			return
		}
		switch part.FormName() {
		case "kind":
			b, _ := io.ReadAll(io.LimitReader(part, 32))
			kind, kindOK = media.ParseKind(string(b))
		case "public":
			b, _ := io.ReadAll(io.LimitReader(part, 8))
			public = string(b) == "1" || string(b) == "true" || string(b) == "on"
		case "file":
			if !kindOK {
				h.uploadFailed(w, r, id, &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "media.file.kind"}, Fields: map[string]errs.Msg{"kind": {Key: "media.file.kind"}}}, nil)
				return
			}
			if part.FileName() == "" {
				h.uploadFailed(w, r, id, &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "media.file.missing"}, Fields: map[string]errs.Msg{"file": {Key: "media.file.missing"}}}, nil)
				return
			}
			m, offer, err := h.Service.Upload(ctx, id, kind, part.FileName(), public, part)
			if err != nil {
				h.uploadFailed(w, r, id, err, offer)
				return
			}
			if web.IsAPI(r) {
				web.JSON(w, r, http.StatusCreated, m)
				return
			}
			web.SetFlash(w, "report.media_saved")
			h.backToReport(w, r, id, "#media")
			return
		}
	}
}

func (h *Handlers) backToReport(w http.ResponseWriter, r *http.Request, id int64, anchor string) {
	rep, err := h.Service.Get(r.Context(), id)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.Redirect(w, r, URL(rep.CampaignSlug, rep.OrgCode)+anchor)
}

func (h *Handlers) uploadFailed(w http.ResponseWriter, r *http.Request, id int64, err error, offer *Media) {
	if e, ok := errs.As(err); ok && web.IsAPI(r) && offer != nil {
		l := web.L(r.Context())
		body := map[string]any{"code": e.Code, "message": l.T(e.Msg.Key, e.Msg.Args...), "fields": web.FieldMessages(l, e)}
		web.JSON(w, r, web.Status(e.Code), uploadAnswer{Error: body, Offer: offer})
		return
	}
	if _, _, ok := web.FormErrors(r, err); ok && !web.IsAPI(r) {
		rep, gerr := h.Service.Get(r.Context(), id)
		if gerr == nil {
			c, cerr := h.Service.Campaigns.Get(account.AsSystem(r.Context()), rep.CampaignSlug)
			if cerr == nil {
				h.showReport(w, r, c, rep, web.Status(errs.CodeOf(err)), nil, err, offer)
				return
			}
		}
	}
	h.Server.Error(w, r, err)
}

// mediaAction accepts an offered photo or removes a file.
func (h *Handlers) mediaAction(w http.ResponseWriter, r *http.Request) {
	if _, err := account.RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	id, mid := pathID(r, "id"), pathID(r, "mid")
	switch r.PathValue("action") {
	case "accept":
		m, err := h.Service.AcceptOffer(r.Context(), id, mid)
		if err != nil {
			h.Server.Error(w, r, err)
			return
		}
		if web.IsAPI(r) {
			web.JSON(w, r, http.StatusCreated, m)
			return
		}
		web.SetFlash(w, "report.media_saved")
	case "delete":
		if err := h.Service.DeleteMedia(r.Context(), id, mid); err != nil {
			h.Server.Error(w, r, err)
			return
		}
		web.SetFlash(w, "report.media_deleted")
	case "public", "private":
		if err := h.Service.SetPublic(r.Context(), id, mid, r.PathValue("action") == "public"); err != nil {
			h.Server.Error(w, r, err)
			return
		}
		web.SetFlash(w, "report.media_visibility")
	default:
		h.Server.Error(w, r, errs.NotFoundf("media action %s", r.PathValue("action")))
		return
	}
	h.backToReport(w, r, id, "#media")
}

func (h *Handlers) file(w http.ResponseWriter, r *http.Request) {
	if _, err := account.RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	thumb := strings.HasSuffix(r.URL.Path, "/thumb")
	m, obj, err := h.Service.OpenMedia(r.Context(), pathID(r, "id"), pathID(r, "mid"), thumb)
	h.serveMedia(w, r, m, obj, thumb, err)
}

// serveMedia answers with an opened file or its thumbnail; documents
// other than PDF are downloaded rather than shown.
func (h *Handlers) serveMedia(w http.ResponseWriter, r *http.Request, m Media, obj io.ReadSeekCloser, thumb bool, err error) {
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	defer obj.Close()
	// The name's extension is the detected type's, whatever the client
	// called the file, files stored before this rule included.
	name, ctype := media.NameFor(m.Filename, media.ExtOf(m.ContentType)), m.ContentType
	if thumb {
		name, ctype = "thumb-"+strings.TrimSuffix(name, extension(name))+".jpg", "image/jpeg"
	}
	inline := m.Kind != media.Document || ctype == "application/pdf"
	web.ServeFile(w, r, obj, m.CreatedAt, name, ctype, inline)
}

type boardPage struct {
	web.Page
	C         campaign.Campaign
	Rows      []BoardRow
	Counts    map[State]int
	Admin     bool
	ExtendErr string
	// BeforeWeek offers to open single reports early; Opens is when each
	// organisation's opens, by id.
	BeforeWeek bool
	Opens      map[int64]time.Time
}

func (h *Handlers) board(w http.ResponseWriter, r *http.Request) {
	c, p, err := h.campaign(r, "slug")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if !(p.Has(account.RoleAdmin) || p.Has(account.RoleCoordinator)) {
		if !p.Has(account.RoleFiler) {
			h.Server.Error(w, r, errs.ForbiddenErr()) // check-in staff have no report
			return
		}
		web.Redirect(w, r, URL(c.Slug, p.Org.Code))
		return
	}
	h.showBoard(w, r, c, http.StatusOK, "")
}

func (h *Handlers) showBoard(w http.ResponseWriter, r *http.Request, c campaign.Campaign, status int, extendErr string) {
	rows, err := h.Service.Board(r.Context(), c)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page := boardPage{Page: web.PageFor(r, "report.board.title"), C: c, Rows: rows, Counts: map[State]int{}, Admin: h.Service.Campaigns.CanEdit(r.Context(), c), ExtendErr: extendErr}
	page.Wide = true
	page.BeforeWeek, page.Opens = h.opensOf(r.Context(), c, rows)
	for _, row := range rows {
		page.Counts[row.State]++
	}
	h.render(w, r, status, "board.html", page)
}

func (h *Handlers) extend(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.campaign(r, "slug")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if !h.Service.Campaigns.CanEdit(r.Context(), c) {
		h.Server.Error(w, r, errs.ForbiddenErr()) // before the form is read: it is no one else's business
		return
	}
	r.ParseForm()
	until, err := review.ParseUntil(r.PostFormValue("until"))
	if err == nil {
		err = h.Service.Extend(r.Context(), c, r.PostFormValue("org"), until)
	}
	if err != nil {
		if fields, summary, ok := web.FormErrors(r, err); ok {
			msg := summary
			if f := fields["until"]; f != "" {
				msg = f
			}
			h.showBoard(w, r, c, web.Status(errs.CodeOf(err)), msg)
			return
		}
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "report.extended")
	web.Redirect(w, r, "/campaigns/"+c.Slug+"/reports")
}

// apiReport is a report in the API.
type apiReport struct {
	ID           int64          `json:"id"`
	Unit         string         `json:"unit"`
	UnitName     string         `json:"unit_name"`
	State        State          `json:"state"`
	WaitingAt    string         `json:"waiting_at,omitempty"`
	Sections     Sections       `json:"sections"`
	Figures      Figures        `json:"figures"`
	Participants map[string]int `json:"participants"`
	Coverage     []Coverage     `json:"coverage"`
	Media        []Media        `json:"media"`
	PaperOn      string         `json:"paper_received_on,omitempty"`
	SubmittedAt  *time.Time     `json:"submitted_at,omitempty"`
	UpdatedAt    time.Time      `json:"updated_at"`
	URL          string         `json:"url"`
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.campaign(r, "campaign")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	reps, err := h.Service.List(r.Context(), c)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	out := web.List[apiReport]{Items: []apiReport{}}
	for _, rep := range reps {
		a := apiReport{ID: rep.ID, Unit: rep.OrgCode, UnitName: rep.OrgName, State: rep.State, WaitingAt: rep.StageOrgName, Sections: rep.Sections,
			Figures: rep.Figures, Participants: rep.Participants, Coverage: rep.Coverage, UpdatedAt: rep.UpdatedAt.In(clock.Zone), URL: URL(c.Slug, rep.OrgCode)}
		if a.Coverage == nil {
			a.Coverage = []Coverage{}
		}
		if !rep.PaperOn.IsZero() {
			a.PaperOn = rep.PaperOn.In(clock.Zone).Format("2006-01-02")
		}
		if !rep.SubmittedAt.IsZero() {
			t := rep.SubmittedAt.In(clock.Zone)
			a.SubmittedAt = &t
		}
		ms, err := loadMedia(r.Context(), h.Service.DB, "report_id = ? AND offer = 0", rep.ID)
		if err != nil {
			h.Server.Error(w, r, err)
			return
		}
		a.Media = append([]Media{}, ms...)
		out.Items = append(out.Items, a)
	}
	out.Total, out.Page, out.PerPage = len(out.Items), 1, len(out.Items)
	web.JSON(w, r, http.StatusOK, out)
}

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
