package booking

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// CheckIn admits the party of a booking to the activity, once. The entry
// is a scanned ticket or a typed booking code. Errors: Invalid (field
// entry: nothing readable), NotFound (no such booking, a forged ticket, a
// ticket of another campaign or another activity, a code no ticket has),
// Unauthenticated, Forbidden (not staff of the activity), Conflict
// (already checked in, cancelled, on the waiting list; a ticket for
// another day unless confirm, see OtherDay).
func (s *Service) CheckIn(ctx context.Context, activityID int64, entry string, confirm bool) (Booking, error) {
	a, c, err := s.activity(ctx, activityID)
	if err != nil {
		return Booking{}, err
	}
	if !s.CanCheckIn(ctx, a, c) {
		return Booking{}, denied(ctx)
	}
	entry = strings.TrimSpace(entry)
	var b Booking
	switch {
	case entry == "":
		return Booking{}, (errs.Fields{"entry": {Key: "booking.error.entry"}}).Err()
	case strings.HasPrefix(entry, ticketPrefix+"."):
		campaignID, _, ok := s.Keys.ReadTicket(entry)
		if !ok {
			return Booking{}, errs.New(errs.NotFound, "booking.checkin.forged")
		}
		if campaignID != c.ID {
			return Booking{}, errs.New(errs.NotFound, "booking.checkin.other_campaign")
		}
		b, err = s.ByTicket(ctx, entry)
	default:
		code := NormalizeCode(entry)
		if !validCode(code) {
			return Booking{}, errs.New(errs.NotFound, "booking.checkin.no_such_code", entry)
		}
		b, err = s.byCode(ctx, code)
	}
	if errs.Is(err, errs.NotFound) {
		return Booking{}, errs.New(errs.NotFound, "booking.checkin.no_such_code", entry)
	}
	if err != nil {
		return Booking{}, err
	}
	if b.ActivityID != a.ID {
		// Nothing of another activity's booking is shown: its staff may
		// not see who booked there.
		return Booking{}, errs.New(errs.NotFound, "booking.checkin.other_activity")
	}
	switch b.State {
	case StateCheckedIn:
		return b, errs.New(errs.Conflict, "booking.checkin.already", b.CheckedInAt.Format("01-02 15:04"))
	case StateCancelled:
		return b, errs.New(errs.Conflict, "booking.checkin.cancelled")
	case StateWaiting:
		return b, errs.New(errs.Conflict, "booking.checkin.waiting")
	}
	now := s.now()
	if !confirm && OtherDay(b, now) {
		return b, errs.New(errs.Conflict, "booking.checkin.other_day", b.Slot.Start.In(clock.Zone).Format("2006-01-02"))
	}
	var by any
	if p := account.FromContext(ctx); p != nil {
		by = p.ID
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE bookings SET state = 'checked_in', checked_in_at = ?, checked_in_by = ? WHERE id = ? AND state = 'active'`, db.At(now), by, b.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "booking.checkin.already", now.Format("01-02 15:04"))
		}
		_, err = tx.Exec(ctx, `UPDATE booking_slots SET checked_in = checked_in + ? WHERE id = ?`, b.Party, b.SlotID)
		return err
	})
	if err != nil {
		return b, err
	}
	b.State, b.CheckedInAt = StateCheckedIn, now
	b.Slot.CheckedIn += b.Party
	return b, nil
}

// OtherDay reports whether the booking's slot is on another day than now:
// staff confirm before admitting it.
func OtherDay(b Booking, now time.Time) bool {
	return b.Slot.Start.In(clock.Zone).Format("2006-01-02") != now.In(clock.Zone).Format("2006-01-02")
}

// Occupancy is how full an activity's slots and its venue are.
type Occupancy struct {
	Slots []Slot
	Venue *Venue
	// VenueTimes are the venue's loads at the starts of the activity's
	// slots, all activities held there counted.
	VenueTimes []VenueLoad
}

// VenueLoad is a venue's load at one time.
type VenueLoad struct {
	Start     time.Time
	Taken     int
	CheckedIn int
	Capacity  int
}

// Occupancy returns the live counts of an activity: booked, checked in and
// capacity per slot and at its venue. Errors: NotFound, Unauthenticated,
// Forbidden (not staff of the activity).
func (s *Service) Occupancy(ctx context.Context, activityID int64) (Occupancy, error) {
	a, c, err := s.activity(ctx, activityID)
	if err != nil {
		return Occupancy{}, err
	}
	if !s.CanCheckIn(ctx, a, c) {
		return Occupancy{}, denied(ctx)
	}
	var o Occupancy
	if o.Slots, err = s.Slots(ctx, a.ID); err != nil {
		return o, err
	}
	r, ok, err := s.Rules(ctx, a.ID)
	if err != nil || !ok || r.Venue == nil {
		return o, err
	}
	o.Venue = r.Venue
	rows, err := s.DB.Query(ctx, `SELECT v.start_at, v.taken, (SELECT COALESCE(SUM(s.checked_in), 0) FROM booking_slots s
			JOIN booking_rules r ON r.activity_id = s.activity_id WHERE r.venue_id = v.venue_id AND s.start_at = v.start_at)
		FROM booking_venue_times v WHERE v.venue_id = ? AND v.start_at IN (SELECT start_at FROM booking_slots WHERE activity_id = ?)
		ORDER BY v.start_at`, r.Venue.ID, a.ID)
	if err != nil {
		return o, err
	}
	defer rows.Close()
	for rows.Next() {
		var l VenueLoad
		var at db.Time
		if err := rows.Scan(&at, &l.Taken, &l.CheckedIn); err != nil {
			return o, err
		}
		l.Start, l.Capacity = at.In(clock.Zone), r.Venue.Capacity
		o.VenueTimes = append(o.VenueTimes, l)
	}
	return o, rows.Err()
}

// Bookings lists an activity's bookings for its managers, phones masked.
// Errors: NotFound, Unauthenticated, Forbidden.
func (s *Service) Bookings(ctx context.Context, activityID int64) ([]Booking, error) {
	if _, _, err := s.managed(ctx, activityID); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+bookingColumns+` FROM bookings b JOIN booking_slots s ON s.id = b.slot_id
		WHERE b.activity_id = ? ORDER BY s.start_at, b.id`, activityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Booking
	for rows.Next() {
		b, err := s.scanBooking(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// ExportRow is a booking with its phone number in full.
type ExportRow struct {
	Booking
	Phone string
}

// Export returns an activity's bookings with full phone numbers, for the
// organiser only; every export is in the audit log. Errors: NotFound,
// Unauthenticated, Forbidden (anyone but the organiser).
func (s *Service) Export(ctx context.Context, activityID int64) ([]ExportRow, error) {
	a, c, err := s.activity(ctx, activityID)
	if err != nil {
		return nil, err
	}
	if !s.Campaigns.CanEdit(ctx, c) {
		return nil, denied(ctx)
	}
	rows, err := s.DB.Query(ctx, `SELECT b.phone_enc, `+bookingColumns+` FROM bookings b JOIN booking_slots s ON s.id = b.slot_id
		WHERE b.activity_id = ? ORDER BY s.start_at, b.id`, a.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ExportRow
	for rows.Next() {
		var enc string
		var r ExportRow
		b, err := s.scanBooking(scanPrefix{rows, &enc})
		if err != nil {
			return nil, err
		}
		r.Booking = b
		r.Phone, _ = s.Keys.Open(enc)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		return s.Audit.Record(ctx, tx, "booking.export", "activity", strconv.FormatInt(a.ID, 10), map[string]any{"bookings": len(out)})
	})
	return out, err
}

// scanPrefix scans one leading column before handing the rest on.
type scanPrefix struct {
	sc    interface{ Scan(...any) error }
	first any
}

func (p scanPrefix) Scan(dest ...any) error { return p.sc.Scan(append([]any{p.first}, dest...)...) }

// Totals are, per unit code, the places booked at the campaign's activities
// and the people checked in at the door, for the statistics. Only the
// activities with a booking count, so only their units are asked of the
// program: a few of a national program's half a million activities.
func (s *Service) Totals(ctx context.Context, campaignID int64) (map[string][2]int, error) {
	rows, err := s.DB.Query(ctx, `SELECT activity_id, SUM(taken), SUM(checked_in)
		FROM booking_slots WHERE campaign_id = ? AND (taken > 0 OR checked_in > 0) GROUP BY activity_id`, campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	by := map[int64][2]int{}
	var ids []int64
	for rows.Next() {
		var id int64
		var n [2]int
		if err := rows.Scan(&id, &n[0], &n[1]); err != nil {
			return nil, err
		}
		by[id] = n
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := map[string][2]int{}
	if len(ids) == 0 {
		return out, nil
	}
	units, err := s.Program.UnitsFor(ctx, campaignID, ids)
	if err != nil {
		return nil, err
	}
	for id, n := range by {
		if code, ok := units[id]; ok {
			t := out[code]
			out[code] = [2]int{t[0] + n[0], t[1] + n[1]}
		}
	}
	return out, nil
}
