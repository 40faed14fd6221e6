package report

import (
	"cmp"
	"context"
	"net/http"
	"time"

	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/web"
)

// Opens is when the organisation may start its summary report: the first
// day of the week, or an earlier day the organiser opened it on.
func (s *Service) Opens(ctx context.Context, c campaign.Campaign, orgID int64) time.Time {
	var at db.Time
	err := s.DB.QueryRow(ctx, `SELECT opens_at FROM report_early_opens WHERE campaign_id = ? AND org_id = ?`, c.ID, orgID).Scan(&at)
	if err == nil && at.Before(c.Start) {
		return at.In(clock.Zone)
	}
	return c.Start
}

// opened refuses to write, submit or approve a report before it opens.
// Errors: Conflict (not open yet, saying when it opens).
func (s *Service) opened(ctx context.Context, c campaign.Campaign, orgID int64) error {
	if at := s.Opens(ctx, c, orgID); s.Clock.Now().Before(at) {
		return errs.New(errs.Conflict, "report.opens.not_yet", at.In(clock.Zone).Format("2006-01-02"))
	}
	return nil
}

// OpenEarly lets one organisation start its report from the day from,
// before the week begins (a unit whose activity comes early). Errors:
// Forbidden, NotFound, Invalid (field from: not before the week).
func (s *Service) OpenEarly(ctx context.Context, c campaign.Campaign, orgCode string, from time.Time) error {
	if !s.Campaigns.CanEdit(ctx, c) {
		return errs.ForbiddenErr()
	}
	org, err := s.Accounts.Org(ctx, orgCode)
	if err != nil {
		return err
	}
	from = from.In(clock.Zone)
	from = time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, clock.Zone)
	if from.IsZero() || !from.Before(c.Start) {
		return (errs.Fields{"from": {Key: "report.opens.early_invalid", Args: []any{c.Start.In(clock.Zone).Format("2006-01-02")}}}).Err()
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM report_early_opens WHERE campaign_id = ? AND org_id = ?`, c.ID, org.ID); err != nil {
			return err
		}
		var by any
		if id := audit.ActorFrom(ctx).ID; id != 0 {
			by = id
		}
		if _, err := tx.Exec(ctx, `INSERT INTO report_early_opens (campaign_id, org_id, opens_at, granted_by, granted_at) VALUES (?, ?, ?, ?, ?)`,
			c.ID, org.ID, db.At(from), by, s.now()); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "report.open_early", "organisation", org.Code, map[string]any{"campaign": c.Slug, "from": from.Format("2006-01-02")})
	})
}

// openEarly is the board's form that opens one unit's report early.
func (h *Handlers) openEarly(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.campaign(r, "slug")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	from, perr := time.ParseInLocation("2006-01-02", r.PostFormValue("from"), clock.Zone)
	if perr != nil {
		from = time.Time{}
	}
	if err := h.Service.OpenEarly(r.Context(), c, r.PostFormValue("org"), from); err != nil {
		if fields, summary, ok := web.FormErrors(r, err); ok {
			h.showBoard(w, r, c, web.FormStatus(err), cmp.Or(fields["from"], summary))
			return
		}
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "report.opens.flash")
	web.Redirect(w, r, "/campaigns/"+c.Slug+"/reports")
}

// opensOf says whether the week is still ahead, and when each row's
// report opens, for the board.
func (h *Handlers) opensOf(ctx context.Context, c campaign.Campaign, rows []BoardRow) (bool, map[int64]time.Time) {
	if !h.Service.Clock.Now().Before(c.Start) {
		return false, nil
	}
	out := make(map[int64]time.Time, len(rows))
	for _, row := range rows {
		out[row.Org.ID] = h.Service.Opens(ctx, c, row.Org.ID)
	}
	return true, out
}
