package booking

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// Bookings are written in batches (group commit): requests queue for one
// writer, which takes every booking waiting when it is free, up to
// BatchMax, and stores them in one transaction with one capacity update per
// slot and one multi-row insert. Each request is answered only once that
// transaction has committed. The database stays the authority: the slot's
// row is read and written in the transaction (locked on PostgreSQL), so
// several app servers sharing a database stay correct. When a batch fails,
// each of its bookings is tried again in a transaction of its own, so one
// bad booking never fails the others. See docs/design/booking.md.
const (
	// BatchMax is the most bookings one transaction stores.
	BatchMax = 256
	// QueueMax is the most bookings waiting for the writer; past it a
	// booking is refused with 503 and Retry-After.
	QueueMax = 4096
	// batchTimeout bounds one batch's transaction.
	batchTimeout = 30 * time.Second
)

// pending is a booking checked and waiting for the writer, and then its
// outcome: its code and state, or the error to answer.
type pending struct {
	sl                 Slot
	r                  Rules
	party              int
	waitlist, children bool
	from               client
	hash               string
	nameEnc, phoneEnc  string
	masked, lang       string
	now                time.Time

	code  string
	state State
	err   error
	done  chan struct{}
}

// args are the values of the insert statement's columns, in order.
func (p *pending) args() []any { return p.appendArgs(make([]any, 0, 15)) }

// appendArgs appends the values of the insert statement's columns.
func (p *pending) appendArgs(args []any) []any {
	return append(args, p.code, p.sl.ID, p.sl.ActivityID, p.sl.CampaignID, string(p.state), p.party, p.children, p.nameEnc, p.phoneEnc, p.hash,
		p.masked, p.lang, db.At(p.now), p.from.key, p.from.label)
}

const insertColumns = `INSERT INTO bookings (code, slot_id, activity_id, campaign_id, state, party, children, name_enc, phone_enc, phone_hash,
	phone_masked, lang, created_at, client_key, client_label) VALUES `

// writer is the queue of bookings and the goroutine that stores them.
type writer struct {
	queue  chan *pending
	quit   chan struct{}
	done   chan struct{}
	closed bool
}

// submit queues a booking for the writer and waits for its outcome.
// Errors: those of Book, and Unavailable when the queue is full.
func (s *Service) submit(p *pending) error {
	s.writerOnce.Do(s.startWriter)
	p.done = make(chan struct{})
	s.writerMu.RLock()
	if s.w.closed {
		s.writerMu.RUnlock()
		return s.bookOne(context.Background(), p, nil)
	}
	select {
	case s.w.queue <- p:
		s.writerMu.RUnlock()
	default:
		s.writerMu.RUnlock()
		e := errs.New(errs.Unavailable, "rush.booking.busy")
		e.RetryAfter = time.Second
		return e
	}
	<-p.done
	return p.err
}

func (s *Service) startWriter() {
	s.w = &writer{queue: make(chan *pending, QueueMax), quit: make(chan struct{}), done: make(chan struct{})}
	go s.write()
}

// Close stores the bookings still queued and stops the writer; bookings
// made afterwards are stored one by one.
func (s *Service) Close() {
	s.writerOnce.Do(s.startWriter)
	s.writerMu.Lock()
	if s.w.closed {
		s.writerMu.Unlock()
		return
	}
	s.w.closed = true
	close(s.w.quit)
	s.writerMu.Unlock()
	<-s.w.done
}

func (s *Service) write() {
	defer close(s.w.done)
	for {
		var first *pending
		select {
		case first = <-s.w.queue:
		case <-s.w.quit:
			// Nothing more is queued once closed is set: store the rest.
			for {
				select {
				case p := <-s.w.queue:
					s.commit([]*pending{p})
				default:
					return
				}
			}
		}
		batch := []*pending{first}
	fill:
		for len(batch) < BatchMax {
			select {
			case p := <-s.w.queue:
				batch = append(batch, p)
			default:
				break fill
			}
		}
		s.commit(batch)
	}
}

// commit stores a batch and answers its waiters; when the batch's
// transaction fails, each booking is tried alone.
func (s *Service) commit(batch []*pending) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	_, err := s.prepared(ctx)
	if err == nil {
		err = s.storeBatch(ctx, batch)
	}
	if err != nil {
		if len(batch) > 1 {
			s.Log.Warn("booking batch failed; storing its bookings one by one", "bookings", len(batch), "err", err)
		}
		for _, p := range batch {
			p.err = s.bookOne(ctx, p, nil)
		}
	}
	for _, p := range batch {
		close(p.done)
	}
}

// errCountsMoved is a batch whose slot's count changed under it, which
// its lock rules out; its bookings are then tried one by one.
var errCountsMoved = errors.New("a slot's count changed during its batch")

// placeCount is what a slot or a venue's time has given out, read and
// written once per batch.
type placeCount struct{ taken, capacity, added int }

type venueTime struct {
	venue int64
	start time.Time
}

// storeBatch decides every booking of the batch against counts read in
// its transaction, then writes them. Slots are locked in the order of
// their ids, then venues: every writer locks in that order, so two
// servers' batches never wait on each other in a cycle.
func (s *Service) storeBatch(ctx context.Context, batch []*pending) error {
	bySlot := map[int64][]*pending{}
	var ids []int64
	for _, p := range batch {
		p.err, p.state, p.code = nil, StateActive, newCode()
		if _, ok := bySlot[p.sl.ID]; !ok {
			ids = append(ids, p.sl.ID)
		}
		bySlot[p.sl.ID] = append(bySlot[p.sl.ID], p)
	}
	slices.Sort(ids)
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		lock := ""
		if tx.Dialect() == db.Postgres {
			lock = " FOR UPDATE"
		}
		slots := map[int64]*placeCount{}
		var vts []venueTime
		for _, id := range ids {
			c := &placeCount{}
			if err := tx.QueryRow(ctx, `SELECT taken, capacity FROM booking_slots WHERE id = ?`+lock, id).Scan(&c.taken, &c.capacity); err != nil {
				return err
			}
			slots[id] = c
			if p := bySlot[id][0]; p.r.Venue != nil {
				vts = append(vts, venueTime{p.r.Venue.ID, p.sl.Start})
			}
		}
		venues, err := lockVenues(ctx, tx, vts)
		if err != nil {
			return err
		}
		phones, err := s.phoneBookings(ctx, tx, batch)
		if err != nil {
			return err
		}
		var stored []*pending
		for _, id := range ids {
			ok, err := s.decide(ctx, tx, bySlot[id], slots[id], venues, phones)
			if err != nil {
				return err
			}
			stored = append(stored, ok...)
		}
		for _, id := range ids {
			if c := slots[id]; c.added > 0 {
				res, err := tx.Exec(ctx, `UPDATE booking_slots SET taken = taken + ? WHERE id = ? AND taken + ? <= capacity`, c.added, id, c.added)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n != 1 {
					return errCountsMoved
				}
			}
		}
		for _, vt := range vts {
			if c := venues[vt]; c != nil && c.added > 0 {
				if _, err := tx.Exec(ctx, `UPDATE booking_venue_times SET taken = taken + ? WHERE venue_id = ? AND start_at = ?`, c.added, vt.venue, db.At(vt.start)); err != nil {
					return err
				}
				c.added = 0
			}
		}
		return s.insertBookings(ctx, tx, stored)
	})
}

// lockVenues reads, and on PostgreSQL locks, the places given out at each
// venue time, in a fixed order; a venue time without its row has none.
func lockVenues(ctx context.Context, tx *db.Tx, vts []venueTime) (map[venueTime]*placeCount, error) {
	slices.SortFunc(vts, func(a, b venueTime) int {
		if a.venue != b.venue {
			return int(a.venue - b.venue)
		}
		return a.start.Compare(b.start)
	})
	vts = slices.Compact(vts)
	lock := ""
	if tx.Dialect() == db.Postgres {
		lock = " FOR UPDATE OF t"
	}
	out := map[venueTime]*placeCount{}
	for _, vt := range vts {
		c := &placeCount{}
		err := tx.QueryRow(ctx, `SELECT t.taken, v.capacity FROM booking_venue_times t JOIN booking_venues v ON v.id = t.venue_id
			WHERE t.venue_id = ? AND t.start_at = ?`+lock, vt.venue, db.At(vt.start)).Scan(&c.taken, &c.capacity)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		out[vt] = c
	}
	return out, nil
}

// decide settles, in arrival order, the bookings of one slot: a phone
// that has booked too often within the guard's window (phones counts its
// bookings, and those the batch stores), a phone that holds the slot already, no places left (or the waiting list), the
// address's share; it counts the places taken and returns the bookings to
// store.
func (s *Service) decide(ctx context.Context, tx *db.Tx, group []*pending, slot *placeCount, venues map[venueTime]*placeCount,
	phones map[string]int) ([]*pending, error) {
	held, err := s.phonesHeld(ctx, tx, group)
	if err != nil {
		return nil, err
	}
	used, err := s.addressesUsed(ctx, tx, group)
	if err != nil {
		return nil, err
	}
	g := s.guard()
	var out []*pending
	for _, p := range group {
		if phones[p.hash] >= g.PhoneMax {
			p.err = rateLimited("hardening.booking.phone_limit", g.Window, g.PhoneMax)
			continue
		}
		if held[p.hash] {
			p.err = errs.New(errs.AlreadyBooked, "booking.error.already_booked")
			continue
		}
		var venue *placeCount
		if p.r.Venue != nil {
			venue = venues[venueTime{p.r.Venue.ID, p.sl.Start}]
		}
		took := slot.taken+slot.added+p.party <= slot.capacity &&
			(venue == nil || venue.taken+venue.added+p.party <= venue.capacity)
		if !took && !p.waitlist {
			p.err = errs.New(errs.Full, "booking.error.full")
			continue
		}
		if p.from.key != "" {
			if share := g.AddressShare(p.sl.Capacity, p.r.MaxParty); used[p.from.key]+p.party > share {
				p.err = rateLimited("hardening.booking.address_limit", g.Window, share)
				continue
			}
			used[p.from.key] += p.party
		}
		held[p.hash] = true
		phones[p.hash]++
		p.state = StateWaiting
		if took {
			p.state = StateActive
			slot.added += p.party
			if venue != nil {
				venue.added += p.party
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// marks returns n placeholders separated by commas.
func marks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// inList is a condition that column is one of values, and its
// arguments. On SQLite the values are one parameter, a JSON array, so the
// statement's text is the same for every batch and costs no more to
// parse whatever the batch's size. PostgreSQL parses on its own side and
// plans better with the values written out.
func inList(tx *db.Tx, column string, values []string) (string, []any) {
	if tx.Dialect() == db.Postgres {
		args := make([]any, len(values))
		for i, v := range values {
			args[i] = v
		}
		return column + ` IN (` + marks(len(values)) + `)`, args
	}
	return column + ` IN (SELECT value FROM json_each(?))`, []any{jsonList(values)}
}

// jsonList is the values as a JSON array; they are hex digests, which
// need no escaping.
func jsonList(values []string) string {
	var b strings.Builder
	b.Grow(len(values) * 44)
	b.WriteByte('[')
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(v)
		b.WriteByte('"')
	}
	b.WriteByte(']')
	return b.String()
}

// phonesHeld says which of the group's phones hold a booking of its slot.
func (s *Service) phonesHeld(ctx context.Context, tx *db.Tx, group []*pending) (map[string]bool, error) {
	hashes := make([]string, len(group))
	for i, p := range group {
		hashes[i] = p.hash
	}
	in, args := inList(tx, "phone_hash", hashes)
	rows, err := tx.Query(ctx, `SELECT phone_hash FROM bookings WHERE slot_id = ? AND state <> 'cancelled' AND `+in,
		append([]any{group[0].sl.ID}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	held := make(map[string]bool, len(group))
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		held[h] = true
	}
	return held, rows.Err()
}

// phoneBookings counts, for each phone of the batch, its bookings of any
// slot within the guard's window: the phone's limit, checked for the
// whole batch in one query.
func (s *Service) phoneBookings(ctx context.Context, tx *db.Tx, batch []*pending) (map[string]int, error) {
	hashes := make([]string, len(batch))
	for i, p := range batch {
		hashes[i] = p.hash
	}
	in, args := inList(tx, "phone_hash", hashes)
	return db.Pairs[string, int](ctx, tx, `SELECT phone_hash, COUNT(*) FROM bookings WHERE created_at > ? AND state <> 'cancelled' AND `+in+`
		GROUP BY phone_hash`, append([]any{db.At(batch[0].now.Add(-s.guard().Window))}, args...)...)
}

// addressesUsed sums the places each of the group's addresses has booked
// in its slot within the guard's window.
func (s *Service) addressesUsed(ctx context.Context, tx *db.Tx, group []*pending) (map[string]int, error) {
	var keys []string
	for _, p := range group {
		if p.from.key != "" {
			keys = append(keys, p.from.key)
		}
	}
	if len(keys) == 0 {
		return map[string]int{}, nil
	}
	in, args := inList(tx, "client_key", keys)
	return db.Pairs[string, int](ctx, tx, `SELECT client_key, SUM(party) FROM bookings WHERE slot_id = ? AND created_at > ? AND state <> 'cancelled'
		AND `+in+` GROUP BY client_key`, append([]any{group[0].sl.ID, db.At(group[0].now.Add(-s.guard().Window))}, args...)...)
}

// insertBookings stores the bookings. On SQLite with the prepared one-row
// insert run once per booking: a multi-row insert that may fail on a
// unique index makes SQLite keep a statement journal in a temporary file
// to undo just that statement, and writing it page by page cost as much
// as the insert; SQLite has no round trips to save. On PostgreSQL with
// multi-row inserts, a round trip for up to 500 bookings (its driver
// keeps each text it has parsed, per connection).
func (s *Service) insertBookings(ctx context.Context, tx *db.Tx, ps []*pending) error {
	if tx.Dialect() != db.Postgres {
		h, err := s.prepared(ctx)
		if err != nil {
			return err
		}
		args := make([]any, 0, 15)
		for _, p := range ps {
			if _, err := tx.ExecStmt(ctx, h.insert, p.appendArgs(args[:0])...); err != nil {
				return err
			}
		}
		return nil
	}
	const perInsert = 500
	for len(ps) > 0 {
		n := min(len(ps), perInsert)
		var q strings.Builder
		q.WriteString(insertColumns)
		args := make([]any, 0, n*15)
		for i, p := range ps[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(" + marks(15) + ")")
			args = p.appendArgs(args)
		}
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return err
		}
		ps = ps[n:]
	}
	return nil
}
