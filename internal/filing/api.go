package filing

import (
	"net/http"
	"strconv"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/web"
)

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
