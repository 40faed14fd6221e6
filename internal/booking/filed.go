package booking

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// Offer is one approved item that offers sessions to book (an open day of
// 附件2), as its unit filed it. The filing side builds offers; booking
// never reads the filings itself.
type Offer struct {
	// Ref names the item for good, across revisions.
	Ref string
	// ActivityID is the item's activity in the program; 0 when the program
	// could not list it.
	ActivityID int64
	UnitCode   string
	Title      string
	Sessions   []Session
	// Capacity is 每场接待上限, the places of every session.
	Capacity int
	// Problem is the filed time the parser could not read; such an offer
	// changes no slot.
	Problem string
}

// Session is a filed time window.
type Session struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// The flags a slot made from the filing carries when a later approved
// revision changed or dropped it while it had bookings.
const (
	FlagChanged = "changed"
	FlagDropped = "dropped"
)

// DefaultMaxParty is the party size limit of the rules made for a filed
// open day; its unit can change it.
const DefaultMaxParty = 5

// Publish brings the slots of one approved filing (source names it) in
// line with its offers. A session filed for the first time becomes a slot
// with the filed places, under rules made for it when the activity has
// none; a session a later revision changed or dropped is changed or
// removed while nobody has booked it, and flagged for its unit otherwise.
// What the unit set up or closed by hand since is left alone, as is every
// slot of an offer whose time could not be read. A campaign whose week is
// over gets no new slots.
func (s *Service) Publish(ctx context.Context, c campaign.Campaign, source string, offers []Offer) error {
	ctx = account.AsSystem(ctx)
	now := s.now()
	changed := 0
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		before, err := filedOf(ctx, tx, source)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, o := range offers {
			seen[o.Ref] = true
			old, had := before[o.Ref]
			if o.Problem != "" {
				// Keep the sessions last made bookable, so the slots they
				// made stay matched once the time reads again.
				if _, err := tx.Exec(ctx, `INSERT INTO booking_filed (ref, source, campaign_id, unit_code, activity_id, title, problem, updated_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ref) DO UPDATE SET problem = excluded.problem, removed = FALSE, title = excluded.title,
					activity_id = COALESCE(excluded.activity_id, booking_filed.activity_id), updated_at = excluded.updated_at`,
					o.Ref, source, c.ID, o.UnitCode, nullID(o.ActivityID), o.Title, o.Problem, db.At(now)); err != nil {
					return err
				}
				continue
			}
			if o.ActivityID == 0 || now.After(c.EndsAt()) {
				continue
			}
			n, err := s.applyOffer(ctx, tx, c, o, old.Sessions, old.Capacity, had && old.ActivityID == o.ActivityID)
			if err != nil {
				return err
			}
			changed += n
			sessions, _ := json.Marshal(o.Sessions)
			if _, err := tx.Exec(ctx, `INSERT INTO booking_filed (ref, source, campaign_id, unit_code, activity_id, title, sessions, capacity, problem, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?) ON CONFLICT (ref) DO UPDATE SET activity_id = excluded.activity_id, title = excluded.title,
				sessions = excluded.sessions, capacity = excluded.capacity, problem = '', removed = FALSE, updated_at = excluded.updated_at`,
				o.Ref, source, c.ID, o.UnitCode, o.ActivityID, o.Title, string(sessions), o.Capacity, db.At(now)); err != nil {
				return err
			}
		}
		// Items the approved revision no longer holds give up their slots.
		for ref, old := range before {
			if seen[ref] {
				continue
			}
			if old.ActivityID != 0 {
				n, err := s.applyOffer(ctx, tx, c, Offer{ActivityID: old.ActivityID}, old.Sessions, old.Capacity, true)
				if err != nil {
					return err
				}
				changed += n
			}
			// While people hold places at it, the unit is told the item
			// left the table; its slots stay.
			var held int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM bookings WHERE activity_id = ? AND state IN ('active', 'waiting')`, old.ActivityID).Scan(&held); err != nil {
				return err
			}
			q := `DELETE FROM booking_filed WHERE ref = ?`
			if held > 0 {
				q = `UPDATE booking_filed SET removed = TRUE, sessions = '[]', problem = '' WHERE ref = ?`
			}
			if _, err := tx.Exec(ctx, q, ref); err != nil {
				return err
			}
		}
		if changed == 0 {
			return nil
		}
		if err := syncVenues(ctx, tx, c.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "booking.filed", "filing", source, map[string]any{"offers": len(offers), "slots_changed": changed})
	})
	if err == nil && changed > 0 {
		s.changed()
	}
	return err
}

// applyOffer turns the difference between the sessions filed before and
// the offer's into slot changes; it returns how many slots it touched.
func (s *Service) applyOffer(ctx context.Context, tx *db.Tx, c campaign.Campaign, o Offer, was []Session, wasCap int, known bool) (int, error) {
	if !known {
		was, wasCap = nil, 0
	}
	now := s.now()
	if len(o.Sessions) > 0 {
		closes := c.EndsAt()
		if _, err := tx.Exec(ctx, `INSERT INTO booking_rules (activity_id, campaign_id, opens_at, closes_at, max_party, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (activity_id) DO NOTHING`,
			o.ActivityID, c.ID, db.At(now), db.At(closes), DefaultMaxParty, db.At(now)); err != nil {
			return 0, err
		}
	}
	before := map[int64]Session{}
	for _, ses := range was {
		before[ses.Start.Unix()] = ses
	}
	n := 0
	wanted := map[int64]bool{}
	for _, ses := range o.Sessions {
		wanted[ses.Start.Unix()] = true
		old, had := before[ses.Start.Unix()]
		switch {
		case !had:
			res, err := tx.Exec(ctx, `INSERT INTO booking_slots (activity_id, campaign_id, start_at, end_at, capacity, from_filing)
				VALUES (?, ?, ?, ?, ?, TRUE) ON CONFLICT (activity_id, start_at) DO NOTHING`,
				o.ActivityID, c.ID, db.At(ses.Start), db.At(ses.End), o.Capacity)
			if err != nil {
				return n, err
			}
			k, _ := res.RowsAffected()
			n += int(k)
		case !old.End.Equal(ses.End) || wasCap != o.Capacity:
			k, err := s.changeFiled(ctx, tx, o.ActivityID, ses.Start, func(booked bool) (string, []any) {
				if booked {
					return `flag = ?, flag_detail = ?`, []any{FlagChanged, detail(ses, o.Capacity)}
				}
				return `end_at = ?, capacity = ?, flag = '', flag_detail = ''`, []any{db.At(ses.End), o.Capacity}
			})
			if err != nil {
				return n, err
			}
			n += k
		}
	}
	for at, ses := range before {
		if wanted[at] {
			continue
		}
		k, err := s.changeFiled(ctx, tx, o.ActivityID, ses.Start, func(booked bool) (string, []any) {
			if booked {
				return `flag = ?, flag_detail = ''`, []any{FlagDropped}
			}
			return "", nil
		})
		if err != nil {
			return n, err
		}
		n += k
	}
	return n, nil
}

// changeFiled changes the slot made from the filing that starts at start:
// set says how, knowing whether anyone booked it; an empty set removes it.
func (s *Service) changeFiled(ctx context.Context, tx *db.Tx, activityID int64, start time.Time, set func(booked bool) (string, []any)) (int, error) {
	var id int64
	var booked bool
	err := tx.QueryRow(ctx, `SELECT s.id, EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s.id) FROM booking_slots s
		WHERE s.activity_id = ? AND s.start_at = ? AND s.from_filing`, activityID, db.At(start)).Scan(&id, &booked)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // closed by its unit, or set up by hand: theirs
	}
	if err != nil {
		return 0, err
	}
	assign, args := set(booked)
	if assign == "" {
		_, err = tx.Exec(ctx, `DELETE FROM booking_slots WHERE id = ? AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = booking_slots.id)`, id)
		return 1, err
	}
	_, err = tx.Exec(ctx, `UPDATE booking_slots SET `+assign+` WHERE id = ?`, append(args, id)...)
	return 1, err
}

// detail is how a flag tells the newly filed session: 12-20 09:00–11:00 · 30.
func detail(ses Session, capacity int) string {
	return ses.Start.In(clock.Zone).Format("01-02 15:04") + "–" + ses.End.In(clock.Zone).Format("15:04") + " · " + strconv.Itoa(capacity)
}

type filedRow struct {
	ActivityID int64
	Sessions   []Session
	Capacity   int
}

func filedOf(ctx context.Context, tx *db.Tx, source string) (map[string]filedRow, error) {
	rows, err := tx.Query(ctx, `SELECT ref, COALESCE(activity_id, 0), sessions, capacity FROM booking_filed WHERE source = ?`, source)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]filedRow{}
	for rows.Next() {
		var ref, sessions string
		var r filedRow
		if err := rows.Scan(&ref, &r.ActivityID, &sessions, &r.Capacity); err != nil {
			return nil, err
		}
		json.Unmarshal([]byte(sessions), &r.Sessions)
		out[ref] = r
	}
	return out, rows.Err()
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Filed is what the filing made bookable for one unit in a campaign.
type Filed struct {
	// Bookable counts the sessions made from the filing still ahead.
	Bookable int
	// Flagged lists the activities whose slots a later revision changed
	// or dropped while they had bookings, with how many.
	Flagged map[int64]int
	// Problems are the items whose filed time could not be read.
	Problems []FiledProblem
}

// FiledProblem is an item whose filed 开放时间 could not be read, or one
// an approved revision removed while people held places at it (Removed).
type FiledProblem struct {
	Title   string
	Text    string
	Removed bool
}

// FiledFor tells a unit what its approved filing made bookable in the
// campaign, for its dashboard and booking pages.
func (s *Service) FiledFor(ctx context.Context, campaignID int64, unitCode string) (Filed, error) {
	f := Filed{Flagged: map[int64]int{}}
	units, err := s.Program.UnitsOf(ctx, campaignID, false)
	if err != nil {
		return f, err
	}
	listed, err := s.Program.UnitsOf(ctx, campaignID, true)
	if err != nil {
		return f, err
	}
	// Per activity: its slots from the filing still to come, and those
	// flagged.
	rows, err := s.DB.Query(ctx, `SELECT activity_id, SUM(CASE WHEN from_filing AND start_at > ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN flag <> '' THEN 1 ELSE 0 END) FROM booking_slots WHERE campaign_id = ? GROUP BY activity_id`, db.At(s.now()), campaignID)
	if err != nil {
		return f, err
	}
	for rows.Next() {
		var id int64
		var coming, flagged int
		if err := rows.Scan(&id, &coming, &flagged); err != nil {
			rows.Close()
			return f, err
		}
		if units[id] != unitCode {
			continue
		}
		if listed[id] == unitCode {
			f.Bookable += coming
		}
		if flagged > 0 {
			f.Flagged[id] = flagged
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	rows, err = s.DB.Query(ctx, `SELECT title, problem, removed FROM booking_filed WHERE campaign_id = ? AND unit_code = ? AND (problem <> '' OR removed)
		ORDER BY ref`, campaignID, unitCode)
	if err != nil {
		return f, err
	}
	defer rows.Close()
	for rows.Next() {
		var p FiledProblem
		if err := rows.Scan(&p.Title, &p.Text, &p.Removed); err != nil {
			return f, err
		}
		f.Problems = append(f.Problems, p)
	}
	return f, rows.Err()
}
