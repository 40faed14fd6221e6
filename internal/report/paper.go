package report

import (
	"context"
	"net/http"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/paper"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/web"
)

// PaperRoutes registers the print page of a report.
func (h *Handlers) PaperRoutes(mux web.Router) {
	mux.HandleFunc("GET /reports/{id}/print", h.print)
}

// Fingerprint is the fingerprint of what a report says: its sections,
// figures, participants and coverage, as printed.
func Fingerprint(r Report) string {
	return paper.Fingerprint([]byte(marshal(struct {
		Sections     Sections       `json:"sections"`
		Figures      Figures        `json:"figures"`
		Participants map[string]int `json:"participants"`
		Coverage     []Coverage     `json:"coverage"`
	}{r.Sections, r.Figures, r.Participants, r.Coverage})))
}

// revisions counts a report's submissions, which number its revisions, and
// says when the last approval was.
func (s *Service) revisions(ctx context.Context, id int64) (n int, approvedAt time.Time, err error) {
	if err = s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM report_events WHERE report_id = ? AND action = 'submit'`, id).Scan(&n); err != nil {
		return 0, approvedAt, err
	}
	var at db.Time
	err = s.DB.QueryRow(ctx, `SELECT at FROM report_events WHERE report_id = ? AND action IN ('approve', 'submit') ORDER BY id DESC LIMIT 1`, id).Scan(&at)
	if err == nil {
		approvedAt = at.In(clock.Zone)
	}
	return n, approvedAt, nil
}

type printSection struct {
	Key, Text string
}

type printFigure struct {
	Key   string
	Value int
}

type printPage struct {
	web.Page
	C         campaign.Campaign
	R         Report
	Heading   string
	Revision  int
	Sections  []printSection
	Figures   []printFigure
	Stamp     paper.Stamp
	PrintedAt time.Time
	Back      string
	// Roll is the breakdown by the level below of a level report.
	Roll *rollView
}

// print is the summary report laid out for printing and stamping, with a
// verification code for the printed revision; for whoever may read it.
func (h *Handlers) print(w http.ResponseWriter, r *http.Request) {
	if _, err := account.RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	rep, err := h.Service.Get(r.Context(), pathID(r, "id"))
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	c, err := h.Service.Campaigns.Get(account.AsSystem(r.Context()), rep.CampaignSlug)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	n, _, err := h.Service.revisions(r.Context(), rep.ID)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page := printPage{Page: web.PageFor(r, "paper.report.heading", rep.OrgName, c.Title), C: c, R: rep, Revision: n,
		PrintedAt: h.Service.Clock.Now().In(clock.Zone), Back: URL(c.Slug, rep.OrgCode)}
	page.Heading = page.Title
	for _, k := range SectionKeys {
		page.Sections = append(page.Sections, printSection{Key: k, Text: rep.Sections.Get(k)})
	}
	for _, k := range FigureKeys {
		page.Figures = append(page.Figures, printFigure{Key: k, Value: rep.Figures.Get(k)})
	}
	if page.Roll, err = h.rollFor(r.Context(), c, rep); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if page.Stamp, err = paper.StampFor(r, h.Paper, paper.Printed{Kind: paper.KindReport, ObjectID: rep.ID, CampaignID: c.ID, OrgID: rep.OrgID,
		Revision: n, Fingerprint: Fingerprint(rep), State: string(rep.State)}); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	h.render(w, r, http.StatusOK, "print.html", page)
}

// PaperSource tells the paper copies what a report is now.
type PaperSource struct{ Service *Service }

// Document describes the report; an approved report is its own current
// revision.
func (p PaperSource) Document(ctx context.Context, id int64) (paper.Document, error) {
	rep, err := p.Service.Get(ctx, id)
	if err != nil {
		return paper.Document{}, err
	}
	c, err := p.Service.Campaigns.Get(ctx, rep.CampaignSlug)
	if err != nil {
		return paper.Document{}, err
	}
	doc := paper.Document{CampaignTitle: c.Title, Title: c.Title + "工作总结", OrgName: rep.OrgName, URL: URL(c.Slug, rep.OrgCode)}
	if rep.State != StateApproved {
		return doc, nil
	}
	n, at, err := p.Service.revisions(ctx, id)
	if err != nil {
		return doc, err
	}
	doc.Current, doc.CurrentFingerprint, doc.CurrentSince = n, Fingerprint(rep), at
	return doc, nil
}

// Received marks the report's paper copy, as the form on its page does.
func (p PaperSource) Received(ctx context.Context, id int64, at time.Time, by string) error {
	return p.Service.MarkPaper(ctx, id, at, by)
}
