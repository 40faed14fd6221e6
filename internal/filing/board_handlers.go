package filing

import (
	"net/http"
	"net/url"
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
	C        campaign.Campaign
	Rows     []BoardRow
	State    string
	Table    int
	Counts   map[Status]int
	Late     int
	IsAdmin  bool
	Statuses []Status
	// ExtendErr is why an extension was refused.
	ExtendErr string
	// Prev and Next are the board's pages before and after this one.
	Prev, Next string
}

// boardPageSize is how many rows a board shows at once: a national
// board lists some thirty provinces, a large city's a few hundred units.
const boardPageSize = 50

// Show reports whether a row passes the board's filter.
func (p boardPage) Show(row BoardRow) bool {
	for t := 1; t <= 2; t++ {
		if p.Table != 0 && p.Table != t {
			continue
		}
		c := row.Cells[t]
		switch {
		case p.State == "":
			return true
		case p.State == "late" && c.Late, p.State == string(c.Status):
			return true
		}
	}
	return false
}

func (h *Handlers) board(w http.ResponseWriter, r *http.Request) {
	h.renderBoard(w, r, http.StatusOK, "")
}

func (h *Handlers) renderBoard(w http.ResponseWriter, r *http.Request, status int, extendErr string) {
	c, p, err := h.campaign(r, "slug")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	rows, err := h.Service.Board(r.Context(), c)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page := boardPage{Page: web.PageFor(r, "filing.board.title"), C: c, Rows: rows, State: r.URL.Query().Get("state"),
		Counts: map[Status]int{}, IsAdmin: h.Service.Campaigns.CanEdit(r.Context(), c),
		Statuses: []Status{StatusNotStarted, StatusDraft, StatusSubmitted, StatusReturned, StatusApproved}}
	page.Table, _ = web.Int(r.URL.Query().Get("table"), 1, 2)
	for _, row := range rows {
		for t := 1; t <= 2; t++ {
			if row.Upward != "" && t == 2 {
				break // a level's one submission holds both tables
			}
			page.Counts[row.Cells[t].Status]++
			if row.Cells[t].Late {
				page.Late++
			}
		}
	}
	page.ExtendErr = extendErr
	_ = p
	page.Rows, page.Prev, page.Next = pageRows(r, page)
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

// pageRows is the rows of the board's filter on the page the address
// asks for, with the addresses of the pages before and after it.
func pageRows(r *http.Request, page boardPage) (rows []BoardRow, prev, next string) {
	for _, row := range page.Rows {
		if page.Show(row) {
			rows = append(rows, row)
		}
	}
	n, _ := web.Int(r.URL.Query().Get("page"), 1, 1+len(rows)/boardPageSize)
	n = max(n, 1)
	at := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return "/campaigns/" + page.C.Slug + "/board?" + q.Encode()
	}
	if n > 1 {
		prev = at(n - 1)
	}
	if n*boardPageSize < len(rows) {
		next = at(n + 1)
	}
	return rows[min((n-1)*boardPageSize, len(rows)):min(n*boardPageSize, len(rows))], prev, next
}
