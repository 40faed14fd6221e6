package notify

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// Deadline is a kind of campaign deadline that units are reminded of: the
// filing deadline, the summary-report deadline. The domain that owns it
// says who has not yet done what it asks.
type Deadline struct {
	// Kind names it in reminder rules and records, such as "filing"; its
	// label is the catalogue key notify.deadline.KIND.
	Kind string
	// Due is the campaign's deadline of this kind, before any extension.
	Due func(c campaign.Campaign) time.Time
	// Outstanding lists the organisations that still owe something for the
	// deadline, each with its own due time (an extension moves it) and
	// what it owes, in words the reminder can show.
	Outstanding func(ctx context.Context, c campaign.Campaign) ([]Outstanding, error)
}

// Outstanding is one organisation that has not yet submitted.
type Outstanding struct {
	OrgID int64
	Due   time.Time
	What  []string
}

// DefaultDays are the reminders before each deadline: a week, three days
// and the day before.
var DefaultDays = []int{7, 3, 1}

// OfficeHours bound, in Zone, the hours in which scheduled reminders go
// out: from 8:00 to 21:00.
var OfficeHours = [2]int{8, 21}

func (s *Service) hasDeadline(kind string) bool {
	return slices.ContainsFunc(s.Deadlines, func(d Deadline) bool { return d.Kind == kind })
}

// Rules returns the days before the deadline of the kind on which the
// campaign's units are reminded, largest first.
func (s *Service) Rules(ctx context.Context, c campaign.Campaign, kind string) ([]int, error) {
	var days string
	err := s.DB.QueryRow(ctx, `SELECT days FROM reminder_rules WHERE campaign_id = ? AND deadline = ?`, c.ID, kind).Scan(&days)
	if err != nil {
		return slices.Clone(DefaultDays), nil
	}
	out, _ := ParseDays(days)
	return out, nil
}

// ParseDays reads a list such as "7, 3, 1" (or "7，3，1"): whole days from
// 0 (the day itself) to 60, largest first, each once; empty means no
// reminders.
func ParseDays(s string) ([]int, bool) {
	var out []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '、' }) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 || n > 60 {
			return nil, false
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out, true
}

func formatDays(days []int) string {
	parts := make([]string, len(days))
	for i, d := range days {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, ", ")
}

// SetRules changes the reminder days of a kind of deadline for the
// campaign. Errors: Forbidden, NotFound (kind), Invalid.
func (s *Service) SetRules(ctx context.Context, c campaign.Campaign, kind, days string) error {
	if !s.Campaigns.CanEdit(ctx, c) {
		return errs.ForbiddenErr()
	}
	if !s.hasDeadline(kind) {
		return errs.NotFoundf("deadline %s", kind)
	}
	list, ok := ParseDays(days)
	if !ok {
		return &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "notify.error.days"}, Fields: map[string]errs.Msg{"days_" + kind: {Key: "notify.error.days"}}}
	}
	if current, err := s.Rules(ctx, c, kind); err == nil && formatDays(current) == formatDays(list) {
		return nil // unchanged: nothing to record
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM reminder_rules WHERE campaign_id = ? AND deadline = ?`, c.ID, kind); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO reminder_rules (campaign_id, deadline, days, updated_at) VALUES (?, ?, ?, ?)`, c.ID, kind, formatDays(list), s.now()); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "notify.rules", "campaign", c.Slug, map[string]any{"deadline": kind, "days": formatDays(list)})
	})
}

// SendDueReminders reminds every organisation that still owes something
// for a deadline of a published campaign, in office hours on the day a
// rule names: the
// nearest rule only, so a server that was down sends one reminder, not
// three. Each organisation gets each rule's reminder once, even when two
// processes run this at the same moment.
func (s *Service) SendDueReminders(ctx context.Context, now time.Time) error {
	if h := now.In(clock.Zone).Hour(); h < OfficeHours[0] || h >= OfficeHours[1] {
		return nil // a reminder is no reason to wake anyone
	}
	ctx = account.AsSystem(ctx)
	cs, err := s.Campaigns.List(ctx, campaign.Filter{})
	if err != nil {
		return err
	}
	// Units file with the nearest campaign above them: a campaign with a
	// published child reminds nobody of the units' deadlines.
	parents := map[int64]bool{}
	for _, c := range cs {
		if c.State == campaign.StatePublished && c.ParentID != 0 {
			parents[c.ParentID] = true
		}
	}
	for _, c := range cs {
		if c.State != campaign.StatePublished || parents[c.ID] {
			continue
		}
		for _, d := range s.Deadlines {
			if err := s.remindDeadline(ctx, c, d, now); err != nil {
				return fmt.Errorf("reminders for %s %s: %w", c.Slug, d.Kind, err)
			}
		}
	}
	return nil
}

func (s *Service) remindDeadline(ctx context.Context, c campaign.Campaign, d Deadline, now time.Time) error {
	days, err := s.Rules(ctx, c, d.Kind)
	if err != nil || len(days) == 0 {
		return err
	}
	outs, err := d.Outstanding(ctx, c)
	if err != nil {
		return err
	}
	for _, o := range outs {
		left := campaign.DaysUntil(now, o.Due)
		if left < 0 || now.After(o.Due) {
			continue
		}
		rule := -1
		for _, r := range days { // largest first: keep the smallest that has come
			if left <= r {
				rule = r
			}
		}
		if rule < 0 {
			continue
		}
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			res, err := tx.Exec(ctx, `INSERT INTO reminders_sent (campaign_id, deadline, org_id, days_before, sent_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT DO NOTHING`, c.ID, d.Kind, o.OrgID, rule, db.At(now))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // another process, or an earlier run, sent it
			}
			return s.ToOrg(ctx, tx, o.OrgID, Notice{Topic: TopicDeadline,
				Args: []string{c.Title, strings.Join(o.What, "、"), o.Due.In(clock.Zone).Format("2006-01-02"), strconv.Itoa(left)},
				Link: "/dashboard"})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// SentReminder is one reminder the schedule sent.
type SentReminder struct {
	Deadline   string
	OrgName    string
	DaysBefore int
	SentAt     time.Time
}

// SentReminders lists the scheduled reminders sent for a campaign, newest
// first. Errors: Forbidden.
func (s *Service) SentReminders(ctx context.Context, c campaign.Campaign) ([]SentReminder, error) {
	if !s.Campaigns.CanEdit(ctx, c) {
		return nil, errs.ForbiddenErr()
	}
	rows, err := s.DB.Query(ctx, `SELECT r.deadline, o.name, r.days_before, r.sent_at FROM reminders_sent r JOIN organisations o ON o.id = r.org_id
		WHERE r.campaign_id = ? ORDER BY r.sent_at DESC, o.name LIMIT 500`, c.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SentReminder
	for rows.Next() {
		var r SentReminder
		var at db.Time
		if err := rows.Scan(&r.Deadline, &r.OrgName, &r.DaysBefore, &at); err != nil {
			return nil, err
		}
		r.SentAt = at.In(clock.Zone)
		out = append(out, r)
	}
	return out, rows.Err()
}
