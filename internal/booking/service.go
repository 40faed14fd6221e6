package booking

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/program"
)

// Service holds the rules of booking: who may set up slots, who may book,
// and that places never run out twice.
type Service struct {
	DB        *db.DB
	Accounts  *account.Service
	Campaigns *campaign.Service
	Program   *program.Service
	Audit     *audit.Log
	Clock     clock.Clock
	Keys      *Keys
	Log       *slog.Logger
	// Notifier tells bookers what happened to their booking; nil sends
	// nothing.
	Notifier Notifier
	// EraseAfter is how long after its campaign's last day the bookers'
	// personal data is kept.
	EraseAfter time.Duration
	// Guard bounds bookings per address and per phone; zero takes
	// DefaultGuard.
	Guard Guard

	// racy switches Book to an unsafe read-then-write, for the test that
	// shows the concurrency test would catch an oversell.
	racy bool
	// oneByOne stores each booking in a transaction of its own instead of
	// in batches, for the benchmark that compares the two.
	oneByOne bool
	// noLeases books every batch under its slot's row lock on
	// PostgreSQL, for the comparison with leases.
	noLeases bool
	// leaseIdle, when set, replaces leaseIdle, for tests that look at a
	// lease while it is held.
	leaseIdle time.Duration

	writerOnce sync.Once
	writerMu   sync.RWMutex
	w          *writer
	// lease is the places this server holds ahead of its bookings, on
	// PostgreSQL; only the writer's goroutine uses it.
	lease *leases

	held heldSlots

	hotOnce sync.Once
	hot     *hotStatements
	hotErr  error
}

// DefaultEraseAfter keeps bookers' data for 30 days after the week.
const DefaultEraseAfter = 30 * 24 * time.Hour

func (s *Service) now() time.Time { return s.Clock.Now() }

// activity returns a listed activity of a public campaign. Errors: NotFound.
func (s *Service) activity(ctx context.Context, id int64) (program.Activity, campaign.Campaign, error) {
	return s.Program.Get(ctx, id)
}

// CanManage reports whether the caller sets up the activity's booking: its
// unit's own accounts, or the campaign's organiser.
func (s *Service) CanManage(ctx context.Context, a program.Activity, c campaign.Campaign) bool {
	if s.Campaigns.CanEdit(ctx, c) {
		return true
	}
	p := account.FromContext(ctx)
	if p == nil || !(p.Has(account.RoleFiler) || p.Has(account.RoleAdmin)) {
		return false
	}
	return p.Org.Code == a.UnitCode
}

// CanCheckIn reports whether the caller admits visitors to the activity:
// check-in staff of its unit, or whoever manages it.
func (s *Service) CanCheckIn(ctx context.Context, a program.Activity, c campaign.Campaign) bool {
	if s.CanManage(ctx, a, c) {
		return true
	}
	p := account.FromContext(ctx)
	if p == nil || !p.Has(account.RoleCheckin) {
		return false
	}
	unit, err := s.Accounts.Org(account.AsSystem(ctx), a.UnitCode)
	return err == nil && p.Org.Contains(unit)
}

func denied(ctx context.Context) error {
	if account.FromContext(ctx) == nil {
		return errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	return errs.ForbiddenErr()
}

// managed returns the activity when the caller manages it. Errors:
// NotFound, Unauthenticated, Forbidden.
func (s *Service) managed(ctx context.Context, id int64) (program.Activity, campaign.Campaign, error) {
	a, c, err := s.activity(ctx, id)
	if err != nil {
		return a, c, err
	}
	if !s.CanManage(ctx, a, c) {
		return a, c, denied(ctx)
	}
	return a, c, nil
}

// Rules returns the activity's booking rules; ok is false when it takes no
// bookings.
func (s *Service) Rules(ctx context.Context, activityID int64) (r Rules, ok bool, err error) {
	var opens, closes, online db.Time
	var venueID sql.NullInt64
	var venueName sql.NullString
	var venueCap sql.NullInt64
	err = s.DB.QueryRow(ctx, `SELECT r.activity_id, r.campaign_id, r.opens_at, r.closes_at, r.max_party, r.online_at, v.id, v.name, v.capacity
		FROM booking_rules r LEFT JOIN booking_venues v ON v.id = r.venue_id WHERE r.activity_id = ?`, activityID).
		Scan(&r.ActivityID, &r.CampaignID, &opens, &closes, &r.MaxParty, &online, &venueID, &venueName, &venueCap)
	if errors.Is(err, sql.ErrNoRows) {
		return Rules{}, false, nil
	}
	if err != nil {
		return Rules{}, false, err
	}
	r.Opens, r.Closes, r.OnlineAt = opens.In(clock.Zone), closes.In(clock.Zone), online.In(clock.Zone)
	if online.IsZero() {
		r.OnlineAt = time.Time{}
	}
	if venueID.Valid {
		r.Venue = &Venue{ID: venueID.Int64, Name: venueName.String, Capacity: int(venueCap.Int64)}
	}
	return r, true, nil
}

// RulesInput is the rules form; times are YYYY-MM-DDTHH:MM in Beijing time.
type RulesInput struct {
	Opens         string `json:"opens"`
	Closes        string `json:"closes"`
	MaxParty      string `json:"max_party"`
	Venue         string `json:"venue"`
	VenueCapacity string `json:"venue_capacity"`
}

// InputOf fills the form from rules.
func InputOf(r Rules) RulesInput {
	in := RulesInput{Opens: r.Opens.Format(localLayout), Closes: r.Closes.Format(localLayout), MaxParty: strconv.Itoa(r.MaxParty)}
	if r.Venue != nil {
		in.Venue, in.VenueCapacity = r.Venue.Name, strconv.Itoa(r.Venue.Capacity)
	}
	return in
}

const localLayout = "2006-01-02T15:04"

func parseLocal(s string) (time.Time, bool) {
	s = strings.TrimSpace(strings.Replace(s, " ", "T", 1))
	t, err := time.ParseInLocation(localLayout, s, clock.Zone)
	return t, err == nil
}

func atoi(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil
}

// SetRules makes the activity bookable under the rules. Errors: NotFound,
// Forbidden, Invalid (with fields opens, closes, max_party, venue,
// venue_capacity).
func (s *Service) SetRules(ctx context.Context, activityID int64, in RulesInput) error {
	a, c, err := s.managed(ctx, activityID)
	if err != nil {
		return err
	}
	f := errs.Fields{}
	opens, ok := parseLocal(in.Opens)
	if !ok {
		f.Add("opens", "booking.error.datetime")
	}
	closes, ok2 := parseLocal(in.Closes)
	if !ok2 {
		f.Add("closes", "booking.error.datetime")
	} else if ok && !closes.After(opens) {
		f.Add("closes", "booking.error.closes_before")
	}
	if ok && ok2 {
		checkWindow(f, c, opens, closes)
	}
	party, ok := atoi(in.MaxParty)
	if !ok || party < 1 || party > 20 {
		f.Add("max_party", "booking.error.max_party", 20)
	}
	venue := cleanName(in.Venue)
	venueCap := 0
	if venue != "" {
		if len([]rune(venue)) > 100 {
			f.Add("venue", "booking.error.too_long", 100)
		}
		if venueCap, ok = atoi(in.VenueCapacity); !ok || venueCap < 1 || venueCap > 100000 {
			f.Add("venue_capacity", "booking.error.capacity", 100000)
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	now := db.At(s.now())
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var venueID any
		if venue != "" {
			// A venue is the activity's unit's own: another unit's venue of
			// the same name is another venue, whose capacity this never
			// touches.
			if _, err := tx.Exec(ctx, `INSERT INTO booking_venues (campaign_id, org_code, name, capacity) VALUES (?, ?, ?, ?)
				ON CONFLICT (campaign_id, org_code, name) DO UPDATE SET capacity = excluded.capacity`, c.ID, a.UnitCode, venue, venueCap); err != nil {
				return err
			}
			var id int64
			if err := tx.QueryRow(ctx, `SELECT id FROM booking_venues WHERE campaign_id = ? AND org_code = ? AND name = ?`, c.ID, a.UnitCode, venue).Scan(&id); err != nil {
				return err
			}
			venueID = id
		}
		if _, err := tx.Exec(ctx, `INSERT INTO booking_rules (activity_id, campaign_id, opens_at, closes_at, max_party, venue_id, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (activity_id) DO UPDATE SET opens_at = excluded.opens_at, closes_at = excluded.closes_at,
				max_party = excluded.max_party, venue_id = excluded.venue_id, updated_at = excluded.updated_at`,
			a.ID, c.ID, db.At(opens), db.At(closes), party, venueID, now); err != nil {
			return err
		}
		if err := syncVenues(ctx, tx, c.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "booking.rules", "activity", strconv.FormatInt(a.ID, 10),
			map[string]any{"opens": in.Opens, "closes": in.Closes, "max_party": party, "venue": venue, "venue_capacity": venueCap})
	})
	if err == nil {
		s.changed()
	}
	return err
}

// plausibleDays is the span a campaign's slots may fall on, to the day
// before to: the campaign's year, and at least a month either side of its
// week, so a typing slip (2000, 2030) is caught.
func plausibleDays(c campaign.Campaign) (from, to time.Time) {
	year := cmp.Or(c.Year, c.Start.Year())
	from = time.Date(year, 1, 1, 0, 0, 0, 0, clock.Zone)
	if s := c.Start.AddDate(0, 0, -31); s.Before(from) {
		from = s
	}
	to = time.Date(year+1, 1, 1, 0, 0, 0, 0, clock.Zone)
	if e := c.End.AddDate(0, 0, 32); e.After(to) {
		to = e
	}
	return from, to
}

// bookingLead is how long before the campaign's slots booking may open.
const bookingLead = 365 * 24 * time.Hour

// checkWindow keeps a booking window within the campaign: it closes no
// later than its last plausible slot (a booking is refused once its own
// slot has started in any case) and opens at most a year before the week.
func checkWindow(f errs.Fields, c campaign.Campaign, opens, closes time.Time) {
	_, to := plausibleDays(c)
	if closes.After(to) {
		f.Add("closes", "hardening.booking.closes_late", to.AddDate(0, 0, -1).Format("2006-01-02"))
	}
	if earliest := c.Start.Add(-bookingLead); opens.Before(earliest) || !opens.Before(to) {
		f.Add("opens", "hardening.booking.opens_outside", earliest.Format("2006-01-02"), to.AddDate(0, 0, -1).Format("2006-01-02"))
	}
}

// syncVenues gives every slot of an activity held at a venue its row of
// the venue's places, and recounts what each row has given out.
func syncVenues(ctx context.Context, tx *db.Tx, campaignID int64) error {
	if _, err := tx.Exec(ctx, `INSERT INTO booking_venue_times (venue_id, start_at, taken)
		SELECT DISTINCT r.venue_id, s.start_at, 0 FROM booking_slots s JOIN booking_rules r ON r.activity_id = s.activity_id
		WHERE r.campaign_id = ? AND r.venue_id IS NOT NULL
		ON CONFLICT (venue_id, start_at) DO NOTHING`, campaignID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE booking_venue_times SET taken = (SELECT COALESCE(SUM(s.taken), 0) FROM booking_slots s
		JOIN booking_rules r ON r.activity_id = s.activity_id
		WHERE r.venue_id = booking_venue_times.venue_id AND s.start_at = booking_venue_times.start_at)
		WHERE venue_id IN (SELECT id FROM booking_venues WHERE campaign_id = ?)`, campaignID)
	return err
}

// SlotsInput creates slots: on each of the days, from From to To, one
// every Every minutes (one slot From–To when Every is empty), each with
// Capacity places.
type SlotsInput struct {
	Days     []string `json:"days"`
	From     string   `json:"from"`
	To       string   `json:"to"`
	Every    string   `json:"every"`
	Capacity string   `json:"capacity"`
}

// AddSlots creates slots and returns how many are new; a slot that starts
// when one of the activity's slots already does is left as it was.
// Errors: NotFound, Forbidden, Conflict (no rules yet), Invalid (fields
// days, from, to, every, capacity).
func (s *Service) AddSlots(ctx context.Context, activityID int64, in SlotsInput) (int, error) {
	a, c, err := s.managed(ctx, activityID)
	if err != nil {
		return 0, err
	}
	if _, ok, err := s.Rules(ctx, a.ID); err != nil {
		return 0, err
	} else if !ok {
		return 0, errs.New(errs.Conflict, "booking.error.no_rules")
	}
	f := errs.Fields{}
	var days []time.Time
	for _, d := range in.Days {
		if strings.TrimSpace(d) == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(d), clock.Zone)
		if err != nil {
			f.Add("days", "booking.error.day")
			continue
		}
		if from, to := plausibleDays(c); t.Before(from) || !t.Before(to) {
			f.Add("days", "hardening.booking.day_outside", strings.TrimSpace(d), from.Format("2006-01-02"), to.AddDate(0, 0, -1).Format("2006-01-02"))
			continue
		}
		days = append(days, t)
	}
	if len(days) == 0 {
		f.Add("days", "booking.error.days")
	}
	clockOf := func(field, v string) time.Duration {
		t, err := time.Parse("15:04", strings.TrimSpace(v))
		if err != nil {
			f.Add(field, "booking.error.clock")
			return 0
		}
		return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	}
	from, to := clockOf("from", in.From), clockOf("to", in.To)
	if to <= from {
		f.Add("to", "booking.error.to_before")
	}
	every := to - from
	if strings.TrimSpace(in.Every) != "" {
		n, ok := atoi(in.Every)
		if !ok || n < 10 || n > 24*60 {
			f.Add("every", "booking.error.every")
		} else {
			every = time.Duration(n) * time.Minute
		}
	}
	capacity, ok := atoi(in.Capacity)
	if !ok || capacity < 1 || capacity > 100000 {
		f.Add("capacity", "booking.error.capacity", 100000)
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	if len(days)*int((to-from)/every) > 2000 {
		return 0, (errs.Fields{"every": {Key: "booking.error.too_many"}}).Err()
	}
	added := 0
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, d := range days {
			for start := from; start+every <= to; start += every {
				res, err := tx.Exec(ctx, `INSERT INTO booking_slots (activity_id, campaign_id, start_at, end_at, capacity) VALUES (?, ?, ?, ?, ?)
					ON CONFLICT (activity_id, start_at) DO NOTHING`, a.ID, c.ID, db.At(d.Add(start)), db.At(d.Add(start+every)), capacity)
				if err != nil {
					return err
				}
				n, _ := res.RowsAffected()
				added += int(n)
			}
		}
		if err := syncVenues(ctx, tx, c.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "booking.slots", "activity", strconv.FormatInt(a.ID, 10),
			map[string]any{"days": in.Days, "from": in.From, "to": in.To, "every": in.Every, "capacity": capacity, "added": added})
	})
	if err == nil {
		s.changed()
	}
	return added, err
}

// DeleteSlot removes a slot nobody has booked. Errors: NotFound, Forbidden,
// Conflict (it has bookings).
func (s *Service) DeleteSlot(ctx context.Context, slotID int64) error {
	sl, err := s.Slot(ctx, slotID)
	if err != nil {
		return err
	}
	if _, _, err := s.managed(ctx, sl.ActivityID); err != nil {
		return err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM booking_slots WHERE id = ? AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = booking_slots.id)`, slotID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "booking.error.slot_has_bookings")
		}
		return s.Audit.Record(ctx, tx, "booking.slot_delete", "activity", strconv.FormatInt(sl.ActivityID, 10), map[string]any{"slot": slotID, "start": sl.Start})
	})
	if err == nil {
		s.changed()
	}
	return err
}

const slotColumns = `s.id, s.activity_id, s.campaign_id, s.start_at, s.end_at, s.capacity, s.taken, s.checked_in,
	(SELECT COUNT(*) FROM bookings b WHERE b.slot_id = s.id AND b.state = 'waiting'), s.from_filing, s.flag, s.flag_detail`

func scanSlot(sc interface{ Scan(...any) error }) (Slot, error) {
	var sl Slot
	var start, end db.Time
	err := sc.Scan(&sl.ID, &sl.ActivityID, &sl.CampaignID, &start, &end, &sl.Capacity, &sl.Taken, &sl.CheckedIn, &sl.Waiting,
		&sl.FromFiling, &sl.Flag, &sl.FlagDetail)
	sl.Start, sl.End = start.In(clock.Zone), end.In(clock.Zone)
	return sl, err
}

// Slot returns one slot. Errors: NotFound.
func (s *Service) Slot(ctx context.Context, id int64) (Slot, error) {
	sl, err := scanSlot(s.DB.QueryRow(ctx, `SELECT `+slotColumns+` FROM booking_slots s WHERE s.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return sl, errs.NotFoundf("slot %d", id)
	}
	return sl, err
}

// Slots lists an activity's slots in time order.
func (s *Service) Slots(ctx context.Context, activityID int64) ([]Slot, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+slotColumns+` FROM booking_slots s WHERE s.activity_id = ? ORDER BY s.start_at`, activityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Slot
	for rows.Next() {
		sl, err := scanSlot(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sl)
	}
	return out, rows.Err()
}

// Bookable says which of the activities take bookings now: their window
// is open, they are held on site, and a slot is still ahead. It is the
// program's Availability.
func (s *Service) Bookable(ctx context.Context, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	switched := s.Program.Switches(ctx)
	now := db.At(s.now())
	args := []any{now, now, now}
	marks := make([]string, len(ids))
	for i, id := range ids {
		marks[i] = "?"
		args = append(args, id)
	}
	rows, err := s.DB.Query(ctx, `SELECT r.activity_id, r.campaign_id FROM booking_rules r
		WHERE r.online_at IS NULL AND r.opens_at <= ? AND r.closes_at > ?
		AND EXISTS (SELECT 1 FROM booking_slots s WHERE s.activity_id = r.activity_id AND s.start_at > ?)
		AND r.activity_id IN (`+strings.Join(marks, ",")+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, campaignID int64
		if err := rows.Scan(&id, &campaignID); err != nil {
			return nil, err
		}
		if _, online := switched[campaignID]; !online {
			out[id] = true
		}
	}
	return out, rows.Err()
}

// CountByState returns how many bookings there are in each state (active,
// waiting, checked_in, cancelled), for the metrics every server exports.
func (s *Service) CountByState(ctx context.Context) (map[string]int64, error) {
	return db.Pairs[string, int64](ctx, s.DB, `SELECT state, COUNT(*) FROM bookings GROUP BY state`)
}

// Places are the places of all slots together.
type Places struct{ Capacity, Taken, CheckedIn int64 }

// TotalPlaces sums the capacity, the places taken and those checked in over
// every slot.
func (s *Service) TotalPlaces(ctx context.Context) (Places, error) {
	var p Places
	err := s.DB.QueryRow(ctx, `SELECT COALESCE(SUM(capacity), 0), COALESCE(SUM(taken), 0), COALESCE(SUM(checked_in), 0) FROM booking_slots`).
		Scan(&p.Capacity, &p.Taken, &p.CheckedIn)
	return p, err
}
