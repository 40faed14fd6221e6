package campaign

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/db"
)

const columns = `c.id, c.owner_org_id, o.code, o.name, c.slug, c.year, c.title, c.doc_number, c.theme, c.start_date, c.end_date,
	c.filing_deadline, c.summary_deadline, c.contact_name, c.contact_phone, c.contact_email, c.contact_address,
	c.mode, c.notice_md, c.state, c.video_max_seconds, c.photo_min_kb, c.photo_max_kb, c.require_scan, c.upward_rows, COALESCE(c.copied_from_id, 0), COALESCE(c.parent_id, 0),
	c.published_at, c.version, c.created_at, c.updated_at`

const from = ` FROM campaigns c JOIN organisations o ON o.id = c.owner_org_id `

func scan(row interface{ Scan(...any) error }) (Campaign, error) {
	var c Campaign
	var start, end string
	var filing, summary, published, created, updated db.Time
	var requireScan, upwardRows int
	err := row.Scan(&c.ID, &c.OwnerOrgID, &c.OwnerCode, &c.OwnerName, &c.Slug, &c.Year, &c.Title, &c.DocNumber, &c.Theme, &start, &end,
		&filing, &summary, &c.Contact.Name, &c.Contact.Phone, &c.Contact.Email, &c.Contact.Address,
		&c.Mode, &c.NoticeMD, &c.State, &c.VideoMaxSeconds, &c.PhotoMinKB, &c.PhotoMaxKB, &requireScan, &upwardRows, &c.CopiedFromID, &c.ParentID,
		&published, &c.Version, &created, &updated)
	if err != nil {
		return c, err
	}
	if c.Start, err = ParseDate(start); err != nil {
		return c, fmt.Errorf("campaign %d start: %w", c.ID, err)
	}
	if c.End, err = ParseDate(end); err != nil {
		return c, fmt.Errorf("campaign %d end: %w", c.ID, err)
	}
	c.FilingDeadline, c.SummaryDeadline = filing.In(Zone), summary.In(Zone)
	c.RequireScan, c.UpwardRows = requireScan != 0, upwardRows != 0
	c.PublishedAt, c.CreatedAt, c.UpdatedAt = published.Time, created.Time, updated.Time
	return c, nil
}

func find(ctx context.Context, q db.Querier, where string, args ...any) (Campaign, error) {
	c, err := scan(q.QueryRow(ctx, `SELECT `+columns+from+`WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.NotFoundf("campaign %v", args)
	}
	if err != nil {
		return c, err
	}
	if err := loadDetails(ctx, q, &c); err != nil {
		return c, err
	}
	return c, nil
}

func list(ctx context.Context, q db.Querier, where string, args ...any) ([]Campaign, error) {
	rows, err := q.Query(ctx, `SELECT `+columns+from+`WHERE `+where+` ORDER BY c.start_date DESC, c.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	var out []Campaign
	for rows.Next() {
		c, err := scan(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if err := loadDetails(ctx, q, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func loadDetails(ctx context.Context, q db.Querier, c *Campaign) error {
	rows, err := q.Query(ctx, `SELECT kind, code, name, name_en FROM campaign_terms WHERE campaign_id = ? ORDER BY kind, position`, c.ID)
	if err != nil {
		return err
	}
	c.Categories, c.Audiences = nil, nil
	for rows.Next() {
		var kind string
		var t Term
		if err := rows.Scan(&kind, &t.Code, &t.Name, &t.NameEn); err != nil {
			rows.Close()
			return err
		}
		if kind == "category" {
			c.Categories = append(c.Categories, t)
		} else {
			c.Audiences = append(c.Audiences, t)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.Query(ctx, `SELECT id, filename, content_type, size, created_at, blob_key FROM campaign_attachments WHERE campaign_id = ? ORDER BY position, id`, c.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	c.Attachments = nil
	for rows.Next() {
		var a Attachment
		var created db.Time
		if err := rows.Scan(&a.ID, &a.Filename, &a.ContentType, &a.Size, &created, &a.blobKey); err != nil {
			return err
		}
		a.CreatedAt = created.Time
		c.Attachments = append(c.Attachments, a)
	}
	return rows.Err()
}

func saveTerms(ctx context.Context, tx *db.Tx, campaignID int64, kind string, terms []Term) error {
	if _, err := tx.Exec(ctx, `DELETE FROM campaign_terms WHERE campaign_id = ? AND kind = ?`, campaignID, kind); err != nil {
		return err
	}
	for i, t := range terms {
		if _, err := tx.Exec(ctx, `INSERT INTO campaign_terms (campaign_id, kind, code, position, name, name_en) VALUES (?, ?, ?, ?, ?, ?)`,
			campaignID, kind, t.Code, i, t.Name, t.NameEn); err != nil {
			return err
		}
	}
	return nil
}

// b2i stores a flag as the integer both databases read.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
