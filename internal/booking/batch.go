package booking

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
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
	phone_masked, lang, created_at, client_key, client_label) `

// writer is the queue of bookings and the goroutine that stores them.
type writer struct {
	// carry is what the batch being stored took from the queue and left
	// for the next one; only the writer's goroutine touches it.
	carry  []*pending
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
	if s.DB.Dialect == db.Postgres && !s.noLeases {
		s.lease = newLeases()
		if s.leaseIdle > 0 {
			s.lease.idle = s.leaseIdle
		}
	}
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
	// carry holds bookings drained from the queue that the last batch
	// could not take; they start the next one.
	var carry []*pending
	for {
		n := min(len(carry), BatchMax)
		batch := slices.Clone(carry[:n])
		carry = carry[n:]
		if len(batch) == 0 {
			var idle <-chan time.Time
			if s.lease != nil && len(s.lease.places) > 0 {
				idle = time.After(s.lease.idle)
			}
			select {
			case p := <-s.w.queue:
				batch = append(batch, p)
			case <-idle:
				s.handBack(time.Time{})
				continue
			case <-s.w.quit:
				// Nothing more is queued once closed is set: store the
				// rest, and what their batches carried.
				for {
					select {
					case p := <-s.w.queue:
						carry = append(carry, s.commit([]*pending{p})...)
					default:
						for _, p := range carry {
							s.commit([]*pending{p})
						}
						s.handBack(time.Time{})
						return
					}
				}
			}
		}
		batch = s.w.fill(batch, nil)
		carry = append(carry, s.commit(batch)...)
		if s.lease != nil {
			s.handBack(time.Now().Add(-s.lease.idle))
		}
	}
}

// fill adds to the batch the bookings waiting in the queue, up to
// BatchMax; with join, only those it accepts, setting the others aside
// to carry to the next batch, up to a batch of them, so the queue still
// fills and refuses bookings past QueueMax.
func (w *writer) fill(batch []*pending, join func(*pending) bool) []*pending {
	for len(batch) < BatchMax && len(w.carry) < BatchMax {
		select {
		case p := <-w.queue:
			if join != nil && !join(p) {
				w.carry = append(w.carry, p)
				continue
			}
			batch = append(batch, p)
		default:
			return batch
		}
	}
	return batch
}

// commit stores a batch and answers its waiters; when the batch's
// transaction fails, each booking is tried alone. It returns the bookings
// it took from the queue while the batch waited for its slots' locks but
// did not store, which go to the next batch.
func (s *Service) commit(batch []*pending) []*pending {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	_, err := s.prepared(ctx)
	if err == nil {
		batch, err = s.storeBatch(ctx, batch)
	}
	if err != nil {
		if len(batch) > 1 {
			s.Log.Warn("booking batch failed; storing its bookings one by one", "bookings", len(batch), "err", err)
		}
		for _, p := range batch {
			p.err = s.bookOne(ctx, p, nil)
		}
		if s.lease != nil {
			s.resyncLeases(ctx)
		}
	}
	for _, p := range batch {
		close(p.done)
	}
	carried := s.w.carry
	s.w.carry = nil
	return carried
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
//
// On PostgreSQL the batch first locks each slot and address it books (the
// address's share is counted per slot), and a slot in a rush is booked
// from this server's lease, its row locked only to take more places (see
// lease.go). Once it has locked slots, the batch takes from the queue the
// bookings of those slots that arrived meanwhile: when another server's
// batch held a lock, they waited for it too, and now share this commit
// instead of waiting for the next lock. It returns the batch as stored.
func (s *Service) storeBatch(ctx context.Context, batch []*pending) ([]*pending, error) {
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
	var leased []leaseChange
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		h, err := s.prepared(ctx)
		if err != nil {
			return err
		}
		var addresses map[int64]bool
		if tx.Dialect() == db.Postgres {
			if addresses, err = lockAddresses(ctx, tx, batch); err != nil {
				return err
			}
		}
		slots := map[int64]*placeCount{}
		byLease := map[int64]*leaseChange{}
		var vts []venueTime
		locked := false
		for _, id := range ids {
			c := &placeCount{}
			slots[id] = c
			group := bySlot[id]
			if s.fromLease(group) {
				// Booked from this server's lease: the slot's row is
				// locked only when the lease holds too few places.
				lc := &leaseChange{slot: id, before: s.lease.places[id]}
				byLease[id], c.capacity = lc, lc.before
				if lc.before >= placesOf(group) {
					continue
				}
				var taken, capacity int
				if err := s.lockSlot(ctx, tx, h, id).Scan(&taken, &capacity); err != nil {
					return err
				}
				lc.locked, lc.free = true, max(0, capacity-taken)
				c.capacity += lc.free
				locked = true
				continue
			}
			if err := s.lockSlot(ctx, tx, h, id).Scan(&c.taken, &c.capacity); err != nil {
				return err
			}
			locked = true
			if p := group[0]; p.r.Venue != nil {
				vts = append(vts, venueTime{p.r.Venue.ID, p.sl.Start})
			}
		}
		if tx.Dialect() == db.Postgres && locked {
			open := func(id int64) bool {
				lc := byLease[id]
				return bySlot[id] != nil && (lc == nil || lc.locked)
			}
			if batch, err = s.join(ctx, tx, batch, bySlot, open, addresses); err != nil {
				return err
			}
		}
		venues, err := lockVenues(ctx, tx, vts)
		if err != nil {
			return err
		}
		counts, err := s.countBatch(ctx, tx, h, batch, ids)
		if err != nil {
			return err
		}
		var stored []*pending
		for _, id := range ids {
			stored = append(stored, s.decide(bySlot[id], slots[id], venues, counts)...)
		}
		for _, id := range ids {
			c, take := slots[id], slots[id].added
			if lc := byLease[id]; lc != nil {
				lc.after = lc.before - c.added
				if lc.locked {
					short := max(0, -lc.after)
					more := margin(c.added, lc.free-short)
					lc.take, lc.after = short+more, max(0, lc.after)+more
				}
				if err := s.lease.write(ctx, tx, *lc); err != nil {
					return err
				}
				leased = append(leased, *lc)
				take = lc.take
			}
			if take > 0 {
				res, err := tx.ExecStmt(ctx, h.take, take, id, take)
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
	if err == nil && s.lease != nil {
		s.lease.apply(leased, time.Now())
	}
	return batch, err
}

// fromLease reports whether a batch's bookings of one slot are stored from
// this server's lease: on PostgreSQL, for a slot sharing no venue, once
// the server holds a lease of it or the batch holds leaseFrom bookings.
func (s *Service) fromLease(group []*pending) bool {
	if s.lease == nil || group[0].r.Venue != nil {
		return false
	}
	return s.lease.places[group[0].sl.ID] > 0 || len(group) >= leaseFrom
}

// placesOf is the places a group of bookings asks for.
func placesOf(group []*pending) int {
	n := 0
	for _, p := range group {
		n += p.party
	}
	return n
}

// join takes into the batch, once it has locked its slots, the bookings
// of the slots open to it that queued meanwhile and whose addresses'
// locks it can take without waiting; the others are carried to the next
// batch. It returns the batch, with them, even on error, so that every
// booking taken from the queue is answered.
func (s *Service) join(ctx context.Context, tx *db.Tx, batch []*pending, bySlot map[int64][]*pending, open func(int64) bool, addresses map[int64]bool) ([]*pending, error) {
	n := len(batch)
	batch = s.w.fill(batch, func(p *pending) bool { return open(p.sl.ID) })
	var want []int64
	for _, p := range batch[n:] {
		if k := addressKey(p); p.from.key != "" && !addresses[k] {
			want = append(want, k)
		}
	}
	got, err := tryAddresses(ctx, tx, want)
	if err != nil {
		return batch, err
	}
	kept := batch[:n]
	for _, p := range batch[n:] {
		if k := addressKey(p); p.from.key != "" && !addresses[k] && !got[k] {
			s.w.carry = append(s.w.carry, p)
			continue
		}
		p.err, p.state, p.code = nil, StateActive, newCode()
		bySlot[p.sl.ID] = append(bySlot[p.sl.ID], p)
		kept = append(kept, p)
	}
	return kept, nil
}

// lockSlot reads a slot's count and capacity in the batch's transaction,
// locking its row on PostgreSQL against other writers of its count (FOR
// NO KEY UPDATE, which lets other transactions' bookings check their
// reference to the slot, as a plain FOR UPDATE would not); SQLite's writer
// transaction is exclusive already, and runs the statement parsed once.
func (s *Service) lockSlot(ctx context.Context, tx *db.Tx, h *hotStatements, id int64) *sql.Row {
	if tx.Dialect() == db.Postgres {
		return tx.QueryRow(ctx, `SELECT taken, capacity FROM booking_slots WHERE id = ? FOR NO KEY UPDATE`, id)
	}
	return tx.QueryRowStmt(ctx, h.count, id)
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
// that has booked too often within the guard's window, a phone that holds
// the slot already, no places left (or the waiting list), the address's
// share; it counts what each stored booking takes, for the next ones of
// the batch, and returns the bookings to store.
func (s *Service) decide(group []*pending, slot *placeCount, venues map[venueTime]*placeCount, c batchCounts) []*pending {
	id := group[0].sl.ID
	held, used := c.held[id], c.used[id]
	if held == nil {
		held = map[string]bool{}
	}
	if used == nil {
		used = map[string]int{}
	}
	g := s.guard()
	var out []*pending
	for _, p := range group {
		if c.phones[p.hash] >= g.PhoneMax {
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
		c.phones[p.hash]++
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
	return out
}

// inList is a condition that column is one of values, and its argument:
// the values as one parameter, so the statement's text is the same for
// every batch and each database parses it once (SQLite as a prepared
// statement, PostgreSQL in its driver's cache of each connection). On
// SQLite the parameter is a JSON array, on PostgreSQL an array.
func inList[T string | int64](dialect db.Dialect, column string, values []T) (string, any) {
	if dialect != db.Postgres {
		return column + ` IN (SELECT value FROM json_each(?))`, jsonList(values)
	}
	return column + ` = ANY(?)`, values
}

// jsonList is the values as a JSON array; strings are hex digests, which
// need no escaping.
func jsonList[T string | int64](values []T) string {
	b := make([]byte, 0, len(values)*44+2)
	b = append(b, '[')
	for i, v := range values {
		if i > 0 {
			b = append(b, ',')
		}
		switch v := any(v).(type) {
		case string:
			b = append(append(append(b, '"'), v...), '"')
		case int64:
			b = strconv.AppendInt(b, v, 10)
		}
	}
	return string(append(b, ']'))
}

// batchCounts is what a batch decides against, read in its transaction
// after its slots are locked.
type batchCounts struct {
	// phones counts each phone's bookings of any slot within the guard's
	// window: the phone's limit.
	phones map[string]int
	// held says, by slot, which of the batch's phones hold it already.
	held map[int64]map[string]bool
	// used sums, by slot, the places each of the batch's addresses took
	// within the window.
	used map[int64]map[string]int
}

// countsQuery reads batchCounts in one statement: each row is a kind (0
// phone, 1 held, 2 address), a slot, a key and a number.
//
// On PostgreSQL each address's share is read by its own probe of the
// index on (slot, address, time): given the list, its planner scanned
// every booking of the slot since the window began and filtered the
// addresses, which in a rush grows with each batch (6.5 ms of a batch's
// 8 ms at 16,000 bookings of one slot).
func countsQuery(dialect db.Dialect, since any, phones, keys []string, slots []int64) (string, []any) {
	phoneIn, phoneArg := inList(dialect, "phone_hash", phones)
	slotIn, slotArg := inList(dialect, "slot_id", slots)
	q := `SELECT 0, 0, phone_hash, COUNT(*) FROM bookings WHERE created_at > ? AND state <> 'cancelled' AND ` + phoneIn + ` GROUP BY phone_hash
		UNION ALL SELECT 1, slot_id, phone_hash, 1 FROM bookings WHERE state <> 'cancelled' AND ` + slotIn + ` AND ` + phoneIn
	args := []any{since, phoneArg, slotArg, phoneArg}
	if dialect == db.Postgres {
		q += `
		UNION ALL SELECT 2, s, k, (SELECT COALESCE(SUM(party), 0) FROM bookings
			WHERE slot_id = s AND client_key = k AND created_at > ? AND state <> 'cancelled')
			FROM unnest(?::bigint[]) AS s, unnest(?::text[]) AS k`
		return q, append(args, since, slots, keys)
	}
	keyIn, keyArg := inList(dialect, "client_key", keys)
	q += `
		UNION ALL SELECT 2, slot_id, client_key, SUM(party) FROM bookings WHERE created_at > ? AND state <> 'cancelled' AND ` + slotIn + ` AND ` + keyIn + `
			GROUP BY slot_id, client_key`
	return q, append(args, since, slotArg, keyArg)
}

// countBatch reads the counts the batch's bookings are decided against.
func (s *Service) countBatch(ctx context.Context, tx *db.Tx, h *hotStatements, batch []*pending, slots []int64) (batchCounts, error) {
	c := batchCounts{phones: map[string]int{}, held: map[int64]map[string]bool{}, used: map[int64]map[string]int{}}
	phones := make([]string, len(batch))
	var keys []string
	for i, p := range batch {
		phones[i] = p.hash
		if p.from.key != "" {
			keys = append(keys, p.from.key)
		}
	}
	q, args := countsQuery(tx.Dialect(), db.At(batch[0].now.Add(-s.guard().Window)), phones, keys, slots)
	var rows *sql.Rows
	var err error
	if tx.Dialect() == db.Postgres {
		rows, err = tx.Query(ctx, q, args...)
	} else {
		rows, err = tx.QueryStmt(ctx, h.counts, args...)
	}
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, n int
		var slot int64
		var key string
		if err := rows.Scan(&kind, &slot, &key, &n); err != nil {
			return c, err
		}
		switch kind {
		case 0:
			c.phones[key] = n
		case 1:
			if c.held[slot] == nil {
				c.held[slot] = map[string]bool{}
			}
			c.held[slot][key] = true
		case 2:
			if c.used[slot] == nil {
				c.used[slot] = map[string]int{}
			}
			c.used[slot][key] = n
		}
	}
	return c, rows.Err()
}

// insertBookings stores the bookings. On SQLite with the prepared one-row
// insert run once per booking: a multi-row insert that may fail on a
// unique index makes SQLite keep a statement journal in a temporary file
// to undo just that statement, and writing it page by page cost as much
// as the insert; SQLite has no round trips to save. On PostgreSQL in one
// statement, whose text is the same for every batch: each column's
// values are an array, read back as rows by unnest.
func (s *Service) insertBookings(ctx context.Context, tx *db.Tx, ps []*pending) error {
	h, err := s.prepared(ctx)
	if err != nil {
		return err
	}
	if tx.Dialect() != db.Postgres {
		args := make([]any, 0, 15)
		for _, p := range ps {
			if _, err := tx.ExecStmt(ctx, h.insert, p.appendArgs(args[:0])...); err != nil {
				return err
			}
		}
		return nil
	}
	var c columns
	for _, p := range ps {
		c.add(p)
	}
	_, err = tx.Exec(ctx, insertColumns+`SELECT * FROM unnest(?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::integer[], ?::boolean[],
		?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::text[], ?::text[])`,
		c.code, c.slot, c.activity, c.campaign, c.state, c.party, c.children, c.nameEnc, c.phoneEnc, c.hash, c.masked, c.lang, c.created, c.key, c.label)
	return err
}

// columns are the inserted bookings' values, column by column.
type columns struct {
	code, state, nameEnc, phoneEnc, hash, masked, lang, key, label []string
	slot, activity, campaign, party                                []int64
	children                                                       []bool
	created                                                        []time.Time
}

func (c *columns) add(p *pending) {
	c.code, c.state, c.nameEnc, c.phoneEnc = append(c.code, p.code), append(c.state, string(p.state)), append(c.nameEnc, p.nameEnc), append(c.phoneEnc, p.phoneEnc)
	c.hash, c.masked, c.lang = append(c.hash, p.hash), append(c.masked, p.masked), append(c.lang, p.lang)
	c.key, c.label = append(c.key, p.from.key), append(c.label, p.from.label)
	c.slot, c.activity, c.campaign = append(c.slot, p.sl.ID), append(c.activity, p.sl.ActivityID), append(c.campaign, p.sl.CampaignID)
	c.party, c.children, c.created = append(c.party, int64(p.party)), append(c.children, p.children), append(c.created, p.now.UTC())
}
