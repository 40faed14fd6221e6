package filing

import "context"

// ApprovedRevisions maps every filing to the number of its approved
// revision, 0 for none: what the program compares with what it last
// published, in one query.
func (s *Service) ApprovedRevisions(ctx context.Context) (map[int64]ApprovedRevision, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, campaign_id, approved_revision FROM filings`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]ApprovedRevision{}
	for rows.Next() {
		var id int64
		var r ApprovedRevision
		if err := rows.Scan(&id, &r.CampaignID, &r.Number); err != nil {
			return nil, err
		}
		out[id] = r
	}
	return out, rows.Err()
}

// ApprovedRevision is a filing's campaign and approved revision number.
type ApprovedRevision struct {
	CampaignID int64
	Number     int
}
