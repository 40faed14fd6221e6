package filing

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/web"
)

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
	t, _, err := h.Service.Template(r.Context(), c, f.Table)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if uid != "" {
		_, problems = Check(t, WindowOf(c), values)
	}
	h.renderItem(w, r, http.StatusOK, c, f, t, uid, values, problems, "")
}

// renderItem shows the item form of template t.
func (h *Handlers) renderItem(w http.ResponseWriter, r *http.Request, status int, c campaign.Campaign, f Filing, t Template, uid string, values Values, problems map[string]errs.Msg, summary string) {
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

// saveItem stores an item as the clerk typed it; the service reads the
// campaign, the organisation and the form once and hands back what the
// form shown again needs.
func (h *Handlers) saveItem(w http.ResponseWriter, r *http.Request) {
	table, err := tableOf(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	in := valuesFromForm(r)
	uid := r.PathValue("uid")
	sv, err := h.Service.SaveItemAt(r.Context(), r.PathValue("slug"), r.PathValue("org"), table, uid, in)
	if err != nil {
		if e, ok := errs.As(err); ok && (e.Code == errs.Conflict || e.Code == errs.Invalid && len(e.Fields) > 0) {
			// Nothing is stored: the clerk sees the form as typed, with why.
			h.renderItem(w, r, web.FormStatus(err), sv.Campaign, sv.Filing, sv.Template, uid, in, e.Fields, web.L(r.Context()).T(e.Msg.Key, e.Msg.Args...))
			return
		}
		h.Server.Error(w, r, err)
		return
	}
	if len(sv.Problems) > 0 {
		// Saved as typed; the form shows what still needs work.
		h.renderItem(w, r, web.FormStatus(errs.New(errs.Invalid, "filing.item.saved_with_problems")), sv.Campaign, sv.Filing, sv.Template, sv.Item.UID, in, sv.Problems,
			web.L(r.Context()).T("filing.item.saved_with_problems", len(sv.Problems)))
		return
	}
	web.SetFlash(w, "filing.item.saved")
	web.Redirect(w, r, filingURL(sv.Campaign, sv.Filing)+"#item-"+sv.Item.UID)
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
