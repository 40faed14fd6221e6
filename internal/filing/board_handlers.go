package filing

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/review"
	"github.com/sciweek/sciweek/internal/web"
)

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
	C campaign.Campaign
	BoardView
	Query    BoardQuery
	IsAdmin  bool
	Statuses []Status
	// Ignored names the filters whose values the board does not offer.
	Ignored []string
	// ExtendErr is why an extension was refused.
	ExtendErr          string
	PrevHref, NextHref string
}

// boardPerPage is how many organisations one page of the board lists.
const boardPerPage = 100

func (h *Handlers) board(w http.ResponseWriter, r *http.Request) {
	h.renderBoard(w, r, http.StatusOK, "")
}

func (h *Handlers) renderBoard(w http.ResponseWriter, r *http.Request, status int, extendErr string) {
	c, _, err := h.campaign(r, "slug")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	get := r.URL.Query().Get
	page := boardPage{Page: web.PageFor(r, "filing.board.title"), C: c,
		IsAdmin: h.Service.Campaigns.CanEdit(r.Context(), c), ExtendErr: extendErr, Statuses: statuses[:]}
	// A filter's value the board does not offer is left out, and named
	// above the list, rather than answered with a list of no one.
	q := BoardQuery{State: get("state"), PerPage: boardPerPage}
	if _, err := statusNumber(Status(q.State)); err != nil && q.State != "" && q.State != "late" {
		page.Ignored, q.State = append(page.Ignored, page.T("campaign.state")), ""
	}
	var ok bool
	if q.Table, ok = web.Int(get("table"), 1, 2); !ok && get("table") != "" && get("table") != "0" {
		page.Ignored = append(page.Ignored, page.T("filing.table"))
	}
	if q.Level, ok = web.Int(get("level"), 1, 99); !ok && get("level") != "" && get("level") != "0" {
		page.Ignored = append(page.Ignored, page.T("scale.board.level"))
	}
	q.Page, _ = web.PageNumber(r) // a page out of range shows the first
	view, err := h.Service.BoardPage(r.Context(), c, q)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if q.Level != 0 && !slices.Contains(view.Levels, q.Level) {
		page.Ignored, q.Level = append(page.Ignored, page.T("scale.board.level")), 0
		if view, err = h.Service.BoardPage(r.Context(), c, q); err != nil {
			h.Server.Error(w, r, err)
			return
		}
	}
	page.BoardView, page.Query = view, q
	link := func(n int) string {
		v := url.Values{"page": {strconv.Itoa(n)}}
		for k, x := range map[string]string{"state": q.State, "table": strconv.Itoa(q.Table), "level": strconv.Itoa(q.Level)} {
			if x != "" && x != "0" {
				v.Set(k, x)
			}
		}
		return "/campaigns/" + c.Slug + "/board?" + v.Encode()
	}
	if q.Page > 1 {
		page.PrevHref = link(q.Page - 1)
	}
	if q.Page*q.PerPage < view.Total {
		page.NextHref = link(q.Page + 1)
	}
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
	org, until, err := review.ReadExtension(r, h.Service.Campaigns, c)
	if err == nil {
		err = h.Service.Extend(r.Context(), c, org, until)
	}
	if err != nil {
		if msg, ok := web.FormMessage(r, err, "until"); ok {
			h.renderBoard(w, r, web.FormStatus(err), msg)
			return
		}
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "filing.board.extended")
	web.Redirect(w, r, "/campaigns/"+c.Slug+"/board")
}
