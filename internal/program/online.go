package program

import (
	"context"
	"strings"

	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// Switches returns the campaigns now held online, by campaign id.
func (s *Service) Switches(ctx context.Context) map[int64]Switch {
	s.mu.Lock()
	if s.loaded {
		m := s.switches
		s.mu.Unlock()
		return m
	}
	s.mu.Unlock()
	m := map[int64]Switch{}
	rows, err := s.DB.Query(ctx, `SELECT o.campaign_id, c.slug, c.title, o.reason, o.switched_at FROM program_online o JOIN campaigns c ON c.id = o.campaign_id
		WHERE c.state <> 'draft'`)
	if err != nil {
		s.Log.Error("program switches", "err", err)
		return m
	}
	defer rows.Close()
	for rows.Next() {
		var sw Switch
		var at db.Time
		if err := rows.Scan(&sw.CampaignID, &sw.CampaignSlug, &sw.Title, &sw.Reason, &at); err != nil {
			s.Log.Error("program switches", "err", err)
			return m
		}
		sw.At = at.In(clock.Zone)
		m[sw.CampaignID] = sw
	}
	s.mu.Lock()
	s.switches, s.loaded = m, true
	s.mu.Unlock()
	return m
}

// Switched returns the campaign's online switch, if it is on.
func (s *Service) Switched(ctx context.Context, c campaign.Campaign) (Switch, bool) {
	sw, ok := s.Switches(ctx)[c.ID]
	return sw, ok
}

// GoOnline moves the whole campaign online with a reason everyone sees.
// Errors: Forbidden (not its organiser), Invalid (no reason).
func (s *Service) GoOnline(ctx context.Context, c campaign.Campaign, reason string) error {
	if !s.Campaigns.CanEdit(ctx, c) {
		return errs.ForbiddenErr()
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 500 {
		key := "program.error.reason"
		return &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: key}, Fields: map[string]errs.Msg{"reason": {Key: key}}}
	}
	a := audit.ActorFrom(ctx)
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM program_online WHERE campaign_id = ?`, c.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO program_online (campaign_id, reason, switched_by, switched_at) VALUES (?, ?, ?, ?)`,
			c.ID, reason, nullID(a.ID), db.At(s.Clock.Now())); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "program.online", "campaign", c.Slug, map[string]any{"reason": reason})
	})
	if err == nil {
		s.Invalidate()
		if s.Bookings != nil {
			s.Bookings.CampaignMoved(ctx, c, true, reason)
		}
	}
	return err
}

// GoOnsite undoes the switch. Errors: Forbidden.
func (s *Service) GoOnsite(ctx context.Context, c campaign.Campaign) error {
	if !s.Campaigns.CanEdit(ctx, c) {
		return errs.ForbiddenErr()
	}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM program_online WHERE campaign_id = ?`, c.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.Audit.Record(ctx, tx, "program.onsite", "campaign", c.Slug, nil)
	})
	if err == nil {
		s.Invalidate()
		if s.Bookings != nil {
			s.Bookings.CampaignMoved(ctx, c, false, "")
		}
	}
	return err
}
