package filing

import (
	"context"
	"time"

	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// Extensions are later deadlines granted to single organisations, kept in
// a table of (campaign_id, org_id, until_at, granted_by, granted_at): the
// filings' and the summary reports' follow the same rule.
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

// Grant records an extension for the organisation, replacing any earlier
// one, as granted by the caller.
func (x Extensions) Grant(ctx context.Context, tx *db.Tx, campaignID, orgID int64, until time.Time, now db.Time) error {
	if _, err := tx.Exec(ctx, `DELETE FROM `+x.Table+` WHERE campaign_id = ? AND org_id = ?`, campaignID, orgID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO `+x.Table+` (campaign_id, org_id, until_at, granted_by, granted_at) VALUES (?, ?, ?, ?, ?)`,
		campaignID, orgID, db.At(until), nullID(audit.ActorFrom(ctx).ID), now)
	return err
}

var filingExtensions = Extensions{Table: "filing_extensions"}
