package filing

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/web"
)

// maxTemplateFields bounds how many fields one posted form may carry.
const maxTemplateFields = 200

// TemplateRoutes registers the organiser's editor of a table's form.
func (h *Handlers) TemplateRoutes(mux web.Router) {
	mux.HandleFunc("GET /campaigns/{slug}/forms/{table}", h.templateForm)
	mux.HandleFunc("POST /campaigns/{slug}/forms/{table}", h.saveTemplate)
}

// fieldRow is one field of the editor, as stored or as typed.
type fieldRow struct {
	Field
	// ID prefixes the ids of the row's inputs: the field's key, or "new".
	ID string
	// ChoicesText holds the choices one a line.
	ChoicesText string
	// Errors are the messages beside the row's inputs: label, type, key.
	Errors      map[string]string
	First, Last bool
}

// Open reports whether the row's help and choices start unfolded.
func (r fieldRow) Open() bool {
	return r.Help != "" || r.HelpEn != "" || r.ChoicesText != "" || r.Type == TypeChoice || r.Type == TypeMulti
}

type templatePage struct {
	web.Page
	C       campaign.Campaign
	Tpl     Template
	Version int
	Rows    []fieldRow
	New     fieldRow
	Types   []FieldType
	Summary string
	// Stale is set when someone else saved the form in between.
	Stale  bool
	Errors map[string]string
	Action string
}

// editableTemplate returns the campaign, the table and its current form
// when the caller organises the campaign.
func (h *Handlers) editableTemplate(r *http.Request) (campaign.Campaign, Template, int, error) {
	c, _, err := h.campaign(r, "slug")
	if err != nil {
		return c, Template{}, 0, err
	}
	table, err := tableOf(r)
	if err != nil {
		return c, Template{}, 0, err
	}
	if !h.Service.Campaigns.CanEdit(r.Context(), c) {
		return c, Template{}, 0, errs.ForbiddenErr()
	}
	t, version, err := h.Service.Template(r.Context(), c, table)
	return c, t, version, err
}

func templateURL(c campaign.Campaign, table int) string {
	return "/campaigns/" + c.Slug + "/forms/" + strconv.Itoa(table)
}

func (h *Handlers) templateForm(w http.ResponseWriter, r *http.Request) {
	c, t, version, err := h.editableTemplate(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	rows := make([]fieldRow, len(t.Fields))
	for i, f := range t.Fields {
		rows[i] = fieldRow{Field: f, ID: f.Key, ChoicesText: strings.Join(f.Choices, "\n")}
	}
	page := templatePageFor(r, c, t, version, rows, fieldRow{ID: "new", Field: Field{Type: TypeText}})
	h.render(w, r, http.StatusOK, "form_template.html", page)
}

// templatePageFor lays out the editor for rows and the new field's row.
func templatePageFor(r *http.Request, c campaign.Campaign, t Template, version int, rows []fieldRow, added fieldRow) templatePage {
	page := templatePage{Page: web.PageFor(r, "filing.forms.title", t.Table), C: c, Tpl: t, Version: version,
		Rows: rows, New: added, Types: FieldTypes, Action: templateURL(c, t.Table)}
	for i := range page.Rows {
		page.Rows[i].First, page.Rows[i].Last = i == 0, i == len(page.Rows)-1
	}
	return page
}

// templateRowsFromForm reads the fields as typed, in the order posted,
// and the row of a new field. Whatever the form cannot change — where a
// field's choices come from, whether it is a column of the official table
// — is taken from the current form.
func templateRowsFromForm(r *http.Request, cur Template) ([]fieldRow, fieldRow) {
	r.ParseForm()
	n, _ := web.Int(r.PostFormValue("rows"), 0, maxTemplateFields)
	row := func(prefix string) fieldRow {
		v := func(name string) string { return r.PostFormValue(name + prefix) }
		f := Field{
			Label: strings.TrimSpace(v("label")), LabelEn: strings.TrimSpace(v("label_en")),
			Type: FieldType(v("type")), Help: strings.TrimSpace(v("help")), HelpEn: strings.TrimSpace(v("help_en")),
			Required: v("required") != "", Public: v("public") != "", Positive: v("positive") != "", Retired: v("retired") != "",
			Choices: splitLines(v("choices")),
		}
		return fieldRow{Field: f, ChoicesText: strings.Join(f.Choices, "\n")}
	}
	var rows []fieldRow
	for i := range n {
		fr := row("." + strconv.Itoa(i))
		fr.Key = r.PostFormValue("key." + strconv.Itoa(i))
		fr.ID = fr.Key
		if old, ok := cur.Field(fr.Key); ok {
			fr.ChoicesFrom, fr.Extra = old.ChoicesFrom, old.Extra
		}
		rows = append(rows, fr)
	}
	added := row(".new")
	added.ID = "new"
	if added.Type == "" {
		added.Type = TypeText
	}
	return rows, added
}

// blank reports whether nothing was typed into the row of a new field.
func (r fieldRow) blank() bool {
	return r.Label == "" && r.LabelEn == "" && r.Help == "" && r.HelpEn == "" && len(r.Choices) == 0
}

// newFieldKey returns a key no field of rows holds: f and a number.
func newFieldKey(rows []fieldRow) string {
	used := map[string]bool{}
	for _, r := range rows {
		used[r.Key] = true
	}
	for n := len(rows) + 1; ; n++ {
		if k := "f" + strconv.Itoa(n); !used[k] {
			return k
		}
	}
}

// move applies an "up:KEY" or "down:KEY" action to rows.
func move(rows []fieldRow, action string) (string, bool) {
	dir, key, ok := strings.Cut(action, ":")
	if !ok || (dir != "up" && dir != "down") {
		return "", false
	}
	for i := range rows {
		if rows[i].Key != key {
			continue
		}
		j := i - 1
		if dir == "down" {
			j = i + 1
		}
		if j >= 0 && j < len(rows) {
			rows[i], rows[j] = rows[j], rows[i]
		}
		return key, true
	}
	return "", false
}

func (h *Handlers) saveTemplate(w http.ResponseWriter, r *http.Request) {
	c, cur, _, err := h.editableTemplate(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	rows, added := templateRowsFromForm(r, cur)
	version, _ := web.Int(r.PostFormValue("version"), 0, web.MaxVersion)
	moved, isMove := move(rows, r.PostFormValue("action"))

	t := Template{Table: cur.Table, Title: cur.Title, TitleEn: cur.TitleEn}
	for _, fr := range rows {
		t.Fields = append(t.Fields, fr.Field)
	}
	if !added.blank() {
		f := added.Field
		f.Key = newFieldKey(rows)
		t.Fields = append(t.Fields, f)
	}
	err = h.Service.SaveTemplate(r.Context(), c, t, version)
	if err != nil {
		fields, summary, ok := web.FormErrors(r, err)
		if !ok {
			h.Server.Error(w, r, err)
			return
		}
		placeErrors(fields, rows, &added)
		page := templatePageFor(r, c, cur, version, rows, added)
		page.Summary, page.Errors, page.Stale = summary, fields, errs.CodeOf(err) == errs.Conflict
		h.render(w, r, web.FormStatus(err), "form_template.html", page)
		return
	}
	if isMove {
		web.SetFlash(w, "filing.forms.moved")
		web.Redirect(w, r, templateURL(c, t.Table)+"#field-"+moved)
		return
	}
	web.SetFlash(w, "filing.forms.saved")
	web.Redirect(w, r, templateURL(c, t.Table))
}

// placeErrors moves each message beside the input it concerns, out of
// fields: SaveTemplate names them fields.N.label, where N counts the posted
// fields and then the new one. What concerns no one row stays in fields.
func placeErrors(fields map[string]string, rows []fieldRow, added *fieldRow) {
	for name, m := range fields {
		rest, ok := strings.CutPrefix(name, "fields.")
		idx, what, ok2 := strings.Cut(rest, ".")
		i, err := strconv.Atoi(idx)
		if !ok || !ok2 || err != nil || i < 0 {
			continue
		}
		target := added
		if i < len(rows) {
			target = &rows[i]
		}
		if target.Errors == nil {
			target.Errors = map[string]string{}
		}
		target.Errors[what] = m
		delete(fields, name)
	}
}
