package news

import (
	"net/http"
	"strconv"

	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/web"
)

type sectionsPage struct {
	web.Page
	C       campaign.Campaign
	Rows    []SectionInput
	Errors  map[string]string
	Summary string
}

// sectionsForm lets the organiser rename, reorder and add sections: one
// row per section and an empty one to add.
func (h *Handlers) sectionsForm(w http.ResponseWriter, r *http.Request) {
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	if !h.Service.Campaigns.CanEdit(r.Context(), c) {
		h.Server.Error(w, r, errForbidden())
		return
	}
	secs, err := h.Service.Sections(r.Context(), c)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	var rows []SectionInput
	for _, s := range secs {
		rows = append(rows, SectionInput{Code: s.Code, Name: s.Name, NameEn: s.NameEn})
	}
	h.render(w, r, http.StatusOK, "sections.html", sectionsPage{Page: web.PageFor(r, "news.title.sections", c.Title), C: c, Rows: append(rows, SectionInput{})})
}

func (h *Handlers) saveSections(w http.ResponseWriter, r *http.Request) {
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	var rows []SectionInput
	for i := 0; i < len(r.PostForm["code"]); i++ {
		at := func(k string) string {
			if vs := r.PostForm[k]; i < len(vs) {
				return vs[i]
			}
			return ""
		}
		rows = append(rows, SectionInput{Code: at("code"), Name: at("name"), NameEn: at("name_en")})
	}
	if err := h.Service.SaveSections(r.Context(), c, rows); err != nil {
		fields, summary, ok := web.FormErrors(r, err)
		if !ok {
			h.Server.Error(w, r, err)
			return
		}
		h.render(w, r, web.FormStatus(err), "sections.html", sectionsPage{Page: web.PageFor(r, "news.title.sections", c.Title), C: c, Rows: rows, Errors: fields, Summary: summary})
		return
	}
	web.SetFlash(w, "news.flash.sections")
	web.Redirect(w, r, "/campaigns/"+c.Slug+"/news")
}

// RowID names a row's field for its label and error.
func (p sectionsPage) RowID(field string, i int) string { return field + "_" + strconv.Itoa(i) }
