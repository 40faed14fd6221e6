package app

import (
	"fmt"
	"net/http"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/report"
	"github.com/sciweek/sciweek/internal/web"
)

// todos puts on a dashboard what the filing tables and the summary report
// ask of the person.
func (a *App) todos(r *http.Request, c campaign.Campaign) []campaign.Todo {
	todos := append(a.filingTodos(r, c), a.reportTodos(r, c)...)
	todos = append(todos, a.bookingTodos(r, c)...)
	return append(todos, a.paperTodos(r, c)...)
}

// reportTodos asks a unit for its summary once the week has begun, and a
// reviewer for the reports waiting at their level.
func (a *App) reportTodos(r *http.Request, c campaign.Campaign) []campaign.Todo {
	ctx := r.Context()
	p := account.FromContext(ctx)
	if p == nil || c.State != campaign.StatePublished {
		return nil
	}
	l := web.L(ctx)
	now := a.Clock.Now()
	var out []campaign.Todo
	if rep, err := a.Reports.For(ctx, c, p.Org.Code); err == nil && p.OrgID != c.OwnerOrgID {
		switch {
		case rep.State == report.StateReturned:
			out = append(out, campaign.Todo{Label: l.T("todo.report_returned"), Href: report.URL(c.Slug, p.Org.Code), Urgent: true})
		case rep.State == report.StateDraft && (rep.ID != 0 || !now.Before(c.Start)) && !now.After(a.Reports.Deadline(ctx, c, p.OrgID)):
			out = append(out, campaign.Todo{Label: l.T("todo.report"), Href: report.URL(c.Slug, p.Org.Code)})
		}
	}
	if p.OrgID == c.OwnerOrgID && c.ParentID != 0 && !now.Before(c.Start) {
		out = append(out, a.levelReportTodo(r, c)...)
	}
	if p.Has(account.RoleAdmin) || p.Has(account.RoleCoordinator) {
		reps, _ := a.Reports.List(ctx, c)
		waiting := 0
		for _, rep := range reps {
			if rep.State == report.StateSubmitted && rep.StageOrgID == p.OrgID {
				waiting++
			}
		}
		if waiting > 0 {
			out = append(out, campaign.Todo{Label: l.T("todo.report_review", waiting), Href: "/campaigns/" + c.Slug + "/reports", Urgent: true})
		}
		if !now.Before(c.Start) {
			out = append(out, campaign.Todo{Label: l.T("todo.report_board"), Href: "/campaigns/" + c.Slug + "/reports"})
		}
		out = append(out, campaign.Todo{Label: l.T("todo.stats"), Href: "/campaigns/" + c.Slug + "/stats"})
	}
	return out
}

// levelReportTodo asks the organiser of c for its own summary to the
// level above while it may still write it.
func (a *App) levelReportTodo(r *http.Request, c campaign.Campaign) []campaign.Todo {
	ctx := r.Context()
	p := account.FromContext(ctx)
	up, err := a.Campaigns.Ancestors(ctx, c)
	if err != nil || len(up) == 0 {
		return nil
	}
	parent := up[len(up)-1]
	rep, err := a.Reports.For(ctx, parent, p.Org.Code)
	if err != nil || !rep.Editable() || a.Clock.Now().After(a.Reports.Deadline(ctx, parent, p.OrgID)) {
		return nil
	}
	return []campaign.Todo{{Label: web.L(ctx).T("rollup.todo", parent.OwnerName), Href: report.URL(parent.Slug, p.Org.Code), Urgent: rep.State == report.StateReturned}}
}

// filingTodos puts on a dashboard what the filing tables ask of the person:
// reminders received, tables returned, filings waiting for their review.
func (a *App) filingTodos(r *http.Request, c campaign.Campaign) []campaign.Todo {
	ctx := r.Context()
	p := account.FromContext(ctx)
	if p == nil || c.State != campaign.StatePublished {
		return nil
	}
	l := web.L(ctx)
	var out []campaign.Todo
	reminders, _ := a.Filings.Reminders(ctx, c)
	for _, rm := range reminders {
		t := filing.DefaultTemplate(rm.Table)
		out = append(out, campaign.Todo{Label: l.T("todo.reminded", rm.From, t.Title), Href: fmt.Sprintf("/campaigns/%s/filings/%s/%d", c.Slug, p.Org.Code, rm.Table), Urgent: true})
	}
	for t := 1; t <= 2; t++ {
		f, err := a.Filings.For(ctx, c, p.Org.Code, t)
		if err == nil && f.State == filing.StateReturned {
			out = append(out, campaign.Todo{Label: l.T("todo.returned", filing.DefaultTemplate(t).Title), Href: fmt.Sprintf("/campaigns/%s/filings/%s/%d", c.Slug, p.Org.Code, t), Urgent: true})
		}
	}
	if p.Has(account.RoleAdmin) || p.Has(account.RoleCoordinator) {
		fs, _ := a.Filings.List(ctx, c, filing.ListFilter{State: filing.StateSubmitted})
		waiting := 0
		for _, f := range fs {
			if f.StageOrgID == p.OrgID {
				waiting++
			}
		}
		if waiting > 0 {
			out = append(out, campaign.Todo{Label: l.T("todo.review", waiting), Href: "/campaigns/" + c.Slug + "/review", Urgent: true})
		}
		out = append(out, campaign.Todo{Label: l.T("todo.board"), Href: "/campaigns/" + c.Slug + "/board"})
	}
	return out
}
