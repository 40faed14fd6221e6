package app

import (
	"net/http"
	"strconv"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/paper"
	"github.com/sciweek/sciweek/internal/web"
)

// paperTodos tells a unit which stamped paper copies the organiser expects
// of it, where to send them and by when: each table it has filed, by the
// filing deadline, and its summary report, by the summary deadline; each
// until the organiser records it as received. The organiser gets the log
// where it records them.
func (a *App) paperTodos(r *http.Request, c campaign.Campaign) []campaign.Todo {
	ctx := r.Context()
	p := account.FromContext(ctx)
	if p == nil || c.State != campaign.StatePublished {
		return nil
	}
	l := web.L(ctx)
	if a.Campaigns.CanEdit(ctx, c) {
		return []campaign.Todo{{Label: l.T("paper.todo.receipts"), Href: "/campaigns/" + c.Slug + "/paper"}}
	}
	if p.OrgID == c.OwnerOrgID {
		return nil
	}
	where := l.T("paper.todo.to", c.OwnerName)
	if c.Contact.Address != "" {
		where = l.T("paper.todo.to_address", c.Contact.Address, c.Contact.Name, c.Contact.Phone)
	}
	var out []campaign.Todo
	for t := 1; t <= 2; t++ {
		f, err := a.Filings.For(ctx, c, p.Org.Code, t)
		if err != nil || f.ID == 0 || len(f.Items) == 0 {
			continue
		}
		if got, err := a.Paper.ReceivedOf(ctx, paper.KindFiling, f.ID); err != nil || got.Received() {
			continue
		}
		deadline, _ := a.Filings.Deadline(ctx, c, p.OrgID)
		tpl, _, _ := a.Filings.Template(ctx, c, t)
		out = append(out, campaign.Todo{Label: l.T("paper.todo.table", tpl.Attachment(), tpl.FullTitle(c.Start.Year()), where),
			Href: "/filings/" + strconv.FormatInt(f.ID, 10) + "/print", Due: deadline})
	}
	if rep, err := a.Reports.For(ctx, c, p.Org.Code); err == nil && rep.ID != 0 && rep.PaperOn.IsZero() {
		out = append(out, campaign.Todo{Label: l.T("paper.todo.report", where),
			Href: "/reports/" + strconv.FormatInt(rep.ID, 10) + "/print", Due: a.Reports.Deadline(ctx, c, p.OrgID)})
	}
	return out
}
