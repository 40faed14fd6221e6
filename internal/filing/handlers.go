package filing

import (
	"embed"
	"net/http"
	"net/url"
	"regexp"
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
	if formErr != nil {
		fields, summary, ok := web.FormErrors(r, formErr)
		if !ok {
			h.Server.Error(w, r, formErr)
			return
		}
		page.Errors, page.Summary = fields, summary
	}
	h.render(w, r, status, "show.html", page)
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

type itemPage struct {
	web.Page
	C       campaign.Campaign
	F       Filing
	Tpl     Template
	UID     string
	Fields  []FieldView
	Summary string
	Action  string
	Back    string
}

func (h *Handlers) itemForm(w http.ResponseWriter, r *http.Request) {
	c, f, err := h.load(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	uid := r.PathValue("uid")
	var values Values
	if uid != "" {
		found := false
		for _, it := range f.Items {
			if it.UID == uid {
				values, found = it.Values, true
			}
		}
		if !found {
			h.Server.Error(w, r, errs.NotFoundf("item %s", uid))
			return
		}
	}
	var problems map[string]errs.Msg
	t, _, _ := h.Service.Template(r.Context(), c, f.Table)
	if uid != "" {
		_, problems = Check(t, WindowOf(c), values)
	}
	h.renderItem(w, r, http.StatusOK, c, f, uid, values, problems, "")
}

func (h *Handlers) renderItem(w http.ResponseWriter, r *http.Request, status int, c campaign.Campaign, f Filing, uid string, values Values, problems map[string]errs.Msg, summary string) {
	t, _, err := h.Service.Template(r.Context(), c, f.Table)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	key := "filing.item.new"
	if uid != "" {
		key = "filing.item.edit"
	}
	page := itemPage{Page: web.PageFor(r, key), C: c, F: f, Tpl: t, UID: uid, Summary: summary, Back: filingURL(c, f)}
	page.Fields = formFields(t, WindowOf(c), web.L(r.Context()), values, problems)
	page.Action = filingURL(c, f) + "/items"
	if uid != "" {
		page.Action += "/" + uid
	}
	h.render(w, r, status, "item.html", page)
}

// valuesFromForm reads an item form: every field f_<key>, several
// choices one a line, and a date-time input's value as clerks write it.
func valuesFromForm(r *http.Request) Values {
	r.ParseForm()
	v := Values{}
	for name, vals := range r.PostForm {
		key, ok := strings.CutPrefix(name, "f_")
		if !ok || key == "" {
			continue
		}
		v[key] = strings.Join(vals, "\n")
		if dateTimeInput.MatchString(v[key]) {
			v[key] = strings.Replace(v[key], "T", " ", 1)
		}
	}
	return v
}

// dateTimeInput is the value of an <input type="datetime-local">.
var dateTimeInput = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$`)

func (h *Handlers) saveItem(w http.ResponseWriter, r *http.Request) {
	c, f, err := h.load(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	in := valuesFromForm(r)
	uid := r.PathValue("uid")
	nf, item, problems, err := h.Service.SaveItem(r.Context(), c, f.OrgCode, f.Table, uid, in)
	if err != nil {
		if e, ok := errs.As(err); ok && (e.Code == errs.Conflict || e.Code == errs.Invalid && len(e.Fields) > 0) {
			// Nothing is stored: the clerk sees the form as typed, with why.
			h.renderItem(w, r, web.Status(e.Code), c, f, uid, in, e.Fields, web.L(r.Context()).T(e.Msg.Key, e.Msg.Args...))
			return
		}
		h.Server.Error(w, r, err)
		return
	}
	if len(problems) > 0 {
		// Saved as typed; the form shows what still needs work.
		h.renderItem(w, r, http.StatusUnprocessableEntity, c, nf, item.UID, in, problems,
			web.L(r.Context()).T("filing.item.saved_with_problems", len(problems)))
		return
	}
	web.SetFlash(w, "filing.item.saved")
	web.Redirect(w, r, filingURL(c, nf)+"#item-"+item.UID)
}

func (h *Handlers) deleteItem(w http.ResponseWriter, r *http.Request) {
	c, f, err := h.load(r)
	if err == nil && f.ID == 0 {
		err = errs.NotFoundf("no filing")
	}
	if err == nil {
		err = h.Service.DeleteItem(r.Context(), f.ID, r.PathValue("uid"))
	}
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "filing.item.deleted")
	web.Redirect(w, r, filingURL(c, f))
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
			h.showFiling(w, r, c, f, web.Status(errs.CodeOf(err)), err, comment)
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

type compareRow struct {
	Label, Old, New string
	Changed         bool
}

type compareItem struct {
	Title  string
	Status string // added, removed, changed, same
	Rows   []compareRow
}

type comparePage struct {
	web.Page
	C       campaign.Campaign
	F       Filing
	A, B    int
	Items   []compareItem
	Numbers []int
	URL     string
}

// compare shows two revisions side by side, field by field.
func (h *Handlers) compare(w http.ResponseWriter, r *http.Request) {
	if _, err := account.RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	id := web.FormID(r.PathValue("id"))
	f, err := h.Service.Get(r.Context(), id)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	c, err := h.Service.Campaigns.Get(account.AsSystem(r.Context()), f.CampaignSlug)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	revs, err := h.Service.Revisions(r.Context(), id)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	byNum := map[int]Revision{}
	page := comparePage{Page: web.PageFor(r, "filing.compare.title"), C: c, F: f, URL: filingURL(c, f)}
	for _, rv := range revs {
		byNum[rv.Number] = rv
		page.Numbers = append(page.Numbers, rv.Number)
	}
	page.B, _ = web.Int(r.URL.Query().Get("b"), 1, web.MaxVersion)
	page.A, _ = web.Int(r.URL.Query().Get("a"), 1, web.MaxVersion)
	if page.B == 0 {
		page.B = f.Revision
	}
	if page.A == 0 {
		page.A = page.B - 1
	}
	ra, okA := byNum[page.A]
	rb, okB := byNum[page.B]
	if !okB || (!okA && page.A != 0) {
		h.Server.Error(w, r, errs.NotFoundf("revision"))
		return
	}
	t, _, _ := h.Service.Template(r.Context(), c, f.Table)
	page.Items = compareItems(t, web.Lang(r.Context()), ra.Items, rb.Items)
	page.Wide = true
	h.render(w, r, http.StatusOK, "compare.html", page)
}

func compareItems(t Template, lang string, a, b []Item) []compareItem {
	old := map[string]Item{}
	for _, it := range a {
		old[it.UID] = it
	}
	seen := map[string]bool{}
	var out []compareItem
	title := func(it Item) string { return it.Values[t.Fields[0].Key] }
	for _, it := range b {
		seen[it.UID] = true
		o, had := old[it.UID]
		ci := compareItem{Title: title(it), Status: "same"}
		if !had {
			ci.Status = "added"
		}
		for _, f := range t.Fields {
			row := compareRow{Label: f.Name(lang), Old: o.Values[f.Key], New: it.Values[f.Key]}
			row.Changed = had && row.Old != row.New
			if row.Changed {
				ci.Status = "changed"
			}
			if row.Old != "" || row.New != "" {
				ci.Rows = append(ci.Rows, row)
			}
		}
		out = append(out, ci)
	}
	for _, it := range a {
		if !seen[it.UID] {
			ci := compareItem{Title: title(it), Status: "removed"}
			for _, f := range t.Fields {
				if v := it.Values[f.Key]; v != "" {
					ci.Rows = append(ci.Rows, compareRow{Label: f.Name(lang), Old: v})
				}
			}
			out = append(out, ci)
		}
	}
	return out
}

type queuePage struct {
	web.Page
	C       campaign.Campaign
	Waiting []Filing
	Others  []Filing
}

// queue lists the filings waiting for the caller's review.
func (h *Handlers) queue(w http.ResponseWriter, r *http.Request) {
	c, p, err := h.campaign(r, "slug")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if !(p.Has(account.RoleAdmin) || p.Has(account.RoleCoordinator)) {
		h.Server.Error(w, r, errs.ForbiddenErr())
		return
	}
	fs, err := h.Service.List(r.Context(), c, ListFilter{})
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page := queuePage{Page: web.PageFor(r, "filing.review.title"), C: c}
	for _, f := range fs {
		switch {
		case f.State == StateSubmitted && f.StageOrgID == p.OrgID:
			page.Waiting = append(page.Waiting, f)
		case f.State != StateDraft && f.OrgID != p.OrgID:
			page.Others = append(page.Others, f)
		}
	}
	page.Wide = true
	h.render(w, r, http.StatusOK, "review.html", page)
}

type boardPage struct {
	web.Page
	C        campaign.Campaign
	Rows     []BoardRow
	State    string
	Table    int
	Counts   map[Status]int
	Late     int
	IsAdmin  bool
	Statuses []Status
	Errors   map[string]string
}

// Show reports whether a row passes the board's filter.
func (p boardPage) Show(row BoardRow) bool {
	for t := 1; t <= 2; t++ {
		if p.Table != 0 && p.Table != t {
			continue
		}
		c := row.Cells[t]
		switch {
		case p.State == "":
			return true
		case p.State == "late" && c.Late, p.State == string(c.Status):
			return true
		}
	}
	return false
}

func (h *Handlers) board(w http.ResponseWriter, r *http.Request) {
	h.renderBoard(w, r, http.StatusOK, nil)
}

func (h *Handlers) renderBoard(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	c, p, err := h.campaign(r, "slug")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	rows, err := h.Service.Board(r.Context(), c)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page := boardPage{Page: web.PageFor(r, "filing.board.title"), C: c, Rows: rows, State: r.URL.Query().Get("state"),
		Counts: map[Status]int{}, IsAdmin: h.Service.Campaigns.CanEdit(r.Context(), c),
		Statuses: []Status{StatusNotStarted, StatusDraft, StatusSubmitted, StatusReturned, StatusApproved}}
	page.Table, _ = web.Int(r.URL.Query().Get("table"), 1, 2)
	for _, row := range rows {
		for t := 1; t <= 2; t++ {
			page.Counts[row.Cells[t].Status]++
			if row.Cells[t].Late {
				page.Late++
			}
		}
	}
	if formErr != nil {
		page.Errors, _, _ = web.FormErrors(r, formErr)
	}
	_ = p
	page.Wide = true
	h.render(w, r, status, "board.html", page)
}

func (h *Handlers) remind(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.campaign(r, "slug")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	table, _ := web.Int(r.PostFormValue("table"), 1, 2)
	if err := h.Service.Remind(r.Context(), c, r.PostFormValue("org"), table); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "filing.board.reminded")
	web.Redirect(w, r, "/campaigns/"+c.Slug+"/board?"+url.Values{"state": {r.PostFormValue("state")}}.Encode())
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
	until, err := review.ParseUntil(r.PostFormValue("until"))
	if err == nil {
		err = h.Service.Extend(r.Context(), c, r.PostFormValue("org"), until)
	}
	if err != nil {
		if _, _, ok := web.FormErrors(r, err); ok {
			h.renderBoard(w, r, web.Status(errs.CodeOf(err)), err)
			return
		}
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "filing.board.extended")
	web.Redirect(w, r, "/campaigns/"+c.Slug+"/board")
}

// FilingJSON is a filing in the API.
type FilingJSON struct {
	ID        int64               `json:"id"`
	Unit      string              `json:"unit"`
	UnitName  string              `json:"unit_name"`
	District  string              `json:"district"`
	Table     int                 `json:"table"`
	State     State               `json:"state"`
	Stage     string              `json:"stage,omitempty"`
	Revision  int                 `json:"revision"`
	Approved  int                 `json:"approved_revision"`
	Submitted *time.Time          `json:"submitted_at,omitempty"`
	Items     []map[string]string `json:"items"`
	URL       string              `json:"url"`
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.campaign(r, "campaign")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page, perPage, err := web.Paging(r, 50)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	lf := ListFilter{State: State(q.Get("state")), District: q.Get("district"), Unit: q.Get("unit")}
	if t := q.Get("table"); t != "" {
		if lf.Table, err = strconv.Atoi(t); err != nil || (lf.Table != 1 && lf.Table != 2) {
			h.Server.Error(w, r, &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "error.invalid"}, Fields: map[string]errs.Msg{"table": {Key: "filing.error.table"}}})
			return
		}
	}
	fs, err := h.Service.List(r.Context(), c, lf)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	owner, _ := h.Service.Accounts.OrgByID(r.Context(), c.OwnerOrgID)
	tpls := map[int]Template{}
	out := web.List[FilingJSON]{Items: []FilingJSON{}, Total: len(fs), Page: page, PerPage: perPage}
	for i := (page - 1) * perPage; i < len(fs) && i < page*perPage; i++ {
		f := fs[i]
		t, ok := tpls[f.Table]
		if !ok {
			t, _, _ = h.Service.Template(r.Context(), c, f.Table)
			tpls[f.Table] = t
		}
		org, _ := h.Service.Accounts.OrgByID(r.Context(), f.OrgID)
		j := FilingJSON{ID: f.ID, Unit: f.OrgCode, UnitName: f.OrgName, District: districtCode(r, h, org, owner), Table: f.Table, State: f.State,
			Stage: f.StageOrgName, Revision: f.Revision, Approved: f.ApprovedRevision, URL: filingURL(c, f), Items: []map[string]string{}}
		if !f.SubmittedAt.IsZero() {
			at := f.SubmittedAt.In(campaign.Zone)
			j.Submitted = &at
		}
		for _, it := range f.Items {
			row := map[string]string{}
			for _, fd := range t.Fields {
				if v := it.Values[fd.Key]; v != "" {
					row[fd.Label] = v
				}
			}
			j.Items = append(j.Items, row)
		}
		out.Items = append(out.Items, j)
	}
	web.JSON(w, r, http.StatusOK, out)
}

func districtCode(r *http.Request, h *Handlers, org, owner account.Organisation) string {
	ids := append(org.AncestorIDs(), org.ID)
	for i, id := range ids {
		if id == owner.ID && i+1 < len(ids) {
			if d, err := h.Service.Accounts.OrgByID(r.Context(), ids[i+1]); err == nil {
				return d.Code
			}
		}
	}
	return ""
}
