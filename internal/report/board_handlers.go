package report

import (
	"net/http"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/review"
	"github.com/sciweek/sciweek/internal/web"
)

type boardPage struct {
	web.Page
	C         campaign.Campaign
	Rows      []BoardRow
	Counts    map[State]int
	Admin     bool
	ExtendErr string
	// BeforeWeek offers to open single reports early; Opens is when each
	// organisation's opens, by id.
	BeforeWeek bool
	Opens      map[int64]time.Time
	// Level is the organiser's own summary, which gathers this board's
	// approved reports and goes to Parent (none at the top of a chain).
	Level  string
	Parent string
}

func (h *Handlers) board(w http.ResponseWriter, r *http.Request) {
	c, p, err := h.campaign(r, "slug")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if !(p.Has(account.RoleAdmin) || p.Has(account.RoleCoordinator)) {
		if !p.Has(account.RoleFiler) {
			h.Server.Error(w, r, errs.ForbiddenErr()) // check-in staff have no report
			return
		}
		web.Redirect(w, r, URL(c.Slug, p.Org.Code))
		return
	}
	h.showBoard(w, r, c, http.StatusOK, "")
}

func (h *Handlers) showBoard(w http.ResponseWriter, r *http.Request, c campaign.Campaign, status int, extendErr string) {
	rows, err := h.Service.Board(r.Context(), c)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page := boardPage{Page: web.PageFor(r, "report.board.title"), C: c, Rows: rows, Counts: map[State]int{}, Admin: h.Service.Campaigns.CanEdit(r.Context(), c), ExtendErr: extendErr}
	page.Wide = true
	page.BeforeWeek, page.Opens = h.opensOf(r.Context(), c, rows)
	if page.Admin {
		if page.Level, page.Parent, err = h.levelLink(r.Context(), c); err != nil {
			h.Server.Error(w, r, err)
			return
		}
	}
	for _, row := range rows {
		page.Counts[row.State]++
	}
	h.render(w, r, status, "board.html", page)
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
			h.showBoard(w, r, c, web.FormStatus(err), msg)
			return
		}
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "report.extended")
	web.Redirect(w, r, "/campaigns/"+c.Slug+"/reports")
}

// apiReport is a report in the API.
type apiReport struct {
	ID           int64          `json:"id"`
	Unit         string         `json:"unit"`
	UnitName     string         `json:"unit_name"`
	State        State          `json:"state"`
	WaitingAt    string         `json:"waiting_at,omitempty"`
	Sections     Sections       `json:"sections"`
	Figures      Figures        `json:"figures"`
	Participants map[string]int `json:"participants"`
	Coverage     []Coverage     `json:"coverage"`
	Media        []Media        `json:"media"`
	PaperOn      string         `json:"paper_received_on,omitempty"`
	SubmittedAt  *time.Time     `json:"submitted_at,omitempty"`
	UpdatedAt    time.Time      `json:"updated_at"`
	URL          string         `json:"url"`
	// Gathered, on a level's own summary, is what it gathers from below.
	Gathered *apiGathered `json:"gathered,omitempty"`
}

// apiGathered is a level report's roll-up: the campaign gathered from,
// the total and each approved report below.
type apiGathered struct {
	Campaign string              `json:"campaign"`
	Total    Figures             `json:"total"`
	Reports  []apiGatheredReport `json:"reports"`
}

type apiGatheredReport struct {
	Unit     string  `json:"unit"`
	UnitName string  `json:"unit_name"`
	Figures  Figures `json:"figures"`
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.campaign(r, "campaign")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	reps, err := h.Service.List(r.Context(), c)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	out := web.List[apiReport]{Items: []apiReport{}}
	for _, rep := range reps {
		a := apiReport{ID: rep.ID, Unit: rep.OrgCode, UnitName: rep.OrgName, State: rep.State, WaitingAt: rep.StageOrgName, Sections: rep.Sections,
			Figures: rep.Figures, Participants: rep.Participants, Coverage: rep.Coverage, UpdatedAt: rep.UpdatedAt.In(clock.Zone), URL: URL(c.Slug, rep.OrgCode)}
		if a.Coverage == nil {
			a.Coverage = []Coverage{}
		}
		if !rep.PaperOn.IsZero() {
			a.PaperOn = rep.PaperOn.In(clock.Zone).Format("2006-01-02")
		}
		if !rep.SubmittedAt.IsZero() {
			t := rep.SubmittedAt.In(clock.Zone)
			a.SubmittedAt = &t
		}
		ms, err := loadMedia(r.Context(), h.Service.DB, "report_id = ? AND offer = 0", rep.ID)
		if err != nil {
			h.Server.Error(w, r, err)
			return
		}
		a.Media = append([]Media{}, ms...)
		if a.Gathered, err = h.gathered(r.Context(), c, rep); err != nil {
			h.Server.Error(w, r, err)
			return
		}
		out.Items = append(out.Items, a)
	}
	out.Total, out.Page, out.PerPage = len(out.Items), 1, len(out.Items)
	web.JSON(w, r, http.StatusOK, out)
}
