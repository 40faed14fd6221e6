package filing

import "context"

// ApprovedRevisionItems returns the items of the filing's approved revision, none
// while no revision was approved: what the public program and booking
// follow.
func (s *Service) ApprovedRevisionItems(ctx context.Context, f Filing) ([]Item, error) {
	if f.ApprovedRevision == 0 {
		return nil, nil
	}
	revs, err := s.Revisions(ctx, f.ID)
	if err != nil {
		return nil, err
	}
	for _, r := range revs {
		if r.Number == f.ApprovedRevision {
			return r.Items, nil
		}
	}
	return nil, nil
}
