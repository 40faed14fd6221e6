package booking

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/i18n"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// MaxName is the longest name a booking keeps, in characters.
const MaxName = 40

// Book takes places in a slot for a visitor, or puts them on its waiting
// list when the slot is full and they asked for it. The places are taken
// by one conditional UPDATE in the transaction that stores the booking, so
// two requests can never both take the last place, on SQLite or on
// PostgreSQL, in one process or several.
//
// Errors: NotFound (no such slot, or its activity is not public), Invalid
// (fields name, phone, party_size, consent, guardian), Conflict (booking
// not open yet, slot already started, activity held online),
// DeadlinePassed (booking closed), Full, AlreadyBooked (that phone holds a
// booking in the slot), RateLimited (the phone booked too often, or the
// address has taken its share of the slot: see Guard).
func (s *Service) Book(ctx context.Context, slotID int64, in Input) (Booking, error) {
	sl, r, online, err := s.bookingContext(ctx, slotID)
	if err != nil {
		return Booking{}, err
	}
	now := s.now()
	if online || !r.OnlineAt.IsZero() {
		return Booking{}, errs.New(errs.Conflict, "booking.error.online")
	}
	switch {
	case now.Before(r.Opens):
		return Booking{}, errs.New(errs.Conflict, "booking.error.not_open", r.Opens.Format("2006-01-02 15:04"))
	case !now.Before(r.Closes):
		return Booking{}, errs.New(errs.DeadlinePassed, "booking.error.closed")
	case !now.Before(sl.Start):
		return Booking{}, errs.New(errs.Conflict, "booking.error.past")
	}
	name, phone, f := in.Check(r.MaxParty)
	if err := f.Err(); err != nil {
		return Booking{}, err
	}
	b := Booking{SlotID: sl.ID, ActivityID: sl.ActivityID, CampaignID: sl.CampaignID, State: StateActive, Party: in.Party, Children: in.Children,
		Name: name, PhoneMasked: MaskPhone(phone), Lang: in.Lang, CreatedAt: now, Slot: sl}
	if b.Lang != i18n.English {
		b.Lang = i18n.Chinese
	}
	hash := s.Keys.PhoneHash(phone)
	p := &pending{sl: sl, r: r, party: in.Party, waitlist: in.Waitlist, children: in.Children, from: s.clientOf(in.Client),
		hash: hash, nameEnc: s.Keys.Seal(name), phoneEnc: s.Keys.Seal(phone), masked: b.PhoneMasked, lang: b.Lang, now: now}
	if s.racy {
		var racy *racyRead
		if racy, err = s.readTaken(ctx, sl.ID); err == nil {
			err = s.bookOne(ctx, p, racy)
		}
	} else if s.oneByOne {
		err = s.bookOne(ctx, p, nil)
	} else {
		err = s.submit(p)
	}
	if err != nil {
		return Booking{}, err
	}
	b.Code, b.State = p.code, p.state
	if b.State == StateWaiting {
		b.Position, err = s.position(ctx, b.Code)
	}
	return b, err
}

// bookOne stores one booking in a transaction of its own: the path of a
// booking whose batch failed, and of the test that shows a race.
func (s *Service) bookOne(ctx context.Context, p *pending, racy *racyRead) error {
	if err := s.checkPhone(ctx, p.hash, p.now); err != nil {
		return err
	}
	for try := 0; ; try++ {
		p.code = newCode()
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			p.state = StateActive
			var took bool
			var err error
			if racy != nil {
				took, err = racy.take(ctx, tx, p.sl.ID, p.party)
			} else {
				took, err = s.take(ctx, tx, p.sl, p.r, p.party)
			}
			if err != nil {
				return err
			}
			if !took {
				if !p.waitlist {
					return errs.New(errs.Full, "booking.error.full")
				}
				p.state = StateWaiting
			}
			// Counted after the slot's row is written, so one address's
			// bookings of a slot are counted one after another.
			if err := s.checkAddress(ctx, tx, p.sl, p.r, p.from, p.party, p.now); err != nil {
				return err
			}
			h, err := s.prepared(ctx)
			if err != nil {
				return err
			}
			_, err = tx.ExecStmt(ctx, h.insert, p.args()...)
			return err
		})
		if db.IsUniqueViolation(err) {
			if !strings.Contains(err.Error(), "code") || try >= 3 {
				return errs.Wrap(errs.AlreadyBooked, err, "booking.error.already_booked")
			}
			continue
		}
		return err
	}
}

// hotStatements are the statements every booking runs, parsed once;
// count and counts, those of a batch on SQLite (PostgreSQL's driver keeps
// what it parsed per connection).
type hotStatements struct {
	context, take, insert *db.Stmt
	count, counts         *db.Stmt
}

func (s *Service) prepared(ctx context.Context) (*hotStatements, error) {
	s.hotOnce.Do(func() {
		h := &hotStatements{}
		for _, p := range []struct {
			dst **db.Stmt
			sql string
		}{
			{&h.context, `SELECT s.id, s.activity_id, s.campaign_id, s.start_at, s.end_at, s.capacity, s.taken,
					r.opens_at, r.closes_at, r.max_party, r.online_at, r.venue_id
				FROM booking_slots s JOIN booking_rules r ON r.activity_id = s.activity_id
				WHERE s.id = ?`},
			{&h.take, `UPDATE booking_slots SET taken = taken + ? WHERE id = ? AND taken + ? <= capacity`},
			{&h.insert, `INSERT INTO bookings (code, slot_id, activity_id, campaign_id, state, party, children, name_enc, phone_enc, phone_hash, phone_masked, lang, created_at,
					client_key, client_label)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
			{&h.count, sqliteOnly(s.DB.Dialect, `SELECT taken, capacity FROM booking_slots WHERE id = ?`)},
			{&h.counts, sqliteOnly(s.DB.Dialect, countsText)},
		} {
			if p.sql == "" {
				continue
			}
			if *p.dst, s.hotErr = s.DB.Prepare(context.WithoutCancel(ctx), p.sql); s.hotErr != nil {
				return
			}
		}
		s.hot = h
	})
	return s.hot, s.hotErr
}

// countsText is countsQuery's text on SQLite, the same for every batch.
var countsText, _ = countsQuery(db.SQLite, nil, nil, nil, nil)

// sqliteOnly is query on SQLite, and nothing to prepare on PostgreSQL.
func sqliteOnly(d db.Dialect, query string) string {
	if d == db.Postgres {
		return ""
	}
	return query
}

// bookingContext is what Book needs to know about a slot: the slot and
// its activity's rules, held in memory until they change (heldSlots),
// then from the program, which holds its own answer, whether the activity
// is public and its campaign's week held online. Errors: NotFound (no
// such slot, its activity is not public, or it takes no bookings).
func (s *Service) bookingContext(ctx context.Context, slotID int64) (Slot, Rules, bool, error) {
	held, ok, gen := s.held.get(slotID)
	if !ok {
		var err error
		if held, err = s.readSlot(ctx, slotID); err != nil {
			return held.sl, held.r, false, err
		}
		s.held.put(slotID, held, gen)
	}
	listed, online, err := s.Program.Takes(ctx, held.sl.ActivityID)
	if err == nil && !listed {
		err = errs.NotFoundf("slot %d", slotID)
	}
	return held.sl, held.r, online, err
}

// readSlot reads a slot and its activity's rules. Errors: NotFound (no
// such slot, or its activity takes no bookings).
func (s *Service) readSlot(ctx context.Context, slotID int64) (heldSlot, error) {
	var held heldSlot
	sl, r := &held.sl, &held.r
	var start, end, opens, closes, onlineAt db.Time
	var venueID sql.NullInt64
	h, err := s.prepared(ctx)
	if err != nil {
		return held, err
	}
	err = h.context.QueryRow(ctx, slotID).
		Scan(&sl.ID, &sl.ActivityID, &sl.CampaignID, &start, &end, &sl.Capacity, &sl.Taken,
			&opens, &closes, &r.MaxParty, &onlineAt, &venueID)
	if errors.Is(err, sql.ErrNoRows) {
		return held, errs.NotFoundf("slot %d", slotID)
	}
	if err != nil {
		return held, err
	}
	sl.Start, sl.End = start.In(clock.Zone), end.In(clock.Zone)
	r.ActivityID, r.CampaignID, r.Opens, r.Closes = sl.ActivityID, sl.CampaignID, opens.In(clock.Zone), closes.In(clock.Zone)
	if !onlineAt.IsZero() {
		r.OnlineAt = onlineAt.In(clock.Zone)
	}
	if venueID.Valid {
		r.Venue = &Venue{ID: venueID.Int64}
	}
	return held, nil
}

// take counts party places out of the slot, and out of its venue when it
// has one, and reports whether there were enough.
func (s *Service) take(ctx context.Context, tx *db.Tx, sl Slot, r Rules, party int) (bool, error) {
	h, err := s.prepared(ctx)
	if err != nil {
		return false, err
	}
	res, err := tx.ExecStmt(ctx, h.take, party, sl.ID, party)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if r.Venue == nil {
		return true, nil
	}
	res, err = tx.Exec(ctx, `UPDATE booking_venue_times SET taken = taken + ? WHERE venue_id = ? AND start_at = ?
		AND taken + ? <= (SELECT capacity FROM booking_venues WHERE id = ?)`, party, r.Venue.ID, db.At(sl.Start), party, r.Venue.ID)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// The venue is full: give the slot's places back.
		_, err := tx.Exec(ctx, `UPDATE booking_slots SET taken = taken - ? WHERE id = ?`, party, sl.ID)
		return false, err
	}
	return true, nil
}

// racyRead is the read of a read-then-write that oversells: it decides
// on a count read before the transaction and writes it back
// unconditionally. Only the test that proves the concurrency test catches
// a race switches it on.
type racyRead struct{ taken, capacity int }

func (s *Service) readTaken(ctx context.Context, slotID int64) (*racyRead, error) {
	var r racyRead
	err := s.DB.QueryRow(ctx, `SELECT taken, capacity FROM booking_slots WHERE id = ?`, slotID).Scan(&r.taken, &r.capacity)
	time.Sleep(2 * time.Millisecond)
	return &r, err
}

func (r *racyRead) take(ctx context.Context, tx *db.Tx, slotID int64, party int) (bool, error) {
	if r.taken+party > r.capacity {
		return false, nil
	}
	_, err := tx.Exec(ctx, `UPDATE booking_slots SET taken = ? WHERE id = ?`, r.taken+party, slotID)
	return err == nil, err
}

// give returns places to a slot and its venue.
func give(ctx context.Context, tx *db.Tx, b Booking, venueID int64) error {
	if _, err := tx.Exec(ctx, `UPDATE booking_slots SET taken = taken - ? WHERE id = ?`, b.Party, b.SlotID); err != nil {
		return err
	}
	if venueID == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE booking_venue_times SET taken = taken - ? WHERE venue_id = ? AND start_at = ?`, b.Party, venueID, db.At(b.Slot.Start))
	return err
}

func (s *Service) position(ctx context.Context, code string) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM bookings w JOIN bookings b ON b.slot_id = w.slot_id
		WHERE b.code = ? AND w.state = 'waiting' AND w.id <= b.id`, code).Scan(&n)
	return n, err
}

const bookingColumns = `b.id, b.code, b.slot_id, b.activity_id, b.campaign_id, b.state, b.party, b.children, b.name_enc, b.phone_masked, b.lang,
	b.created_at, b.promoted_at, b.cancelled_at, b.checked_in_at, b.online_at, ` + slotColumns

func (s *Service) scanBooking(sc interface{ Scan(...any) error }) (Booking, error) {
	var b Booking
	var state, nameEnc string
	var created, promoted, cancelled, checked, online, start, end db.Time
	sl := &b.Slot
	err := sc.Scan(&b.ID, &b.Code, &b.SlotID, &b.ActivityID, &b.CampaignID, &state, &b.Party, &b.Children, &nameEnc, &b.PhoneMasked, &b.Lang,
		&created, &promoted, &cancelled, &checked, &online,
		&sl.ID, &sl.ActivityID, &sl.CampaignID, &start, &end, &sl.Capacity, &sl.Taken, &sl.CheckedIn, &sl.Waiting,
		&sl.FromFiling, &sl.Flag, &sl.FlagDetail)
	if err != nil {
		return b, err
	}
	b.State = State(state)
	b.Name, _ = s.Keys.Open(nameEnc)
	local := func(t db.Time) time.Time {
		if t.IsZero() {
			return time.Time{}
		}
		return t.In(clock.Zone)
	}
	b.CreatedAt, b.PromotedAt, b.CancelledAt, b.CheckedInAt, b.OnlineAt = local(created), local(promoted), local(cancelled), local(checked), local(online)
	sl.Start, sl.End = local(start), local(end)
	return b, nil
}

func (s *Service) byCode(ctx context.Context, code string) (Booking, error) {
	b, err := s.scanBooking(s.DB.QueryRow(ctx, `SELECT `+bookingColumns+` FROM bookings b JOIN booking_slots s ON s.id = b.slot_id WHERE b.code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return b, errs.NotFoundf("booking %s", code)
	}
	if err != nil {
		return b, err
	}
	if b.State == StateWaiting {
		b.Position, err = s.position(ctx, b.Code)
	}
	return b, err
}

// errNoMatch is the one answer to a phone and code that do not go
// together, whichever of the two is wrong.
func errNoMatch() error { return errs.New(errs.NotFound, "booking.error.no_match") }

// Find returns the booking with the code made with the phone. Errors:
// NotFound (booking.error.no_match, the same whether the phone or the code
// is wrong).
func (s *Service) Find(ctx context.Context, phone, code string) (Booking, error) {
	p, ok := NormalizePhone(phone)
	code = NormalizeCode(code)
	if !ok || !validCode(code) {
		return Booking{}, errNoMatch()
	}
	var hash string
	err := s.DB.QueryRow(ctx, `SELECT phone_hash FROM bookings WHERE code = ?`, code).Scan(&hash)
	if err != nil || hash != s.Keys.PhoneHash(p) {
		return Booking{}, errNoMatch()
	}
	return s.byCode(ctx, code)
}

// ByTicket returns the booking a signed ticket names. Errors: NotFound
// (forged, or no such booking).
func (s *Service) ByTicket(ctx context.Context, ticket string) (Booking, error) {
	campaignID, code, ok := s.Keys.ReadTicket(ticket)
	if !ok {
		return Booking{}, errs.NotFoundf("forged ticket")
	}
	b, err := s.byCode(ctx, code)
	if err == nil && b.CampaignID != campaignID {
		return Booking{}, errs.NotFoundf("ticket of campaign %d names a booking of %d", campaignID, b.CampaignID)
	}
	return b, err
}

// Ticket is the signed QR payload of a booking.
func (s *Service) Ticket(b Booking) string { return s.Keys.Ticket(b.CampaignID, b.Code) }

// Cancel cancels the booking a ticket names. Its places are free at once:
// the first parties of the waiting list that fit take them. Errors:
// NotFound, Conflict (already cancelled or checked in).
func (s *Service) Cancel(ctx context.Context, ticket string) (Booking, error) {
	b, err := s.ByTicket(ctx, ticket)
	if err != nil {
		return b, err
	}
	r, _, err := s.Rules(ctx, b.ActivityID)
	if err != nil {
		return b, err
	}
	var venueID int64
	if r.Venue != nil {
		venueID = r.Venue.ID
	}
	now := s.now()
	var promoted []string
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE bookings SET state = 'cancelled', cancelled_at = ? WHERE id = ? AND state IN ('active', 'waiting')`, db.At(now), b.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "booking.error.not_cancellable")
		}
		if b.State != StateActive {
			return nil
		}
		if err := give(ctx, tx, b, venueID); err != nil {
			return err
		}
		promoted, err = s.promote(ctx, tx, b.Slot, r, now)
		return err
	})
	if err != nil {
		return b, err
	}
	b.State, b.CancelledAt = StateCancelled, now
	for _, code := range promoted {
		s.notify(ctx, code, "booking.sms.promoted")
	}
	return b, nil
}

// promote gives free places to the waiting list, first in line first; it
// stops at the first party that does not fit, so nobody is overtaken.
func (s *Service) promote(ctx context.Context, tx *db.Tx, sl Slot, r Rules, now time.Time) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT id, code, party FROM bookings WHERE slot_id = ? AND state = 'waiting' ORDER BY id LIMIT 50`, sl.ID)
	if err != nil {
		return nil, err
	}
	type waiting struct {
		id    int64
		code  string
		party int
	}
	var queue []waiting
	for rows.Next() {
		var w waiting
		if err := rows.Scan(&w.id, &w.code, &w.party); err != nil {
			rows.Close()
			return nil, err
		}
		queue = append(queue, w)
	}
	rows.Close()
	var promoted []string
	for _, w := range queue {
		took, err := s.take(ctx, tx, sl, r, w.party)
		if err != nil || !took {
			return promoted, err
		}
		if _, err := tx.Exec(ctx, `UPDATE bookings SET state = 'active', promoted_at = ? WHERE id = ?`, db.At(now), w.id); err != nil {
			return nil, err
		}
		promoted = append(promoted, w.code)
	}
	return promoted, nil
}

// Check reads the visitor's fields and collects every field's fault at
// once, so the form shows them all together: the cleaned name, the
// normalised phone, and the faults by field.
func (in Input) Check(maxParty int) (name, phone string, f errs.Fields) {
	f = errs.Fields{}
	name = cleanName(in.Name)
	switch {
	case name == "":
		f.Add("name", "booking.error.name")
	case len([]rune(name)) > MaxName:
		f.Add("name", "booking.error.too_long", MaxName)
	}
	phone, ok := NormalizePhone(in.Phone)
	if !ok {
		f.Add("phone", "hardening.booking.phone")
	}
	if in.Party < 1 || in.Party > maxParty {
		f.Add("party_size", "booking.error.party", maxParty)
	}
	if !in.Consent {
		f.Add("consent", "booking.error.consent")
	}
	if in.Children && !in.Guardian {
		f.Add("guardian", "booking.error.guardian")
	}
	return name, phone, f
}
