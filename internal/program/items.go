package program

import "context"

// ItemActivities maps the items of a filing to their activities, listed or
// not, so another domain can follow an item into the program.
func (s *Service) ItemActivities(ctx context.Context, filingID int64) (map[string]int64, error) {
	rows, err := s.DB.Query(ctx, `SELECT item_uid, id FROM program_activities WHERE filing_id = ?`, filingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var uid string
		var id int64
		if err := rows.Scan(&uid, &id); err != nil {
			return nil, err
		}
		out[uid] = id
	}
	return out, rows.Err()
}

// Listed counts the campaign's activities in the public program.
func (s *Service) Listed(ctx context.Context, campaignID int64) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM program_activities WHERE campaign_id = ? AND listed = TRUE`, campaignID).Scan(&n)
	return n, err
}
