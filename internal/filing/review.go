package filing

import (
	"context"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/review"
)

var filingExtensions = review.Extensions{Table: "filing_extensions"}

func (s *Service) engine() *review.Engine {
	return &review.Engine{DB: s.DB, Audit: s.Audit, Clock: s.Clock}
}

// kind is how the review engine stores filings; campaign c is told on
// changes.
func (s *Service) kind(c campaign.Campaign, table int, filingID int64) review.Kind {
	return review.Kind{Name: "filing", Table: "filings", Events: "filing_events", EventsColumn: "filing_id",
		Changed: func(ctx context.Context, tx *db.Tx, ch review.Change) error {
			action := map[review.Outcome]ChangeAction{review.OutcomeApproved: ChangeApproved, review.OutcomeForwarded: ChangeForwarded,
				review.OutcomeReturned: ChangeReturned}[ch.Outcome]
			return s.changed(ctx, tx, Change{Action: action, Campaign: c, OrgID: ch.Subject.Org.ID, Table: table, FilingID: filingID,
				Comment: ch.Comment, Items: ch.Items, ByOrg: ch.ByOrg})
		}}
}

func subject(f Filing, org account.Organisation, owner int64) review.Subject {
	return review.Subject{ID: f.ID, Org: org, State: f.State, Stage: f.StageOrgID, Version: f.Version, Revision: f.Revision, Owner: owner, Proxy: true}
}

// load returns a filing for an action on it, whoever asks (the rules
// decide), with its organisation and campaign. Errors: NotFound.
func (s *Service) load(ctx context.Context, id int64) (Filing, account.Organisation, campaign.Campaign, error) {
	f, err := findFiling(ctx, s.DB, "f.id = ?", id)
	if err != nil {
		return f, account.Organisation{}, campaign.Campaign{}, err
	}
	org, c, err := review.Place(ctx, s.Accounts, s.Campaigns, f.OrgID, f.CampaignSlug)
	return f, org, c, err
}

// Submit sends the draft for review as a new revision. It is refused after
// the deadline (unless extended), with problems left, with no items, when
// a returned filing comes back unchanged, and when another tab submitted it
// first (version). Errors: NotFound, Forbidden, DeadlinePassed, Invalid, Conflict.
func (s *Service) Submit(ctx context.Context, id int64, version int) (Filing, error) {
	f, org, c, err := s.load(ctx, id)
	if err != nil {
		return f, err
	}
	k, sub := s.kind(c, f.Table, f.ID), subject(f, org, c.OwnerOrgID)
	if _, err := s.engine().CheckAt(ctx, k, sub, version, review.Submit); err != nil {
		return f, err
	}
	if err := s.mayFile(ctx, c, org); err != nil {
		return f, err
	}
	deadline, err := s.Deadline(ctx, c, org.ID)
	if err != nil {
		return f, err
	}
	if s.Clock.Now().After(deadline) {
		return f, errs.New(errs.DeadlinePassed, "filing.error.deadline", web2date(deadline))
	}
	if len(f.Items) == 0 {
		return f, errs.New(errs.Invalid, "filing.error.no_items")
	}
	if n, err := s.Problems(ctx, c, &f); err != nil {
		return f, err
	} else if n > 0 {
		return f, errs.New(errs.Invalid, "filing.error.problems", n)
	}
	if err := checkScanRequired(c, f); err != nil {
		return f, err
	}
	snap := snapshot(f.Items)
	if f.State == StateReturned && f.Revision > 0 {
		var last string
		if err := s.DB.QueryRow(ctx, `SELECT items FROM filing_revisions WHERE filing_id = ? AND number = ?`, f.ID, f.Revision).Scan(&last); err == nil && sameItems(last, snap) {
			return f, errs.New(errs.Invalid, "filing.error.unchanged")
		}
	}
	var submitter any
	if p := account.FromContext(ctx); p != nil {
		submitter = p.ID
	}
	now := s.now()
	st := review.Step{Set: "revision = revision + 1, submitted_at = ?", Args: []any{now}}
	if len(review.Chain(org, c.OwnerOrgID)) == 0 {
		st.Set += ", approved_revision = revision + 1" // the organiser's own table needs no one above it
	}
	st.Then = func(tx *db.Tx, to review.State) error {
		_, err := tx.Exec(ctx, `INSERT INTO filing_revisions (filing_id, number, items, submitted_by, submitted_at) VALUES (?, ?, ?, ?, ?)`,
			f.ID, f.Revision+1, snap, submitter, now)
		return err
	}
	to, err := s.engine().Submit(ctx, k, sub, version, st)
	if err != nil {
		return f, err
	}
	if to == StateApproved {
		s.published(ctx, f.CampaignID, f.ID)
		s.rowsUpward(ctx, c)
	}
	return s.Get(ctx, f.ID)
}

// MayDecide answers whether the caller may decide on the filing now, with
// the refusal the rules give (it is audited). Errors: NotFound,
// Unauthenticated, Forbidden, Conflict.
func (s *Service) MayDecide(ctx context.Context, id int64) error {
	f, org, c, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	_, err = s.engine().Check(ctx, s.kind(c, f.Table, f.ID), subject(f, org, c.OwnerOrgID), review.Approve)
	return err
}

// Approve passes a filing at the caller's level, with an optional
// comment: up to the next level, or, at the organiser, approved. Errors:
// NotFound, Forbidden, Conflict (not under review; someone else decided
// first).
func (s *Service) Approve(ctx context.Context, id int64, version int, comment string) error {
	f, org, c, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	final, err := s.engine().Approve(ctx, s.kind(c, f.Table, f.ID), subject(f, org, c.OwnerOrgID), version, comment, f.StageOrgName,
		review.Step{Set: "approved_revision = revision"})
	if err == nil && final {
		s.published(ctx, c.ID, f.ID)
		s.rowsUpward(ctx, c)
	}
	return err
}

// Return sends a filing back to its filer with a comment, and optionally a
// comment on each item at fault. Errors: NotFound, Forbidden, Conflict,
// Invalid (no comment).
func (s *Service) Return(ctx context.Context, id int64, version int, comment string, itemComments map[string]string) error {
	f, org, c, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	for uid, text := range itemComments {
		found := strings.TrimSpace(text) == ""
		for _, it := range f.Items {
			found = found || it.UID == uid
		}
		if !found {
			return errs.NotFoundf("item %s", uid)
		}
	}
	return s.engine().Return(ctx, s.kind(c, f.Table, f.ID), subject(f, org, c.OwnerOrgID), version, comment, itemComments, f.StageOrgName, review.Step{})
}

// Reopen takes a submitted or approved filing back into a draft so the
// filer can change it; the change goes through review again as a new
// revision, and an approved revision stays public until then. Errors:
// NotFound, Forbidden, Conflict.
func (s *Service) Reopen(ctx context.Context, id int64, version int) error {
	f, org, c, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	err = s.engine().Reopen(ctx, s.kind(c, f.Table, f.ID), subject(f, org, c.OwnerOrgID), version, review.Step{})
	if err == nil {
		s.published(ctx, f.CampaignID, f.ID)
	}
	return err
}

// Events lists a filing's history, oldest first.
func (s *Service) Events(ctx context.Context, id int64) ([]Event, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	return s.engine().History(ctx, s.kind(campaign.Campaign{}, 0, id), id)
}

// Extend lets one organisation submit until the end of the day until,
// which must lie after the filing deadline and before the week. Errors:
// Forbidden, NotFound, Invalid (on the field "until").
func (s *Service) Extend(ctx context.Context, c campaign.Campaign, orgCode string, until time.Time) error {
	org, err := s.Accounts.Org(ctx, orgCode)
	if err != nil {
		return err
	}
	sub := review.Subject{Org: org, Owner: c.OwnerOrgID}
	g := review.Grant{CampaignID: c.ID, Until: until, After: c.FilingDeadline, Before: c.Start, Key: "filing.error.extension",
		Audit: org.Code, Detail: map[string]any{"campaign": c.Slug}}
	return s.engine().Extend(ctx, s.kind(c, 0, 0), filingExtensions, sub, g, func(tx *db.Tx, until time.Time) error {
		return s.changed(ctx, tx, Change{Action: ChangeExtended, Campaign: c, OrgID: org.ID, Until: until})
	})
}

// edit checks that the caller may change the organisation's filing f now,
// before the transaction that stores the change; revise, in it, takes an
// approved filing into a draft for a new revision.
func (s *Service) edit(ctx context.Context, c campaign.Campaign, org account.Organisation, f Filing) error {
	if err := s.fromAbove(ctx, c); err != nil {
		return err
	}
	if _, err := s.engine().Edit(ctx, s.kind(c, f.Table, f.ID), subject(f, org, c.OwnerOrgID)); err != nil {
		return err
	}
	return s.mayFile(ctx, c, org)
}

func (s *Service) revise(ctx context.Context, tx *db.Tx, c campaign.Campaign, org account.Organisation, f Filing) error {
	return s.engine().Revise(ctx, tx, s.kind(c, f.Table, f.ID), subject(f, org, c.OwnerOrgID))
}

// canWrite reports whether the caller may change the organisation's
// drafts: its own filers and coordinators, and those who manage it (a
// district entering a table a unit sent by e-mail).
func canWrite(ctx context.Context, org account.Organisation) bool {
	return review.Allowed(ctx, review.Subject{Org: org, State: review.Draft, Proxy: true}, review.Edit)
}
