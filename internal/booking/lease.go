package booking

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// Leases let several app servers sharing a PostgreSQL database book one
// popular slot at once. Without them every batch locks the slot's row
// until its commit has reached the disk, so two servers' batches of one
// slot run strictly in turn. A server in a rush instead counts places out
// of the slot's row ahead of need, a lease recorded in booking_leases with
// its server and counted in the slot's taken, and stores the next batches
// from it, each writing only its own lease's row. The slot's row is locked
// again only when the lease runs short. See docs/design/booking.md.
//
// The lease's row is the authority, the count held in memory a copy: a
// batch writes the row only where it still holds the places the copy
// says, so a lease that was reclaimed can never be booked from.
const (
	// leaseFrom is how many bookings of one slot a batch must hold before
	// its server takes a lease of that slot's places; smaller batches
	// lock the slot's row as before, so a quiet slot's count is exact.
	leaseFrom = 8
	// leaseMax bounds the places a lease takes ahead of need.
	leaseMax = 1024
	// leaseFloor is how many places a slot must have left for a lease to
	// take any ahead of need.
	leaseFloor = 256
	// leaseIdle is how long a lease may go unused before its places are
	// handed back to the slot.
	leaseIdle = 250 * time.Millisecond
	// leaseFor is how long a lease lasts without being used or renewed;
	// past it, any server may reclaim it.
	leaseFor = 10 * time.Second
)

// leases are the places this server holds, by slot; only the writer's
// goroutine touches them.
type leases struct {
	holder string
	places map[int64]int
	used   map[int64]time.Time
	// idle and ttl are leaseIdle and leaseFor, longer or shorter in tests.
	idle, ttl time.Duration
}

func newLeases() *leases {
	b := make([]byte, 8)
	rand.Read(b)
	return &leases{holder: hex.EncodeToString(b), places: map[int64]int{}, used: map[int64]time.Time{}, idle: leaseIdle, ttl: leaseFor}
}

// leaseChange is how a batch moves one slot's lease: from the places held
// before to those held after, with take places counted out of the slot's
// row (locked for it) on the way.
type leaseChange struct {
	slot          int64
	before, after int
	take          int
	locked        bool
	// free is what the slot's row had left when locked.
	free int
}

// margin is the places a lease takes beyond what its batch used, when it
// used any: eight times the batch's use, so the slot's row is locked about
// once in eight batches; at most leaseMax and a quarter of what the slot
// has left; and nothing once fewer than leaseFloor places are left, so the
// last places of a slot are sold under its lock and never held by a
// server that has no one left to sell them to.
func margin(used, free int) int {
	if used == 0 || free < leaseFloor {
		return 0
	}
	return min(max(8*used, 64), leaseMax, free/4)
}

// write records the lease's new places in the batch's transaction, where
// its row still holds the places it held before. Errors: errCountsMoved
// when it does not (the lease was reclaimed).
func (l *leases) write(ctx context.Context, tx *db.Tx, c leaseChange) error {
	if c.before == c.after && c.before == 0 {
		return nil
	}
	var q string
	var args []any
	switch {
	case c.before == 0:
		q, args = `INSERT INTO booking_leases (slot_id, holder, places, expires_at) VALUES (?, ?, ?, now() + make_interval(secs => ?))`,
			[]any{c.slot, l.holder, c.after, l.ttl.Seconds()}
	case c.after == 0:
		q, args = `DELETE FROM booking_leases WHERE slot_id = ? AND holder = ? AND places = ?`, []any{c.slot, l.holder, c.before}
	default:
		q, args = `UPDATE booking_leases SET places = ?, expires_at = now() + make_interval(secs => ?) WHERE slot_id = ? AND holder = ? AND places = ?`,
			[]any{c.after, l.ttl.Seconds(), c.slot, l.holder, c.before}
	}
	res, err := tx.Exec(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errCountsMoved
	}
	return nil
}

// apply keeps the committed changes in memory.
func (l *leases) apply(changes []leaseChange, now time.Time) {
	for _, c := range changes {
		if c.after == 0 {
			delete(l.places, c.slot)
			delete(l.used, c.slot)
			continue
		}
		l.places[c.slot] = c.after
		l.used[c.slot] = now
	}
}

// resyncLeases reads the leases this server holds from the database, after a
// batch failed and left the copy in doubt.
func (s *Service) resyncLeases(ctx context.Context) {
	l := s.lease
	held, err := db.Pairs[int64, int](ctx, s.DB, `SELECT slot_id, places FROM booking_leases WHERE holder = ?`, l.holder)
	if err != nil {
		s.Log.Warn("reading this server's booking leases", "err", err)
	}
	clear(l.places)
	clear(l.used)
	for slot, places := range held {
		l.places[slot], l.used[slot] = places, time.Now()
	}
}

// handBack gives the places of this server's leases back to their slots:
// those unused since before idle, or all of them with the zero time. The
// waiting lists of those slots then take what fits.
func (s *Service) handBack(idle time.Time) {
	l := s.lease
	if l == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	for slot, at := range l.used {
		if !idle.IsZero() && at.After(idle) {
			continue
		}
		delete(l.places, slot)
		delete(l.used, slot)
		if _, err := s.returnLeases(ctx, slot, `holder = ?`, l.holder); err != nil {
			s.Log.Warn("handing a booking lease back", "slot", slot, "err", err)
		}
	}
}

// ReclaimLeases gives back to their slots the places of leases that have
// expired: those of a server that stopped without handing them back. It
// reports how many places it gave back; a slot it could not give back to
// does not keep it from the others.
func (s *Service) ReclaimLeases(ctx context.Context) (int, error) {
	if s.DB.Dialect != db.Postgres {
		return 0, nil
	}
	slots, err := db.Set[int64](ctx, s.DB, `SELECT DISTINCT slot_id FROM booking_leases WHERE expires_at < now()`)
	if err != nil {
		return 0, err
	}
	total := 0
	var errList []error
	for slot := range slots {
		n, err := s.returnLeases(ctx, slot, `expires_at < now()`)
		total += n
		errList = append(errList, err)
	}
	return total, errors.Join(errList...)
}

// returnLeases deletes the slot's leases the condition names and gives
// their places back to the slot, then to its waiting list (when its
// activity still takes bookings); the slot's row is locked first, as every
// writer of it does.
func (s *Service) returnLeases(ctx context.Context, slot int64, which string, args ...any) (int, error) {
	held, err := s.readSlot(ctx, slot)
	bookable := err == nil
	if err != nil && !errs.Is(err, errs.NotFound) {
		return 0, err
	}
	var places int
	var promoted []string
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var taken int
		if err := tx.QueryRow(ctx, `SELECT taken FROM booking_slots WHERE id = ? FOR NO KEY UPDATE`, slot).Scan(&taken); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `WITH gone AS (DELETE FROM booking_leases WHERE slot_id = ? AND `+which+` RETURNING places)
			SELECT COALESCE(SUM(places), 0) FROM gone`, append([]any{slot}, args...)...).Scan(&places)
		if err != nil || places == 0 {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE booking_slots SET taken = taken - ? WHERE id = ?`, places, slot); err != nil {
			return err
		}
		if bookable {
			promoted, err = s.promote(ctx, tx, held.sl, held.r, s.now())
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	for _, code := range promoted {
		s.notify(ctx, code, "booking.sms.promoted")
	}
	return places, nil
}

// lockAddresses takes, for the batch's transaction, a lock on each slot
// and address it books, in one order, so that two servers' batches of one
// slot never count one address's share at the same time, whether each
// holds the slot's row or books from its lease.
func lockAddresses(ctx context.Context, tx *db.Tx, batch []*pending) (map[int64]bool, error) {
	keys := map[int64]bool{}
	for _, p := range batch {
		if p.from.key != "" {
			keys[addressKey(p)] = true
		}
	}
	if len(keys) == 0 {
		return keys, nil
	}
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(k) FROM unnest(?::bigint[]) AS k`, slices.Sorted(maps.Keys(keys)))
	return keys, err
}

// tryAddresses takes, without waiting, the locks of the bookings that
// join a batch after it locked its slots, and reports which keys it took:
// waiting then could close a cycle with another batch.
func tryAddresses(ctx context.Context, tx *db.Tx, keys []int64) (map[int64]bool, error) {
	if len(keys) == 0 {
		return map[int64]bool{}, nil
	}
	return db.Set[int64](ctx, tx, `SELECT k FROM unnest(?::bigint[]) AS k WHERE pg_try_advisory_xact_lock(k)`, keys)
}

// addressKey is the lock key of a booking's slot and address.
func addressKey(p *pending) int64 {
	h := fnv.New64a()
	h.Write(strconv.AppendInt(nil, p.sl.ID, 10))
	h.Write([]byte{0})
	h.Write([]byte(p.from.key))
	return int64(h.Sum64())
}
