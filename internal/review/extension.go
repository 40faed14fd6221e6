package review

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// Extensions are later deadlines granted to single organisations, kept in
// a table of (campaign_id, org_id, until_at, granted_by, granted_at).
type Extensions struct{ Table string }

// Until returns the organisation's deadline: base, or a later extension.
func (x Extensions) Until(ctx context.Context, q db.Querier, campaignID, orgID int64, base time.Time) time.Time {
	var until db.Time
	err := q.QueryRow(ctx, `SELECT until_at FROM `+x.Table+` WHERE campaign_id = ? AND org_id = ?`, campaignID, orgID).Scan(&until)
	if err == nil && until.After(base) {
		return until.In(clock.Zone)
	}
	return base
}

func (x Extensions) grant(ctx context.Context, tx *db.Tx, campaignID, orgID int64, until time.Time, now db.Time) error {
	if _, err := tx.Exec(ctx, `DELETE FROM `+x.Table+` WHERE campaign_id = ? AND org_id = ?`, campaignID, orgID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO `+x.Table+` (campaign_id, org_id, until_at, granted_by, granted_at) VALUES (?, ?, ?, ?, ?)`,
		campaignID, orgID, db.At(until), nullID(audit.ActorFrom(ctx).ID), now)
	return err
}

func badUntil(key string) error {
	return &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: key}, Fields: map[string]errs.Msg{"until": {Key: key}}}
}

// ParseUntil reads the date of an extension as a form sends it
// (YYYY-MM-DD). An empty or unreadable date is Invalid on the field
// "until", never taken as "no date".
func ParseUntil(s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), clock.Zone)
	if err != nil {
		return time.Time{}, badUntil("review.error.extension_date")
	}
	return t, nil
}

// ReadExtension reads a board's extension form (org, until) for one who
// may grant extensions on the campaign. Anyone else is refused before the
// form is read: which units exist and what they were granted is no one
// else's business. Errors: Forbidden, Invalid (on "until").
func ReadExtension(r *http.Request, campaigns *campaign.Service, c campaign.Campaign) (org string, until time.Time, err error) {
	if !campaigns.CanEdit(r.Context(), c) {
		return "", time.Time{}, errs.ForbiddenErr()
	}
	until, err = ParseUntil(r.PostFormValue("until"))
	return r.PostFormValue("org"), until, err
}

// Grant is an extension to record: for the organisation of s, until the
// end of the day Until, which must lie after After and before Before.
type Grant struct {
	CampaignID int64
	Until      time.Time
	After      time.Time
	Before     time.Time
	// Key is the message when Until lies outside.
	Key string
	// Audit names the organisation in the audit log; Detail adds to it.
	Audit  string
	Detail map[string]any
}

// Extend lets the organisation of s submit later, as the organiser (rule
// Extend). then, when set, runs in the same transaction. Errors:
// Forbidden, Invalid (on the field "until").
func (e *Engine) Extend(ctx context.Context, k Kind, x Extensions, s Subject, g Grant, then func(tx *db.Tx, until time.Time) error) error {
	if _, err := e.Check(ctx, k, s, Extend); err != nil {
		return err
	}
	if g.Until.IsZero() {
		return badUntil("review.error.extension_date")
	}
	until := campaign.EndOfDay(g.Until)
	if !until.After(g.After) || !until.Before(g.Before) {
		return badUntil(g.Key)
	}
	return e.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := x.grant(ctx, tx, g.CampaignID, s.Org.ID, until, e.now()); err != nil {
			return err
		}
		if then != nil {
			if err := then(tx, until); err != nil {
				return err
			}
		}
		d := map[string]any{"until": until.Format("2006-01-02")}
		for key, v := range g.Detail {
			d[key] = v
		}
		return e.Audit.Record(ctx, tx, k.Name+".extend", "organisation", g.Audit, d)
	})
}
