package booking

import (
	"cmp"
	"context"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// Guard bounds what one address and one phone may book, so nobody takes
// a whole slot with made-up numbers, and says what counts as a burst.
// Zero fields take the defaults.
type Guard struct {
	// AddressPercent of a slot's capacity, but at least AddressMin places,
	// may be booked from one address within Window.
	AddressPercent int
	AddressMin     int
	// PhoneMax bookings may be made with one phone within Window, across
	// every slot.
	PhoneMax int
	Window   time.Duration
	// BurstBookings made from one address within BurstWindow are shown to
	// the activity's managers as a suspicious burst.
	BurstBookings int
	BurstWindow   time.Duration
}

// DefaultGuard: 10% of a slot, at least 4 places, per address per hour;
// 10 bookings per phone per hour; 3 bookings from one address within 10
// minutes are a burst.
var DefaultGuard = Guard{AddressPercent: 10, AddressMin: 4, PhoneMax: 10, Window: time.Hour, BurstBookings: 3, BurstWindow: 10 * time.Minute}

func (s *Service) guard() Guard {
	g, d := s.Guard, DefaultGuard
	return Guard{AddressPercent: cmp.Or(g.AddressPercent, d.AddressPercent), AddressMin: cmp.Or(g.AddressMin, d.AddressMin),
		PhoneMax: cmp.Or(g.PhoneMax, d.PhoneMax), Window: cmp.Or(g.Window, d.Window),
		BurstBookings: cmp.Or(g.BurstBookings, d.BurstBookings), BurstWindow: cmp.Or(g.BurstWindow, d.BurstWindow)}
}

// AddressShare is the most places one address may book in a slot of
// capacity places within the window; never less than one party of the
// largest size the rules allow.
func (g Guard) AddressShare(capacity, maxParty int) int {
	return max(g.AddressMin, capacity*g.AddressPercent/100, maxParty)
}

// client is where a booking came from: a keyed hash to count by and a
// masked label to show.
type client struct{ key, label string }

func (s *Service) clientOf(addr string) client {
	if addr == "" {
		return client{}
	}
	return client{key: s.Keys.PhoneHash("address " + addr), label: maskAddress(addr)}
}

// maskAddress keeps the network of an address and hides the host:
// 203.0.113.* or 2001:db8:1::*.
func maskAddress(addr string) string {
	ip := net.ParseIP(addr)
	switch {
	case ip == nil:
		return "?"
	case ip.To4() != nil:
		v := ip.To4()
		return strconv.Itoa(int(v[0])) + "." + strconv.Itoa(int(v[1])) + "." + strconv.Itoa(int(v[2])) + ".*"
	}
	g := strings.Split(ip.String(), ":")
	return strings.Join(g[:min(3, len(g))], ":") + "::*"
}

func rateLimited(key string, retry time.Duration, args ...any) error {
	e := errs.New(errs.RateLimited, key, args...)
	e.RetryAfter = retry
	return e
}

// checkPhone refuses a phone that has booked too often within the window.
func (s *Service) checkPhone(ctx context.Context, hash string, now time.Time) error {
	g := s.guard()
	var n int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM bookings WHERE phone_hash = ? AND created_at > ? AND state <> 'cancelled'`,
		hash, db.At(now.Add(-g.Window))).Scan(&n); err != nil {
		return err
	}
	if n >= g.PhoneMax {
		return rateLimited("hardening.booking.phone_limit", g.Window, g.PhoneMax)
	}
	return nil
}

// checkAddress refuses places past the address's share of the slot. It
// runs in the booking's transaction after the slot's row is written, so
// bookings of one slot are counted one after the other, even at once.
func (s *Service) checkAddress(ctx context.Context, tx *db.Tx, sl Slot, r Rules, c client, party int, now time.Time) error {
	if c.key == "" {
		return nil
	}
	g := s.guard()
	var n int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(party), 0) FROM bookings WHERE slot_id = ? AND client_key = ? AND created_at > ? AND state <> 'cancelled'`,
		sl.ID, c.key, db.At(now.Add(-g.Window))).Scan(&n); err != nil {
		return err
	}
	if share := g.AddressShare(sl.Capacity, r.MaxParty); n+party > share {
		return rateLimited("hardening.booking.address_limit", g.Window, share)
	}
	return nil
}

// Burst is a run of bookings of an activity from one address in a short
// time, as a script with made-up numbers makes them.
type Burst struct {
	// Key names the address for CancelBurst; Label shows it masked.
	Key, Label string
	// Bookings and Places are the address's active and waiting bookings
	// of the activity.
	Bookings, Places int
	// Most is the most bookings it made within the burst window.
	Most        int
	First, Last time.Time
}

// Bursts lists the addresses that made suspiciously many bookings of the
// activity in a short time, most first. Errors: NotFound,
// Unauthenticated, Forbidden.
func (s *Service) Bursts(ctx context.Context, activityID int64) ([]Burst, error) {
	if _, _, err := s.managed(ctx, activityID); err != nil {
		return nil, err
	}
	g := s.guard()
	rows, err := s.DB.Query(ctx, `SELECT client_key, client_label, party, created_at FROM bookings
		WHERE activity_id = ? AND client_key <> '' AND state IN ('active', 'waiting') ORDER BY client_key, created_at`, activityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byKey := map[string]*Burst{}
	times := map[string][]time.Time{}
	for rows.Next() {
		var key, label string
		var party int
		var at db.Time
		if err := rows.Scan(&key, &label, &party, &at); err != nil {
			return nil, err
		}
		b := byKey[key]
		if b == nil {
			b = &Burst{Key: key, Label: label, First: at.In(clock.Zone)}
			byKey[key] = b
		}
		b.Bookings++
		b.Places += party
		b.Last = at.In(clock.Zone)
		times[key] = append(times[key], at.Time)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Burst
	for key, b := range byKey {
		ts := times[key]
		for i, j := 0, 0; j < len(ts); j++ {
			for ts[j].Sub(ts[i]) > g.BurstWindow {
				i++
			}
			b.Most = max(b.Most, j-i+1)
		}
		if b.Most >= g.BurstBookings {
			out = append(out, *b)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Most != out[j].Most {
			return out[i].Most > out[j].Most
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// CancelBurst cancels, in one action, every active or waiting booking of
// the activity made from the address key names: their places go back to
// the slots and on to their waiting lists, the bookers are texted, and the
// action is in the audit log. It returns how many it cancelled. Errors:
// NotFound (no such burst), Unauthenticated, Forbidden.
func (s *Service) CancelBurst(ctx context.Context, activityID int64, key string) (int, error) {
	a, _, err := s.managed(ctx, activityID)
	if err != nil {
		return 0, err
	}
	if key == "" {
		return 0, errs.NotFoundf("no address")
	}
	r, _, err := s.Rules(ctx, a.ID)
	if err != nil {
		return 0, err
	}
	var venueID int64
	if r.Venue != nil {
		venueID = r.Venue.ID
	}
	now := s.now()
	var cancelled, promoted []string
	label := ""
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+bookingColumns+`, b.client_label FROM bookings b JOIN booking_slots s ON s.id = b.slot_id
			WHERE b.activity_id = ? AND b.client_key = ? AND b.state IN ('active', 'waiting') ORDER BY b.id`, a.ID, key)
		if err != nil {
			return err
		}
		var bs []Booking
		for rows.Next() {
			b, err := s.scanBooking(scanSuffix{rows, &label})
			if err != nil {
				rows.Close()
				return err
			}
			bs = append(bs, b)
		}
		rows.Close()
		if len(bs) == 0 {
			return errs.NotFoundf("no bookings from %s", key)
		}
		for _, b := range bs {
			if _, err := tx.Exec(ctx, `UPDATE bookings SET state = 'cancelled', cancelled_at = ? WHERE id = ?`, db.At(now), b.ID); err != nil {
				return err
			}
			cancelled = append(cancelled, b.Code)
			if b.State == StateActive {
				if err := give(ctx, tx, b, venueID); err != nil {
					return err
				}
			}
		}
		// Each slot's freed places go to its waiting list once all of the
		// burst's bookings are out of it.
		seen := map[int64]bool{}
		for _, b := range bs {
			if seen[b.SlotID] {
				continue
			}
			seen[b.SlotID] = true
			p, err := s.promote(ctx, tx, b.Slot, r, now)
			if err != nil {
				return err
			}
			promoted = append(promoted, p...)
		}
		return s.Audit.Record(ctx, tx, "booking.burst_cancel", "activity", strconv.FormatInt(a.ID, 10),
			map[string]any{"address": label, "bookings": len(bs), "codes": cancelled})
	})
	if err != nil {
		return 0, err
	}
	for _, code := range cancelled {
		s.notify(ctx, code, "booking.sms.cancelled")
	}
	for _, code := range promoted {
		s.notify(ctx, code, "booking.sms.promoted")
	}
	return len(cancelled), nil
}

// scanSuffix scans one trailing column after the booking's.
type scanSuffix struct {
	sc   interface{ Scan(...any) error }
	last any
}

func (p scanSuffix) Scan(dest ...any) error { return p.sc.Scan(append(dest, p.last)...) }
