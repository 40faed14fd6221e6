package filing

import (
	"context"
	"encoding/json"

	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// Figures are the values of one approved item of table 1 that the
// statistics count, with the code of the organisation that filed it.
type Figures struct {
	OrgCode                         string
	Category, Mode, Start, Expected string
}

// ApprovedFigures returns the figures of every item of the approved
// revision of each filing of table 1 that the caller may see (see
// ApprovedItems), in one query, each revision decoded for those values
// alone. Errors: Unauthenticated, Forbidden.
func (s *Service) ApprovedFigures(ctx context.Context, c campaign.Campaign) ([]Figures, error) {
	p, err := lister(ctx)
	if err != nil {
		return nil, err
	}
	path := "%"
	if p != nil {
		path = p.Org.Path + "%"
	}
	rows, err := s.DB.Query(ctx, `SELECT o.code, r.items FROM filing_revisions r
		JOIN filings f ON f.id = r.filing_id AND r.number = f.approved_revision
		JOIN organisations o ON o.id = f.org_id
		WHERE f.campaign_id = ? AND f.table_no = 1 AND f.approved_revision > 0 AND o.path LIKE ?
		ORDER BY o.path`, c.ID, path)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Figures
	type values struct {
		Values struct {
			Category string `json:"category"`
			Mode     string `json:"mode"`
			Start    string `json:"start"`
			Expected string `json:"expected"`
		} `json:"values"`
	}
	for rows.Next() {
		var code, data string
		if err := rows.Scan(&code, &data); err != nil {
			return nil, err
		}
		var items []values
		if err := json.Unmarshal([]byte(data), &items); err != nil {
			return nil, err
		}
		for _, it := range items {
			v := it.Values
			out = append(out, Figures{OrgCode: code, Category: v.Category, Mode: v.Mode, Start: v.Start, Expected: v.Expected})
		}
	}
	return out, rows.Err()
}

// Timeliness counts the filings of c that the caller may see and that
// were ever submitted: on time and late against each organisation's
// deadline (see Deadlines). Errors: Unauthenticated, Forbidden.
func (s *Service) Timeliness(ctx context.Context, c campaign.Campaign) (onTime, late int, err error) {
	p, err := lister(ctx)
	if err != nil {
		return 0, 0, err
	}
	path := "%"
	if p != nil {
		path = p.Org.Path + "%"
	}
	deadline, err := s.Deadlines(ctx, c)
	if err != nil {
		return 0, 0, err
	}
	rows, err := s.DB.Query(ctx, `SELECT f.org_id, f.submitted_at FROM filings f JOIN organisations o ON o.id = f.org_id
		WHERE f.campaign_id = ? AND f.revision > 0 AND o.path LIKE ?`, c.ID, path)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var org int64
		var at db.Time
		if err := rows.Scan(&org, &at); err != nil {
			return 0, 0, err
		}
		if at.Time.After(deadline(org)) {
			late++
		} else {
			onTime++
		}
	}
	return onTime, late, rows.Err()
}
