package filing

import (
	"net/http"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/web"
)

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
