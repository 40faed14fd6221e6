package filing

import (
	"context"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/paper"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/web"
)

// PaperRoutes registers the blank template, the print page and the
// submission that carries the stamped scan.
func (h *Handlers) PaperRoutes(mux web.Router) {
	mux.HandleFunc("GET /campaigns/{slug}/filings/{org}/{table}/template.xlsx", h.blankTemplate)
	mux.HandleFunc("GET /filings/{id}/print", h.print)
	mux.HandleFunc("GET /campaigns/{slug}/print/{table}", h.printApproved)
	mux.HandleFunc("POST /filings/{id}/submit", h.submitWithScan)
}

// FingerprintItems is the fingerprint of a table's items: what a printed
// copy is compared by.
func FingerprintItems(items []Item) string { return paper.Fingerprint([]byte(snapshot(items))) }

// checkScanRequired refuses a submission without the stamped scan when the
// campaign asks for one. Errors: Invalid "paper.error.scan_required".
func checkScanRequired(c campaign.Campaign, f Filing) error {
	if !c.RequireScan || f.Scan.Key != "" {
		return nil
	}
	return &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "paper.error.scan_required"},
		Fields: map[string]errs.Msg{"scan": {Key: "paper.error.scan_required"}}}
}

// submitWithScan takes the stamped scan sent with the submission, when
// there is one, then submits as the plain form does.
func (h *Handlers) submitWithScan(w http.ResponseWriter, r *http.Request) {
	if _, err := account.RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	r.SetPathValue("action", "submit")
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ctype != "multipart/form-data" {
		h.act(w, r)
		return
	}
	web.AllowSlow(w, 15*time.Minute)
	r.Body = http.MaxBytesReader(w, r.Body, MaxScanBytes+1<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		h.scanFailed(w, r, scanError(errs.TooLarge, "filing.scan.too_large", MaxScanBytes>>20))
		return
	}
	defer r.MultipartForm.RemoveAll()
	files := r.MultipartForm.File["scan"]
	if len(files) == 0 || files[0].Filename == "" {
		h.act(w, r)
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	f, err := h.Service.Get(r.Context(), id)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	file, err := files[0].Open()
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	defer file.Close()
	if err := h.Service.AttachScan(r.Context(), id, files[0].Filename, file); err != nil {
		h.scanFailed(w, r, err)
		return
	}
	// The scan moved the filing on by one version; a form opened at the
	// version before stays valid for the submission it came with.
	if v, _ := strconv.Atoi(r.PostFormValue("version")); v == f.Version {
		r.PostForm.Set("version", strconv.Itoa(v+1))
	}
	h.act(w, r)
}

// byID loads the filing named by the path's id, its campaign and its form,
// for a signed-in person who may see it. Errors: Unauthenticated, NotFound.
func (h *Handlers) byID(r *http.Request) (campaign.Campaign, Filing, Template, error) {
	if _, err := account.RequireLogin(r); err != nil {
		return campaign.Campaign{}, Filing{}, Template{}, err
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	f, err := h.Service.Get(r.Context(), id)
	if err != nil {
		return campaign.Campaign{}, f, Template{}, err
	}
	c, err := h.Service.Campaigns.Get(account.AsSystem(r.Context()), f.CampaignSlug)
	if err != nil {
		return c, f, Template{}, err
	}
	t, _, err := h.Service.Template(r.Context(), c, f.Table)
	return c, f, t, err
}

func (h *Handlers) scanFailed(w http.ResponseWriter, r *http.Request, err error) {
	c, f, _, lerr := h.byID(r)
	if lerr != nil {
		h.Server.Error(w, r, lerr)
		return
	}
	if _, _, ok := web.FormErrors(r, err); ok {
		h.showFiling(w, r, c, f, web.FormStatus(err), err, "")
		return
	}
	h.Server.Error(w, r, err)
}

// printHead is a header cell of the printed table, with a width class
// that keeps short columns from breaking their values, as the workbook's
// column widths do.
type printHead struct {
	Label string
	Width string
}

// widthClass buckets a column's narrowest width, in a spreadsheet's
// character units, into the print style's width classes.
func widthClass(c exportColumn) string {
	lo, _ := c.widthRange()
	switch {
	case c.kind == colSeq:
		return "w0"
	case lo <= 6:
		return "w1"
	case lo <= 10:
		return "w2"
	case lo <= 14:
		return "w3"
	case lo <= 24:
		return "w4"
	}
	return "w5"
}

// printCell is one cell of the printed table.
type printCell struct {
	Text    string
	Centred bool
}

type printPage struct {
	web.Page
	C campaign.Campaign
	F Filing
	// Filer is the name on the stamp line.
	Filer string
	// Consolidated is the approved items of several units, a district's
	// part or the whole city's, rather than one filing.
	Consolidated bool
	Tpl          Template
	Header       []printHead
	Rows         [][]printCell
	Stamp        paper.Stamp
	PrintedAt    time.Time
	Attachment   string
	Heading      string
	Back         string
}

// print is the table in the official layout for printing and stamping, at
// any state, with a verification code for the printed revision.
func (h *Handlers) print(w http.ResponseWriter, r *http.Request) {
	c, f, t, err := h.byID(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	spec := ExportSpec{Template: t, Year: c.Start.Year(), Filer: f.OrgName}
	for _, it := range f.Items {
		spec.Rows = append(spec.Rows, ExportRow{Values: it.Values})
	}
	page := h.printPage(r, c, spec, filingURL(c, f))
	page.F = f
	if page.Stamp, err = paper.StampFor(r, h.Paper, paper.Printed{Kind: paper.KindFiling, ObjectID: f.ID, CampaignID: c.ID, OrgID: f.OrgID,
		Revision: f.Revision, Fingerprint: FingerprintItems(f.Items), State: string(f.State)}); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	h.render(w, r, http.StatusOK, "print.html", page)
}

// printPage lays out spec as the print page shows it.
func (h *Handlers) printPage(r *http.Request, c campaign.Campaign, spec ExportSpec, back string) printPage {
	t := spec.Template
	page := printPage{Page: web.PageFor(r, ""), C: c, Tpl: t, Filer: spec.Filer, Attachment: t.Attachment(), Heading: t.FullTitle(c.Start.Year()),
		PrintedAt: h.Service.Clock.Now().In(clock.Zone), Back: back}
	page.Title = page.Heading
	page.Wide = true
	cols := exportColumns(spec)
	for _, col := range cols {
		page.Header = append(page.Header, printHead{Label: col.label, Width: widthClass(col)})
	}
	for i, row := range spec.Rows {
		cells := make([]printCell, len(cols))
		for j, col := range cols {
			cells[j] = printCell{Text: col.text(i+1, row), Centred: col.centred()}
		}
		page.Rows = append(page.Rows, cells)
	}
	return page
}

// printApproved prints a district's part, or the caller's whole area, of a
// table: the approved items with the unit that filed each, as the export
// lays them out, for stamping by the district. ?district= narrows it as
// the export does.
func (h *Handlers) printApproved(w http.ResponseWriter, r *http.Request) {
	c, p, err := h.campaign(r, "slug")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	table, err := tableOf(r)
	if err == nil && !(p.Has(account.RoleAdmin) || p.Has(account.RoleCoordinator)) {
		err = errs.NotFoundf("print of table %d", table)
	}
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	spec, _, err := h.approvedSpec(r, c, p, table, r.URL.Query().Get("district"))
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page := h.printPage(r, c, spec, "/campaigns/"+c.Slug+"/board")
	page.Consolidated = true
	w.Header().Set("Cache-Control", "private, no-store")
	h.render(w, r, http.StatusOK, "print.html", page)
}

// PaperSource tells the paper copies what a filing is now.
type PaperSource struct{ Service *Service }

// Document describes the filing and its current approved revision.
func (p PaperSource) Document(ctx context.Context, id int64) (paper.Document, error) {
	f, err := p.Service.Get(ctx, id)
	if err != nil {
		return paper.Document{}, err
	}
	c, err := p.Service.Campaigns.Get(ctx, f.CampaignSlug)
	if err != nil {
		return paper.Document{}, err
	}
	t, _, err := p.Service.Template(ctx, c, f.Table)
	if err != nil {
		return paper.Document{}, err
	}
	doc := paper.Document{CampaignTitle: c.Title, Title: t.Attachment() + " " + t.FullTitle(c.Start.Year()), OrgName: f.OrgName, URL: filingURL(c, f)}
	if f.ApprovedRevision == 0 {
		return doc, nil
	}
	revs, err := p.Service.Revisions(ctx, id)
	if err != nil {
		return doc, err
	}
	for _, rv := range revs {
		if rv.Number == f.ApprovedRevision {
			doc.Current, doc.CurrentFingerprint, doc.CurrentSince = rv.Number, FingerprintItems(rv.Items), rv.SubmittedAt
		}
	}
	// Approved since the last decision on that revision: the city's
	// approval, or the submission of a table that needs none.
	var at db.Time
	err = p.Service.DB.QueryRow(ctx, `SELECT at FROM filing_events WHERE filing_id = ? AND revision = ? AND action IN ('approve', 'submit')
		ORDER BY id DESC LIMIT 1`, id, f.ApprovedRevision).Scan(&at)
	if err == nil {
		doc.CurrentSince = at.In(clock.Zone)
	}
	return doc, nil
}

// Received needs nothing more of a filing: the code is its record.
func (PaperSource) Received(context.Context, int64, time.Time, string) error { return nil }
