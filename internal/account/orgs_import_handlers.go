package account

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/i18n"
	"github.com/sciweek/sciweek/internal/web"
)

// ImportPreviewRow is one row of an import as the preview shows it.
type ImportPreviewRow struct {
	UnitRow
	Problems map[string]string
}

// ImportProblem is one faulty cell, in words.
type ImportProblem struct {
	Row     int
	Column  string
	Message string
}

type importPage struct {
	web.Page
	ParentOptions []Option
	Parent        string
	Text          string
	Errors        map[string]string
	Summary       string
	Preview       []ImportPreviewRow
	Valid         []UnitRow
	Problems      []ImportProblem
	Result        []ImportedUnit
	MaxMiB        int
	MaxRows       int
}

func (h *Handlers) importPageFor(r *http.Request, p *Principal) (importPage, error) {
	page := importPage{Page: web.PageFor(r, "import.title"), Errors: map[string]string{}, MaxMiB: MaxWorkbookBytes >> 20, MaxRows: MaxImportRows}
	nodes, err := h.Service.ManagedOrgs(r.Context())
	if err != nil {
		return page, err
	}
	var parents []Organisation
	for _, n := range nodes {
		if n.Kind == KindBureau && n.Status == StatusActive && p.CanCreateUnder(n.Organisation, KindUnit) {
			parents = append(parents, n.Organisation)
		}
	}
	if len(parents) == 0 {
		return page, errs.ForbiddenErr()
	}
	page.ParentOptions = orgOptions(web.L(r.Context()), parents)
	page.Parent = strings.ToLower(r.URL.Query().Get("parent"))
	if page.Parent == "" {
		page.Parent = parents[0].Code
	}
	page.Wide = true
	return page, nil
}

func (h *Handlers) importForm(w http.ResponseWriter, r *http.Request) {
	p, err := requireManager(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page, err := h.importPageFor(r, p)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "import.html", page)
}

// importRows reads what the import form sent: the rows of a preview being
// confirmed, an uploaded workbook, or a pasted list.
func importRows(r *http.Request) (rows []UnitRow, confirm bool, err error) {
	if r.PostFormValue("step") == "confirm" {
		f := r.PostForm
		for i, row := range f["row"] {
			n, _ := strconv.Atoi(row)
			at := func(k string) string {
				if i < len(f[k]) {
					return f[k][i]
				}
				return ""
			}
			rows = append(rows, UnitRow{Row: n, Name: at("name"), Code: at("code"), ContactName: at("contact_name"),
				ContactPhone: at("contact_phone"), ContactEmail: at("contact_email")})
		}
		return rows, true, nil
	}
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 && fhs[0].Filename != "" {
			fh := fhs[0]
			if !strings.HasSuffix(strings.ToLower(fh.Filename), ".xlsx") {
				return nil, false, fieldErr(errs.Invalid, "file", "import.error.not_xlsx")
			}
			if fh.Size > MaxWorkbookBytes {
				return nil, false, fieldErr(errs.TooLarge, "file", "import.error.too_large", MaxWorkbookBytes>>20)
			}
			f, err := fh.Open()
			if err != nil {
				return nil, false, err
			}
			defer f.Close()
			rows, err := ReadUnitWorkbook(f)
			if e, ok := errs.As(err); ok {
				e.Fields = map[string]errs.Msg{"file": e.Msg}
			}
			return rows, false, err
		}
	}
	return ParseUnitList(r.PostFormValue("text")), false, nil
}

func fieldErr(code errs.Code, field, key string, args ...any) *errs.Error {
	return &errs.Error{Code: code, Msg: errs.Msg{Key: key, Args: args}, Fields: map[string]errs.Msg{field: {Key: key, Args: args}}}
}

func (h *Handlers) importPost(w http.ResponseWriter, r *http.Request) {
	p, err := requireManager(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page, err := h.importPageFor(r, p)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.AllowSlow(w, 15*time.Minute)
	r.Body = http.MaxBytesReader(w, r.Body, MaxWorkbookBytes+1<<20)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			h.importFailed(w, r, page, fieldErr(errs.TooLarge, "file", "import.error.too_large", MaxWorkbookBytes>>20))
			return
		}
		defer r.MultipartForm.RemoveAll()
		if err := web.CheckValues(r.PostForm); err != nil {
			h.Server.Error(w, r, err)
			return
		}
	}
	page.Parent, page.Text = strings.ToLower(r.PostFormValue("parent")), r.PostFormValue("text")
	rows, confirm, err := importRows(r)
	if err != nil {
		h.importFailed(w, r, page, err)
		return
	}
	l := web.L(r.Context())
	if confirm {
		result, problems, err := h.Service.ImportUnits(r.Context(), page.Parent, rows)
		if err != nil && problems == nil {
			h.importFailed(w, r, page, err)
			return
		}
		if err != nil {
			page.preview(l, rows, problems)
			page.Summary = l.T("import.error.rows", len(problems))
			h.render(w, r, web.FormStatus(err), "import.html", page)
			return
		}
		page.Result = result
		page.Flash = l.T("import.done", len(result))
		h.render(w, r, http.StatusOK, "import.html", page)
		return
	}
	rows, problems, err := h.Service.CheckUnits(r.Context(), page.Parent, rows)
	if err != nil {
		h.importFailed(w, r, page, err)
		return
	}
	page.preview(l, rows, problems)
	h.render(w, r, http.StatusOK, "import.html", page)
}

// preview lays out the checked rows, the faulty ones with their messages,
// and keeps the valid ones for the confirmation.
func (page *importPage) preview(l i18n.Localizer, rows []UnitRow, problems []RowError) {
	byRow := map[int]map[string]string{}
	for _, p := range problems {
		msg := l.T(p.Msg.Key, p.Msg.Args...)
		if byRow[p.Row] == nil {
			byRow[p.Row] = map[string]string{}
		}
		byRow[p.Row][p.Column] = msg
		page.Problems = append(page.Problems, ImportProblem{Row: p.Row, Column: l.T("import.col." + p.Column), Message: msg})
	}
	for _, u := range rows {
		page.Preview = append(page.Preview, ImportPreviewRow{UnitRow: u, Problems: byRow[u.Row]})
		if byRow[u.Row] == nil {
			page.Valid = append(page.Valid, u)
		}
	}
}

// importFailed shows the import form again with the message beside the
// field at fault.
func (h *Handlers) importFailed(w http.ResponseWriter, r *http.Request, page importPage, err error) {
	e, ok := errs.As(err)
	if !ok || (e.Code != errs.Invalid && e.Code != errs.TooLarge && e.Code != errs.Conflict) {
		h.Server.Error(w, r, err)
		return
	}
	l := web.L(r.Context())
	page.Errors = web.FieldMessages(l, e)
	page.Summary = l.T(e.Msg.Key, e.Msg.Args...)
	if len(e.Fields) > 0 && e.Msg.Key == "error.invalid" {
		page.Summary = l.T("error.invalid")
	}
	h.render(w, r, web.FormStatus(err), "import.html", page)
}
