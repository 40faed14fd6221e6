package booking

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// DayList is what a check-in device downloads to admit visitors without
// signal: the activity's slots and tickets of one day, holding only what
// the door needs, and until when it may be used.
type DayList struct {
	Activity     int64            `json:"activity"`
	Campaign     int64            `json:"campaign"`
	Day          string           `json:"day"`
	DownloadedAt time.Time        `json:"downloaded_at"`
	ExpiresAt    time.Time        `json:"expires_at"`
	Slots        []DaySlot        `json:"slots"`
	Tickets      []DayTicket      `json:"tickets"`
	OtherDays    []OtherDayTicket `json:"other_days"`
}

// DaySlot is one slot of the day with its counts at download.
type DaySlot struct {
	ID        int64     `json:"id"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Capacity  int       `json:"capacity"`
	Taken     int       `json:"taken"`
	CheckedIn int       `json:"checked_in"`
}

// DayTicket is a booking of the day as the door sees it. Hash is the
// SHA-256 of the signed ticket, so a scanned code is matched exactly and a
// forged one is not.
type DayTicket struct {
	Code  string `json:"code"`
	Hash  string `json:"hash"`
	Slot  int64  `json:"slot"`
	Party int    `json:"party_size"`
	Name  string `json:"name"`
	State State  `json:"state"`
}

// OtherDayTicket names a ticket of the same activity on another day, so
// the door can say why it is refused.
type OtherDayTicket struct {
	Code string `json:"code"`
	Hash string `json:"hash"`
	Day  string `json:"day"`
}

// TicketHash is the hex SHA-256 of a ticket's QR payload.
func TicketHash(ticket string) string {
	sum := sha256.Sum256([]byte(ticket))
	return hex.EncodeToString(sum[:])
}

// MaskName keeps a name's first character and hides the rest.
func MaskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	if len(r) == 0 {
		return ""
	}
	return string(r[0]) + strings.Repeat("*", max(len(r)-1, 1))
}

// DayList returns the activity's tickets of today (Asia/Shanghai) for
// check-in without network; it expires at the end of the day. Errors:
// NotFound, Unauthenticated, Forbidden (not staff of the activity).
func (s *Service) DayList(ctx context.Context, activityID int64) (DayList, error) {
	a, c, err := s.activity(ctx, activityID)
	if err != nil {
		return DayList{}, err
	}
	if !s.CanCheckIn(ctx, a, c) {
		return DayList{}, denied(ctx)
	}
	now := s.now().In(clock.Zone)
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, clock.Zone)
	day := start.Format("2006-01-02")
	l := DayList{Activity: a.ID, Campaign: c.ID, Day: day, DownloadedAt: now, ExpiresAt: start.AddDate(0, 0, 1),
		Slots: []DaySlot{}, Tickets: []DayTicket{}, OtherDays: []OtherDayTicket{}}
	slots, err := s.Slots(ctx, a.ID)
	if err != nil {
		return l, err
	}
	for _, sl := range slots {
		if sl.Start.In(clock.Zone).Format("2006-01-02") == day {
			l.Slots = append(l.Slots, DaySlot{ID: sl.ID, Start: sl.Start, End: sl.End, Capacity: sl.Capacity, Taken: sl.Taken, CheckedIn: sl.CheckedIn})
		}
	}
	rows, err := s.DB.Query(ctx, `SELECT `+bookingColumns+` FROM bookings b JOIN booking_slots s ON s.id = b.slot_id
		WHERE b.activity_id = ? ORDER BY s.start_at, b.id`, a.ID)
	if err != nil {
		return l, err
	}
	defer rows.Close()
	for rows.Next() {
		b, err := s.scanBooking(rows)
		if err != nil {
			return l, err
		}
		hash := TicketHash(s.Ticket(b))
		if d := b.Slot.Start.In(clock.Zone).Format("2006-01-02"); d != day {
			l.OtherDays = append(l.OtherDays, OtherDayTicket{Code: b.Code, Hash: hash, Day: d})
			continue
		}
		l.Tickets = append(l.Tickets, DayTicket{Code: b.Code, Hash: hash, Slot: b.SlotID, Party: b.Party, Name: MaskName(b.Name), State: b.State})
	}
	return l, rows.Err()
}

// OfflineCheckIn is one check-in made by a device without network: its id
// on the device, the booking code and the device's time.
type OfflineCheckIn struct {
	ID   string    `json:"id"`
	Code string    `json:"code"`
	At   time.Time `json:"at"`
}

// SyncInput is a device's queue of check-ins.
type SyncInput struct {
	Device   string           `json:"device"`
	CheckIns []OfflineCheckIn `json:"checkins"`
}

// The outcomes of an offline check-in once synced.
const (
	// SyncCheckedIn: admitted now, counted once.
	SyncCheckedIn = "checked_in"
	// SyncConflict: the ticket was already checked in (at another door,
	// or online); nothing is counted again.
	SyncConflict = "conflict"
	// SyncCancelled: the booking was cancelled after the list was
	// downloaded; staff decide what to do.
	SyncCancelled = "cancelled"
	// SyncWaiting: the booking is on the waiting list.
	SyncWaiting = "waiting"
	// SyncUnknown: no booking of this activity has the code.
	SyncUnknown = "unknown"
)

// SyncResult is the outcome of one offline check-in. At is, for a
// conflict, when the ticket was first checked in.
type SyncResult struct {
	ID     string
	Code   string
	Result string
	At     time.Time
}

// MaxSyncBatch bounds the check-ins of one sync.
const MaxSyncBatch = 1000

// Sync applies a device's queued check-ins, each once: a check-in sent
// again (same device id) answers as it did the first time; a ticket
// already checked in is a conflict and is not counted again. Errors:
// Invalid, NotFound, Unauthenticated, Forbidden (not staff of the
// activity).
func (s *Service) Sync(ctx context.Context, activityID int64, in SyncInput) ([]SyncResult, error) {
	a, c, err := s.activity(ctx, activityID)
	if err != nil {
		return nil, err
	}
	if !s.CanCheckIn(ctx, a, c) {
		return nil, denied(ctx)
	}
	f := errs.Fields{}
	if d := strings.TrimSpace(in.Device); d == "" || len(d) > 64 {
		f.Add("device", "offline.error.device")
	}
	if len(in.CheckIns) > MaxSyncBatch {
		f.Add("checkins", "offline.error.batch", MaxSyncBatch)
	}
	for _, ci := range in.CheckIns {
		if ci.ID == "" || len(ci.ID) > 80 || ci.Code == "" || len(ci.Code) > 40 {
			f.Add("checkins", "offline.error.checkin")
			break
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var by any
	if p := account.FromContext(ctx); p != nil {
		by = p.ID
	}
	out := make([]SyncResult, 0, len(in.CheckIns))
	for _, ci := range in.CheckIns {
		var r SyncResult
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			var err error
			r, err = s.syncOne(ctx, tx, a.ID, strings.TrimSpace(in.Device), ci, by)
			return err
		})
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// syncOne applies one offline check-in inside tx.
func (s *Service) syncOne(ctx context.Context, tx *db.Tx, activityID int64, device string, ci OfflineCheckIn, by any) (SyncResult, error) {
	r := SyncResult{ID: ci.ID, Code: NormalizeCode(ci.Code)}
	var detail string
	err := tx.QueryRow(ctx, `SELECT result, detail FROM booking_offline_checkins WHERE activity_id = ? AND op_id = ?`, activityID, ci.ID).Scan(&r.Result, &detail)
	if err == nil {
		r.At, _ = time.Parse(time.RFC3339, detail)
		return r, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return r, err
	}
	now := s.now()
	at := ci.At
	if at.IsZero() || at.After(now) || at.Before(now.Add(-24*time.Hour)) {
		at = now
	}
	var id, slotID int64
	var party int
	var state string
	var checked db.Time
	err = tx.QueryRow(ctx, `SELECT id, slot_id, party, state, checked_in_at FROM bookings WHERE code = ? AND activity_id = ?`, r.Code, activityID).
		Scan(&id, &slotID, &party, &state, &checked)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		r.Result = SyncUnknown
	case err != nil:
		return r, err
	case State(state) == StateCheckedIn:
		r.Result, r.At = SyncConflict, checked.In(clock.Zone)
	case State(state) == StateCancelled:
		r.Result = SyncCancelled
	case State(state) == StateWaiting:
		r.Result = SyncWaiting
	default:
		res, err := tx.Exec(ctx, `UPDATE bookings SET state = 'checked_in', checked_in_at = ?, checked_in_by = ? WHERE id = ? AND state = 'active'`, db.At(at), by, id)
		if err != nil {
			return r, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return r, errs.New(errs.Conflict, "booking.checkin.already", at.In(clock.Zone).Format("01-02 15:04"))
		}
		if _, err := tx.Exec(ctx, `UPDATE booking_slots SET checked_in = checked_in + ? WHERE id = ?`, party, slotID); err != nil {
			return r, err
		}
		r.Result = SyncCheckedIn
	}
	if !r.At.IsZero() {
		detail = r.At.Format(time.RFC3339)
	}
	_, err = tx.Exec(ctx, `INSERT INTO booking_offline_checkins (activity_id, op_id, code, device, device_at, result, detail, synced_by, synced_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, activityID, ci.ID, r.Code, device, db.At(at), r.Result, detail, by, db.At(now))
	return r, err
}
