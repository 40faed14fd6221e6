package booking

import "time"

// SetRacy switches Book to the unsafe read-then-write, for the control
// that shows the concurrency test catches an oversell.
func (s *Service) SetRacy(on bool) { s.racy = on }

// SetOneByOne switches Book to a transaction per booking, the path before
// batches, for the benchmark that compares the two.
func (s *Service) SetOneByOne(on bool) { s.oneByOne = on }

// Queued counts the bookings waiting for the writer.
func (s *Service) Queued() int {
	s.writerOnce.Do(s.startWriter)
	return len(s.w.queue)
}

// SetLeases switches leases off, or keeps them idle for as long as idle
// before handing them back; call it before the first booking.
func (s *Service) SetLeases(on bool, idle time.Duration) { s.noLeases, s.leaseIdle = !on, idle }
