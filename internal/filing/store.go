package filing

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/db"
)

const filingColumns = `f.id, f.campaign_id, c.slug, f.org_id, o.code, o.name, o.path, f.table_no, f.state, COALESCE(f.stage_org_id, 0),
	COALESCE(so.name, ''), f.revision, f.approved_revision, f.scan_key, f.scan_name, f.scan_type, f.scan_size, f.version,
	f.submitted_at, f.created_at, f.updated_at`

const filingFrom = ` FROM filings f JOIN campaigns c ON c.id = f.campaign_id JOIN organisations o ON o.id = f.org_id
	LEFT JOIN organisations so ON so.id = f.stage_org_id `

func scanFiling(row interface{ Scan(...any) error }) (Filing, error) {
	var f Filing
	var submitted, created, updated db.Time
	err := row.Scan(&f.ID, &f.CampaignID, &f.CampaignSlug, &f.OrgID, &f.OrgCode, &f.OrgName, &f.OrgPath, &f.Table, &f.State, &f.StageOrgID,
		&f.StageOrgName, &f.Revision, &f.ApprovedRevision, &f.Scan.Key, &f.Scan.Filename, &f.Scan.ContentType, &f.Scan.Size, &f.Version,
		&submitted, &created, &updated)
	f.SubmittedAt, f.CreatedAt, f.UpdatedAt = submitted.Time, created.Time, updated.Time
	return f, err
}

func findFiling(ctx context.Context, q db.Querier, where string, args ...any) (Filing, error) {
	f, err := scanFiling(q.QueryRow(ctx, `SELECT `+filingColumns+filingFrom+`WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return f, errs.NotFoundf("filing %v", args)
	}
	if err != nil {
		return f, err
	}
	f.Items, err = loadItems(ctx, q, f.ID)
	return f, err
}

func listFilings(ctx context.Context, q db.Querier, where string, args ...any) ([]Filing, error) {
	rows, err := q.Query(ctx, `SELECT `+filingColumns+filingFrom+`WHERE `+where+` ORDER BY o.path, f.table_no`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Filing
	for rows.Next() {
		f, err := scanFiling(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func loadItems(ctx context.Context, q db.Querier, filingID int64) ([]Item, error) {
	rows, err := q.Query(ctx, `SELECT id, uid, position, data FROM filing_items WHERE filing_id = ? ORDER BY position, id`, filingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		var it Item
		var data string
		if err := rows.Scan(&it.ID, &it.UID, &it.Position, &data); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(data), &it.Values); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// loadTemplate returns a campaign's form of a table and its version; a
// campaign that never changed its form has its parent's (a child starts
// from the tables the level above asks for), at version 0.
func loadTemplate(ctx context.Context, q db.Querier, campaignID int64, table int) (Template, int, error) {
	var def string
	var version int
	err := q.QueryRow(ctx, `SELECT definition, version FROM form_templates WHERE campaign_id = ? AND table_no = ?`, campaignID, table).Scan(&def, &version)
	if errors.Is(err, sql.ErrNoRows) {
		var parent int64
		err := q.QueryRow(ctx, `SELECT COALESCE(parent_id, 0) FROM campaigns WHERE id = ?`, campaignID).Scan(&parent)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Template{}, 0, err
		}
		if parent != 0 {
			t, _, err := loadTemplate(ctx, q, parent, table)
			return t, 0, err
		}
		return DefaultTemplate(table), 0, nil
	}
	if err != nil {
		return Template{}, 0, err
	}
	var t Template
	if err := json.Unmarshal([]byte(def), &t); err != nil {
		return Template{}, 0, err
	}
	return t, version, nil
}

func marshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// IDs lists every filing of the campaign, whatever its state, for what
// follows filings into what is published from them.
func (s *Service) IDs(ctx context.Context, campaignID int64) ([]int64, error) {
	rows, err := s.DB.Query(ctx, `SELECT id FROM filings WHERE campaign_id = ? ORDER BY id`, campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
