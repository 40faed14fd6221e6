package booking

import (
	"context"
	"strconv"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/i18n"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// Message is a text for one booker.
type Message struct {
	// Kind is the catalogue key of the text: booking.sms.online or
	// booking.sms.promoted.
	Kind  string
	Code  string
	Phone string
	Lang  string
	// Text is the SMS, already in the booker's language.
	Text string
}

// Notifier sends bookers their messages. It is called after the change is
// stored; an error is logged and does not undo the change.
type Notifier interface {
	Notify(ctx context.Context, m Message) error
}

// NoNotifier sends nothing: the default until SMS is set up.
type NoNotifier struct{}

// Notify does nothing.
func (NoNotifier) Notify(context.Context, Message) error { return nil }

// notify tells the booker of code about a change, in their language.
func (s *Service) notify(ctx context.Context, code, kind string) {
	if s.Notifier == nil {
		return
	}
	var phoneEnc, lang string
	var activityID int64
	var start db.Time
	err := s.DB.QueryRow(ctx, `SELECT b.phone_enc, b.lang, b.activity_id, s.start_at FROM bookings b JOIN booking_slots s ON s.id = b.slot_id WHERE b.code = ?`, code).
		Scan(&phoneEnc, &lang, &activityID, &start)
	if err != nil {
		s.Log.Error("booking notice", "code", code, "err", err)
		return
	}
	phone, err := s.Keys.Open(phoneEnc)
	if err != nil || phone == "" {
		return
	}
	title := ""
	if a, _, err := s.activity(ctx, activityID); err == nil {
		title = a.Title
	}
	text := i18n.For(lang).T(kind, title, start.In(clock.Zone).Format("01-02 15:04"), code)
	if err := s.Notifier.Notify(ctx, Message{Kind: kind, Code: code, Phone: phone, Lang: lang, Text: text}); err != nil {
		s.Log.Error("booking notice", "code", code, "kind", kind, "err", err)
	}
}

// markOnline marks the live bookings matched by where as moved online and
// tells their bookers.
func (s *Service) markOnline(ctx context.Context, where string, arg int64) error {
	now := db.At(s.now())
	var codes []string
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT code FROM bookings WHERE `+where+` AND state IN ('active', 'waiting') AND online_at IS NULL`, arg)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return err
			}
			codes = append(codes, c)
		}
		rows.Close()
		_, err = tx.Exec(ctx, `UPDATE bookings SET online_at = ? WHERE `+where+` AND state IN ('active', 'waiting') AND online_at IS NULL`, now, arg)
		return err
	})
	if err != nil {
		return err
	}
	for _, c := range codes {
		s.notify(ctx, c, "booking.sms.online")
	}
	return nil
}

// CampaignMoved follows the program's online switch: when the whole week
// goes online, its bookings are marked and their bookers told; new
// bookings stop while the switch is on.
func (s *Service) CampaignMoved(ctx context.Context, c campaign.Campaign, online bool, reason string) {
	if !online {
		return
	}
	if err := s.markOnline(ctx, "campaign_id = ?", c.ID); err != nil {
		s.Log.Error("mark bookings online", "campaign", c.Slug, "err", err)
	}
}

// SetOnline moves one activity online (or back on site): it takes no new
// bookings, and its bookings are marked and their bookers told. Errors:
// NotFound, Forbidden, Conflict (it takes no bookings).
func (s *Service) SetOnline(ctx context.Context, activityID int64, online bool) error {
	a, _, err := s.managed(ctx, activityID)
	if err != nil {
		return err
	}
	var at any
	if online {
		at = db.At(s.now())
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE booking_rules SET online_at = ? WHERE activity_id = ?`, at, a.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "booking.error.no_rules")
		}
		action := "booking.onsite"
		if online {
			action = "booking.online"
		}
		return s.Audit.Record(ctx, tx, action, "activity", strconv.FormatInt(a.ID, 10), nil)
	})
	if err != nil {
		return err
	}
	s.changed()
	if online {
		return s.markOnline(ctx, "activity_id = ?", a.ID)
	}
	return nil
}

// EraseExpired anonymises the bookings of every campaign that ended more
// than EraseAfter before now: names and phone numbers are wiped, the counts
// stay. Each erasure is recorded in booking_erasures and the audit log.
// It returns how many bookings it erased; running it again erases nothing
// more.
func (s *Service) EraseExpired(ctx context.Context, now time.Time) (int, error) {
	ctx = account.AsSystem(ctx)
	cs, err := s.Campaigns.List(ctx, campaign.Filter{})
	if err != nil {
		return 0, err
	}
	after := s.EraseAfter
	if after <= 0 {
		after = DefaultEraseAfter
	}
	total := 0
	for _, c := range cs {
		if !now.After(c.EndsAt().Add(after)) {
			continue
		}
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			res, err := tx.Exec(ctx, `UPDATE bookings SET name_enc = '', phone_enc = '', phone_hash = 'erased-' || code, phone_masked = '', client_key = '', client_label = '', erased_at = ?
				WHERE campaign_id = ? AND erased_at IS NULL`, db.At(now), c.ID)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			if n == 0 {
				return nil
			}
			total += int(n)
			if _, err := tx.Exec(ctx, `INSERT INTO booking_erasures (campaign_id, bookings, erased_at) VALUES (?, ?, ?)`, c.ID, n, db.At(now)); err != nil {
				return err
			}
			return s.Audit.Record(ctx, tx, "booking.erase", "campaign", c.Slug, map[string]any{"bookings": n})
		})
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
