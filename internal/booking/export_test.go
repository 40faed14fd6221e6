package booking

// SetRacy switches Book to the unsafe read-then-write, for the control
// that shows the concurrency test catches an oversell.
func (s *Service) SetRacy(on bool) { s.racy = on }
