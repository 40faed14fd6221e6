package filing

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

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
// alone. They are read again only once a filing of c or an organisation
// has changed (see Fingerprint); the caller must not change them. Errors:
// Unauthenticated, Forbidden.
func (s *Service) ApprovedFigures(ctx context.Context, c campaign.Campaign) ([]Figures, error) {
	path, key, err := s.figuresKey(ctx, c)
	if err != nil {
		return nil, err
	}
	if v, ok := s.figures.Get(key); ok {
		return v, nil
	}
	v, err := s.approvedFigures(ctx, c, path)
	if err == nil {
		s.figures.Put(key, v)
	}
	return v, err
}

// figuresKey is the path of the organisations whose figures the caller
// may see, and the key of those figures of c as they are now.
func (s *Service) figuresKey(ctx context.Context, c campaign.Campaign) (path, key string, err error) {
	p, err := lister(ctx)
	if err != nil {
		return "", "", err
	}
	path = "%"
	if p != nil {
		path = p.Org.Path + "%"
	}
	print, err := s.Fingerprint(ctx, c)
	return path, print + " " + path, err
}

func (s *Service) approvedFigures(ctx context.Context, c campaign.Campaign, path string) ([]Figures, error) {
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
	// The same few categories, modes, times and numbers recur in every
	// revision: each is held once.
	seen := map[string]string{}
	one := func(v string) string {
		if u, ok := seen[v]; ok {
			return u
		}
		seen[v] = v
		return v
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
			out = append(out, Figures{OrgCode: code, Category: one(v.Category), Mode: one(v.Mode), Start: one(v.Start), Expected: one(v.Expected)})
		}
	}
	return out, rows.Err()
}

// Timeliness counts the filings of c that the caller may see and that
// were ever submitted: on time and late against each organisation's
// deadline (see Deadlines). Errors: Unauthenticated, Forbidden.
func (s *Service) Timeliness(ctx context.Context, c campaign.Campaign) (onTime, late int, err error) {
	path, key, err := s.figuresKey(ctx, c)
	if err != nil {
		return 0, 0, err
	}
	extended, err := s.extensions(ctx, c)
	if err != nil {
		return 0, 0, err
	}
	key += fmt.Sprint(c.FilingDeadline.Unix(), extended)
	if v, ok := s.timeliness.Get(key); ok {
		return v[0], v[1], nil
	}
	onTime, late, err = s.timely(ctx, c, path, deadlines(c, extended))
	if err == nil {
		s.timeliness.Put(key, [2]int{onTime, late})
	}
	return onTime, late, err
}

func (s *Service) timely(ctx context.Context, c campaign.Campaign, path string, deadline func(int64) time.Time) (onTime, late int, err error) {
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
