package filing

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/review"
	"github.com/sciweek/sciweek/internal/web"
)

// UpwardRoutes registers the pages of a level's submission to the level
// above.
func (h *Handlers) UpwardRoutes(mux web.Router) {
	mux.HandleFunc("GET /campaigns/{slug}/upward", h.upward)
	mux.HandleFunc("POST /campaigns/{slug}/upward/submit", h.submitUpward)
	mux.HandleFunc("POST /campaigns/{slug}/upward/decide", h.decideUpward)
	mux.HandleFunc("POST /campaigns/{slug}/upward/pass", h.passOn)
}

// passOn takes a row's comment from the level above to the unit that
// filed it.
func (h *Handlers) passOn(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.campaign(r, "slug")
	if err == nil {
		err = h.Service.PassOn(r.Context(), c, r.PostFormValue("uid"))
	}
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "upward.passed")
	web.Redirect(w, r, "/campaigns/"+c.Slug+"/upward")
}

type upwardPage struct {
	web.Page
	C, Parent campaign.Campaign
	Org       account.Organisation
	S         Submission
	Groups    []upwardGroup
	Rows      int
	Check     UpwardCheck
	// Confirm asks the organiser to submit in spite of the warnings.
	Confirm   bool
	CanSubmit bool
	Review    bool
	Events    []Event
	Returned  *Event
	Deadline  time.Time
	Reminders []Reminder
	Errors    map[string]string
	Summary   string
	Comment   string
}

// upwardGroup is the rows of one table from one region.
type upwardGroup struct {
	Table  int
	Region string
	Rows   []upwardRowView
}

type upwardRowView struct {
	UpwardRow
	Number   int
	Title    string
	Comments []Event
}

func (h *Handlers) upward(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.campaign(r, "slug")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.showUpward(w, r, c, http.StatusOK, nil, false)
}

// showUpward renders a level's submission: what it holds (or would hold
// if submitted now), the warnings, the submit or decision form and the
// history.
func (h *Handlers) showUpward(w http.ResponseWriter, r *http.Request, c campaign.Campaign, status int, formErr error, confirm bool) {
	ctx := r.Context()
	sb, parent, org, err := h.Service.Upward(ctx, c)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page := upwardPage{Page: web.PageFor(r, "upward.title"), C: c, Parent: parent, Org: org, S: sb, Confirm: confirm, Comment: r.PostFormValue("comment")}
	page.Wide = true
	sub := sb.subject(org, parent)
	p := account.FromContext(ctx)
	page.CanSubmit = p != nil && p.OrgID == org.ID && consolidates(ctx) && review.Allowed(ctx, sub, review.Submit) && parent.State != campaign.StateArchived
	page.Review = review.Allowed(ctx, sub, review.Approve)
	if page.Events, err = h.Service.UpwardEvents(ctx, sb); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	for i, e := range page.Events {
		if e.Action == "return" && e.Revision == sb.Revision && sb.State == StateReturned {
			page.Returned = &page.Events[i]
		}
	}
	var rows []UpwardRow
	if page.CanSubmit {
		rows, err = h.Service.UpwardRows(ctx, c) // what goes up if submitted now
		if err == nil {
			page.Check, err = h.Service.CheckUpward(ctx, c)
		}
		page.Reminders, _ = h.Service.Reminders(ctx, parent) // CanSubmit: not sent up since
	} else {
		rows, err = h.Service.SubmittedRows(ctx, sb)
	}
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if page.Groups, err = h.upwardGroups(r, c, rows, page.Events, sb.Revision); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page.Rows = len(rows)
	page.Deadline, _ = h.Service.Deadline(ctx, parent, org.ID)
	if errors.Is(formErr, ErrConfirm) {
		formErr = nil // the warnings stand in the confirm form
	}
	if !h.formErrors(w, r, formErr, &page.Errors, &page.Summary) {
		return
	}
	h.render(w, r, status, "upward.html", page)
}

// upwardGroups groups rows by table and region, numbering each table's
// rows from 1, with the comments on each in revision.
func (h *Handlers) upwardGroups(r *http.Request, c campaign.Campaign, rows []UpwardRow, events []Event, revision int) ([]upwardGroup, error) {
	var out []upwardGroup
	for t := 1; t <= 2; t++ {
		tpl, _, err := h.Service.Template(r.Context(), c, t)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, row := range rows {
			if row.Table != t {
				continue
			}
			if len(out) == 0 || out[len(out)-1].Table != t || out[len(out)-1].Region != row.Region {
				out = append(out, upwardGroup{Table: t, Region: row.Region})
			}
			n++
			v := upwardRowView{UpwardRow: row, Number: n}
			if len(tpl.Fields) > 0 {
				v.Title = row.Values[tpl.Fields[0].Key]
			}
			for _, e := range events {
				if e.ItemUID == row.UID && e.Revision == revision {
					v.Comments = append(v.Comments, e)
				}
			}
			g := &out[len(out)-1]
			g.Rows = append(g.Rows, v)
		}
	}
	return out, nil
}

func (h *Handlers) submitUpward(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.campaign(r, "slug")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	version, _ := web.Int(r.PostFormValue("version"), 0, web.MaxVersion)
	_, err = h.Service.SubmitUpward(r.Context(), c, version, r.PostFormValue("confirm") == "1")
	switch {
	case errors.Is(err, ErrConfirm):
		h.showUpward(w, r, c, http.StatusOK, err, true)
		return
	case err != nil:
		if _, _, ok := web.FormErrors(r, err); ok {
			h.showUpward(w, r, c, web.FormStatus(err), err, false)
			return
		}
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "upward.submitted")
	web.Redirect(w, r, "/campaigns/"+c.Slug+"/upward")
}

func (h *Handlers) decideUpward(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.campaign(r, "slug")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	// The rules decide first: one who may not decide learns nothing more.
	if err := h.Service.MayDecideUpward(r.Context(), c); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	d, err := review.ReadDecision(r, "")
	if err == nil {
		rows := map[string]string{}
		for k, v := range r.PostForm {
			if uid, ok := strings.CutPrefix(k, "c_"); ok && len(v) > 0 {
				rows[uid] = v[0]
			}
		}
		err = h.Service.DecideUpward(r.Context(), c, d, rows)
	}
	if err != nil {
		if _, _, ok := web.FormErrors(r, err); ok {
			h.showUpward(w, r, c, web.FormStatus(err), err, false)
			return
		}
		h.Server.Error(w, r, err)
		return
	}
	flash := "upward.approved"
	if d.Action == review.Return {
		flash = "upward.returned"
	}
	web.SetFlash(w, flash)
	web.Redirect(w, r, "/campaigns/"+c.Slug+"/upward")
}
