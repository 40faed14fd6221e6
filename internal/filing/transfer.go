package filing

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/i18n"
	"github.com/sciweek/sciweek/internal/platform/blob"
	"github.com/sciweek/sciweek/internal/review"
	"github.com/sciweek/sciweek/internal/timetext"
	"github.com/sciweek/sciweek/internal/web"
)

// TransferRoutes registers the export and import paths.
func (h *Handlers) TransferRoutes(mux web.Router) {
	mux.HandleFunc("GET /api/v1/campaigns/{campaign}/exports/{file}", h.export)
	mux.HandleFunc("GET /campaigns/{campaign}/exports/{file}", h.export)
	mux.HandleFunc("POST /api/v1/campaigns/{campaign}/imports", h.apiImport)
	mux.HandleFunc("GET /campaigns/{campaign}/import", h.importForm)
	mux.HandleFunc("POST /campaigns/{campaign}/import", h.importPreview)
	mux.HandleFunc("POST /campaigns/{campaign}/import/confirm", h.importConfirm)
}

// export answers table1.xlsx, table2.xlsx, table1.csv or table2.csv: the
// approved items the caller may see, in the official layout; district=
// narrows to one district.
func (h *Handlers) export(w http.ResponseWriter, r *http.Request) {
	web.AllowSlow(w, 15*time.Minute) // a whole city's table, to a phone
	c, p, err := h.campaign(r, "campaign")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	name, ext, _ := strings.Cut(r.PathValue("file"), ".")
	table, terr := strconv.Atoi(strings.TrimPrefix(name, "table"))
	if !strings.HasPrefix(name, "table") || terr != nil || (table != 1 && table != 2) || (ext != "xlsx" && ext != "csv") {
		h.Server.Error(w, r, errs.NotFoundf("export %s", r.PathValue("file")))
		return
	}
	district := r.URL.Query().Get("district")
	spec, filer, err := h.approvedSpec(r, c, p, table, district)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	t := spec.Template
	if err := h.Service.recordExport(r, c, table, ext, district, len(spec.Rows)); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	filename := t.FullTitle(c.Start.Year())
	if district != "" {
		filename += "（" + filer.Name + "）"
	}
	filename += "." + ext
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	w.Header().Set("Cache-Control", "private, no-store")
	if ext == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		err = WriteCSV(w, spec)
	} else {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		err = WriteXLSX(w, spec)
	}
	if err != nil {
		h.Server.Log.Error("export", "err", err, "request_id", web.RequestID(r.Context()))
	}
}

// approvedSpec is the approved items of a table that the caller may see, as
// the export and the print lay them out: below district when given (one the
// caller's organisation contains), filed in the name of that district or of
// the caller's organisation. Errors: NotFound.
func (h *Handlers) approvedSpec(r *http.Request, c campaign.Campaign, p *account.Principal, table int, district string) (ExportSpec, account.Organisation, error) {
	filer := p.Org
	if district != "" {
		d, err := h.Service.Accounts.Org(r.Context(), district)
		if err != nil || !p.Org.Contains(d) {
			return ExportSpec{}, filer, errs.NotFoundf("district %s", district)
		}
		filer = d
	}
	items, err := h.Service.ApprovedItems(r.Context(), c, table, district)
	if err != nil {
		return ExportSpec{}, filer, err
	}
	t, _, err := h.Service.Template(r.Context(), c, table)
	if err != nil {
		return ExportSpec{}, filer, err
	}
	spec := ExportSpec{Template: t, Year: c.Start.Year(), Filer: filer.Name, WithUnits: true, Campaign: c.Slug}
	for _, it := range items {
		spec.Rows = append(spec.Rows, ExportRow{District: it.District, Unit: it.Unit, Values: it.Values})
	}
	if owner, err := h.Service.Accounts.OrgByID(r.Context(), c.OwnerOrgID); err == nil && district == "" && review.CanRead(r.Context(), owner) {
		// A level above a city: the approved submissions of the levels
		// below it follow its own units', each grouped under its level.
		below, err := h.Service.belowRows(r.Context(), c)
		if err != nil {
			return ExportSpec{}, filer, err
		}
		for _, row := range below {
			if row.Table == table {
				spec.GroupLabel = labelRegion
				spec.Rows = append(spec.Rows, ExportRow{District: row.Region, Unit: row.Unit, Values: row.Values})
			}
		}
	}
	return spec, filer, nil
}

// recordExport writes the export into the audit log.
func (s *Service) recordExport(r *http.Request, c campaign.Campaign, table int, ext, district string, n int) error {
	return s.Audit.Record(r.Context(), s.DB, "filing.export", "campaign", c.Slug, map[string]any{"table": table, "format": ext, "district": district, "items": n})
}

// upload reads the "file" part of a multipart body into a temporary file,
// refusing more than MaxImportBytes while it reads; other parts become form
// values. The caller removes the file.
func upload(w http.ResponseWriter, r *http.Request) (*os.File, int64, map[string]string, error) {
	web.AllowSlow(w, 15*time.Minute)
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, 0, nil, &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "filing.import.no_file"}, Fields: map[string]errs.Msg{"file": {Key: "filing.import.no_file"}}, Err: err}
	}
	values := map[string]string{}
	var tmp *os.File
	var size int64
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if tmp != nil {
				tmp.Close()
				os.Remove(tmp.Name())
			}
			return nil, 0, nil, &errs.Error{Code: errs.TooLarge, Msg: errs.Msg{Key: "filing.import.too_large", Args: []any{MaxImportBytes >> 20}}, Fields: map[string]errs.Msg{"file": {Key: "filing.import.too_large", Args: []any{MaxImportBytes >> 20}}}, Err: err}
		}
		if part.FormName() != "file" {
			b, _ := io.ReadAll(io.LimitReader(part, 4096))
			values[part.FormName()] = string(b)
			continue
		}
		if tmp != nil {
			continue
		}
		if tmp, err = os.CreateTemp("", "sciweek-import-*.xlsx"); err != nil {
			return nil, 0, nil, err
		}
		size, err = io.Copy(tmp, io.LimitReader(part, MaxImportBytes+1))
		if err != nil || size > MaxImportBytes {
			tmp.Close()
			os.Remove(tmp.Name())
			return nil, 0, nil, &errs.Error{Code: errs.TooLarge, Msg: errs.Msg{Key: "filing.import.too_large", Args: []any{MaxImportBytes >> 20}}, Fields: map[string]errs.Msg{"file": {Key: "filing.import.too_large", Args: []any{MaxImportBytes >> 20}}}, Err: err}
		}
	}
	if tmp == nil {
		return nil, 0, values, &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "filing.import.no_file"}, Fields: map[string]errs.Msg{"file": {Key: "filing.import.no_file"}}}
	}
	return tmp, size, values, nil
}

// importTarget checks the table and unit of an import.
func (h *Handlers) importTarget(r *http.Request, c campaign.Campaign, p *account.Principal, tableText, unit string) (int, account.Organisation, error) {
	f := errs.Fields{}
	table, err := strconv.Atoi(strings.TrimSpace(tableText))
	if err != nil || (table != 1 && table != 2) {
		f.Add("table", "filing.error.table")
	}
	unit = strings.TrimSpace(unit)
	if unit == "" {
		unit = p.Org.Code
	}
	org, err := h.Service.Accounts.Org(r.Context(), unit)
	if err != nil || !canSee(r.Context(), org) {
		f.Add("unit", "filing.import.unit_unknown")
	} else if !canWrite(r.Context(), org) {
		return 0, org, errs.ForbiddenErr()
	}
	return table, org, f.Err()
}

func (h *Handlers) readUpload(w http.ResponseWriter, r *http.Request) (campaign.Campaign, int, account.Organisation, ImportResult, []byte, error) {
	c, p, err := h.campaign(r, "campaign")
	if err == nil && review.CheckinOnly(p) {
		err = errs.New(errs.Forbidden, "review.error.checkin_only")
	}
	if err != nil {
		return c, 0, account.Organisation{}, ImportResult{}, nil, err
	}
	tmp, size, values, err := upload(w, r)
	if err != nil {
		return c, 0, account.Organisation{}, ImportResult{}, nil, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	table, org, err := h.importTarget(r, c, p, values["table"], values["unit"])
	if err != nil {
		return c, table, org, ImportResult{}, nil, err
	}
	if err := h.checkWorkbookFor(r, c, table, org, tmp, size); err != nil {
		return c, table, org, ImportResult{}, nil, err
	}
	t, _, err := h.Service.Template(r.Context(), c, table)
	if err != nil {
		return c, table, org, ImportResult{}, nil, err
	}
	win, err := h.importWindow(r, c, t, MappingsFromForm(t, values))
	if err != nil {
		return c, table, org, ImportResult{}, nil, err
	}
	res, err := ReadWorkbook(tmp, size, t, win)
	if err != nil {
		return c, table, org, res, nil, withFileField(err)
	}
	raw, err := os.ReadFile(tmp.Name())
	return c, table, org, res, raw, err
}

// importWindow is what an import is checked against: the campaign's week
// and choices, with what the campaign has been told unknown values mean,
// and the mappings posted with this import, which are remembered first.
func (h *Handlers) importWindow(r *http.Request, c campaign.Campaign, t Template, posted []ChoiceMapping) (Window, error) {
	if err := h.Service.SaveChoiceMappings(r.Context(), c, t, posted); err != nil {
		return Window{}, err
	}
	w := WindowOf(c)
	var err error
	if w.Mappings, err = h.Service.ChoiceMappings(r.Context(), c); err != nil {
		return Window{}, err
	}
	return w, nil
}

// withFileField puts a workbook error beside the file field.
func withFileField(err error) error {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) > 0 {
		return err
	}
	e.Fields = map[string]errs.Msg{"file": e.Msg}
	return e
}

type importRowJSON struct {
	Row    int               `json:"row"`
	Values map[string]string `json:"values"`
	// Readings say, by column header, how each opening-times cell was read.
	Readings map[string]readingJSON `json:"readings,omitempty"`
}

type readingJSON struct {
	Text     string `json:"text"`
	Summary  string `json:"summary"`
	Sessions int    `json:"sessions"`
}

type unknownChoiceJSON struct {
	Field      string   `json:"field"`
	Key        string   `json:"key"`
	Value      string   `json:"value"`
	Rows       []int    `json:"rows"`
	Suggestion string   `json:"suggestion,omitempty"`
	Choices    []string `json:"choices"`
}

type importErrorJSON struct {
	Row     int    `json:"row"`
	Field   string `json:"field,omitempty"`
	Value   string `json:"value,omitempty"`
	Message string `json:"message"`
	// Reading is what could be read of opening times that were refused.
	Reading string `json:"reading,omitempty"`
}

// problemsJSON lists the problems of a preview in the language, each
// refused opening-times cell with what could be read of it.
func problemsJSON(res ImportResult, l i18n.Localizer) []importErrorJSON {
	readings := map[int]map[string]timetext.Reading{}
	for _, r := range res.Rejected {
		readings[r.Row] = r.Readings
	}
	out := []importErrorJSON{}
	for _, p := range res.Problems {
		e := importErrorJSON{Row: p.Row, Field: p.Label, Value: p.Value, Message: l.T(p.Msg.Key, p.Msg.Args...)}
		if rd, ok := readings[p.Row][p.Field]; ok && len(rd.Sessions) > 0 {
			e.Reading = rd.Summary(l.Lang)
		}
		out = append(out, e)
	}
	return out
}

// apiImport answers the preview of a workbook: the importable rows by
// column header, and every problem by sheet row.
func (h *Handlers) apiImport(w http.ResponseWriter, r *http.Request) {
	c, table, _, res, _, err := h.readUpload(w, r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	t, _, _ := h.Service.Template(r.Context(), c, table)
	l := web.L(r.Context())
	out := struct {
		Sheet     string              `json:"sheet"`
		HeaderRow int                 `json:"header_row"`
		Unit      string              `json:"unit_in_sheet,omitempty"`
		Rows      []importRowJSON     `json:"rows"`
		Errors    []importErrorJSON   `json:"errors"`
		Ignored   []string            `json:"ignored_columns,omitempty"`
		Unknown   []unknownChoiceJSON `json:"unknown_choices"`
	}{Sheet: res.Sheet, HeaderRow: res.HeaderRow, Unit: res.Unit, Rows: []importRowJSON{}, Errors: []importErrorJSON{}, Ignored: res.Ignored, Unknown: []unknownChoiceJSON{}}
	for _, row := range res.Rows {
		v := map[string]string{}
		var readings map[string]readingJSON
		for _, f := range t.Active() {
			if x := row.Values[f.Key]; x != "" {
				v[f.Label] = x
			}
			if rd, ok := row.Readings[f.Key]; ok {
				if readings == nil {
					readings = map[string]readingJSON{}
				}
				readings[f.Label] = readingJSON{Text: rd.Text, Summary: rd.Summary(l.Lang), Sessions: len(rd.Sessions)}
			}
		}
		out.Rows = append(out.Rows, importRowJSON{Row: row.Row, Values: v, Readings: readings})
	}
	for _, u := range res.Unknown {
		out.Unknown = append(out.Unknown, unknownChoiceJSON{Field: u.Label, Key: u.Field, Value: u.Value, Rows: u.Rows, Suggestion: u.Suggestion, Choices: u.Choices})
	}
	out.Errors = problemsJSON(res, l)
	web.JSON(w, r, http.StatusOK, out)
}

type importPage struct {
	web.Page
	C        campaign.Campaign
	Units    []account.Organisation
	Unit     string
	Table    int
	Errors   map[string]string
	Summary  string
	Preview  *ImportResult
	Tpl      Template
	Key      string
	Problems []importErrorJSON
	UnitName string
	Unknown  []unknownView
}

// unknownView is an unknown choice on the preview page.
type unknownView struct {
	UnknownChoice
	// RowsText lists the rows, the first few when there are many.
	RowsText string
}

func unknownViews(us []UnknownChoice) []unknownView {
	var out []unknownView
	for _, u := range us {
		var rows []string
		for i, n := range u.Rows {
			if i == 12 {
				rows = append(rows, "…")
				break
			}
			rows = append(rows, strconv.Itoa(n))
		}
		out = append(out, unknownView{UnknownChoice: u, RowsText: strings.Join(rows, "、")})
	}
	return out
}

func (h *Handlers) importUnits(r *http.Request) []account.Organisation {
	p := account.FromContext(r.Context())
	orgs, _ := h.Service.Accounts.Subtree(r.Context(), p.Org)
	var out []account.Organisation
	for _, o := range orgs {
		if o.Status == account.StatusActive && canWrite(r.Context(), o) {
			out = append(out, o)
		}
	}
	return out
}

func (h *Handlers) importForm(w http.ResponseWriter, r *http.Request) {
	c, p, err := h.campaign(r, "campaign")
	if err == nil && review.CheckinOnly(p) {
		err = errs.New(errs.Forbidden, "review.error.checkin_only")
	}
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	table, _ := web.Int(r.URL.Query().Get("table"), 1, 2)
	if table != 2 {
		table = 1
	}
	unit := r.URL.Query().Get("unit")
	if unit == "" {
		unit = p.Org.Code
	}
	h.render(w, r, http.StatusOK, "import.html", importPage{Page: web.PageFor(r, "filing.import.title"), C: c, Units: h.importUnits(r), Unit: unit, Table: table})
}

func (h *Handlers) importPreview(w http.ResponseWriter, r *http.Request) {
	c, table, org, res, raw, err := h.readUpload(w, r)
	page := importPage{Page: web.PageFor(r, "filing.import.title"), C: c, Table: table, Unit: org.Code, UnitName: org.Name}
	if err != nil {
		fields, summary, ok := web.FormErrors(r, err)
		if e, isErr := errs.As(err); isErr && e.Code == errs.TooLarge {
			fields, summary, ok = web.FieldMessages(web.L(r.Context()), e), web.L(r.Context()).T(e.Msg.Key, e.Msg.Args...), true
		}
		if !ok || c.ID == 0 {
			h.Server.Error(w, r, err)
			return
		}
		page.Errors, page.Summary, page.Units = fields, summary, h.importUnits(r)
		h.render(w, r, web.FormStatus(err), "import.html", page)
		return
	}
	key := blob.NewKey("imports")
	if _, err := h.Service.Blobs.Put(r.Context(), key, bytes.NewReader(raw), MaxImportBytes); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page.Preview, page.Key, page.Unknown = &res, key, unknownViews(res.Unknown)
	page.Tpl, _, _ = h.Service.Template(r.Context(), c, table)
	l := web.L(r.Context())
	page.Problems = problemsJSON(res, l)
	page.Wide = true
	h.render(w, r, http.StatusOK, "import_preview.html", page)
}

// importConfirm reads the previewed workbook again and adds its rows to
// the unit's draft: the good rows, and the rejected ones too when asked,
// flagged for correction in the draft.
func (h *Handlers) importConfirm(w http.ResponseWriter, r *http.Request) {
	c, p, err := h.campaign(r, "campaign")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	key := r.PostFormValue("key")
	if !strings.HasPrefix(key, "imports/") || strings.Contains(key, "..") {
		h.Server.Error(w, r, errs.NotFoundf("import %q", key))
		return
	}
	table, org, err := h.importTarget(r, c, p, r.PostFormValue("table"), r.PostFormValue("unit"))
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	obj, size, _, err := h.Service.Blobs.Open(r.Context(), key)
	if err != nil {
		h.Server.Error(w, r, errs.Wrap(errs.NotFound, err, "filing.import.expired"))
		return
	}
	defer obj.Close()
	raw, err := io.ReadAll(io.LimitReader(obj, MaxImportBytes+1))
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	t, _, err := h.Service.Template(r.Context(), c, table)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	form := map[string]string{}
	for k := range r.PostForm {
		form[k] = r.PostForm.Get(k)
	}
	win, err := h.importWindow(r, c, t, MappingsFromForm(t, form))
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	res, err := ReadWorkbook(bytes.NewReader(raw), size, t, win)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	var rows []Values
	for _, row := range res.Rows {
		rows = append(rows, row.Values)
	}
	if r.PostFormValue("with_rejected") != "" {
		for _, row := range res.Rejected {
			rows = append(rows, row.Values)
		}
	}
	f, err := h.Service.ImportItems(r.Context(), c, org.Code, table, rows)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.Service.Blobs.Delete(r.Context(), key)
	web.SetFlash(w, "filing.import.done")
	web.Redirect(w, r, filingURL(c, f))
}
