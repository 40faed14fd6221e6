package report

import (
	"context"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/review"
)

// extensions follow the filings' rule, in a table of their own.
var extensions = review.Extensions{Table: "report_extensions"}

func (s *Service) engine() *review.Engine {
	return &review.Engine{DB: s.DB, Audit: s.Audit, Clock: s.Clock}
}

// kind is how the review engine stores reports.
var kind = review.Kind{Name: "report", Table: "reports", Events: "report_events", EventsColumn: "report_id"}

// telling is kind with the unit told of each decision on its report.
func (s *Service) telling(c campaign.Campaign, org account.Organisation) review.Kind {
	return kind.Telling(s.Notices, c, "", URL(c.Slug, org.Code))
}

func subject(r Report, org account.Organisation, owner int64) review.Subject {
	return review.Subject{ID: r.ID, Org: org, State: r.State, Stage: r.StageOrgID, Version: r.Version, Owner: owner}
}

// Deadline is when the organisation's report is due: the campaign's
// summary deadline, or a later extension granted to it.
func (s *Service) Deadline(ctx context.Context, c campaign.Campaign, orgID int64) time.Time {
	return extensions.Until(ctx, s.DB, c.ID, orgID, c.SummaryDeadline)
}

// Extend lets one organisation submit its report until the end of the day
// until, which must lie after the campaign's summary deadline and within
// three months of it. Errors: Forbidden, NotFound, Invalid (on the field
// "until").
func (s *Service) Extend(ctx context.Context, c campaign.Campaign, orgCode string, until time.Time) error {
	org, err := s.Accounts.Org(ctx, orgCode)
	if err != nil {
		return err
	}
	g := review.Grant{CampaignID: c.ID, Until: until, After: c.SummaryDeadline, Before: c.SummaryDeadline.AddDate(0, 3, 0).Add(time.Second),
		Key: "report.error.extension", Audit: org.Code, Detail: map[string]any{"campaign": c.Slug}}
	return s.engine().Extend(ctx, kind, extensions, review.Subject{Org: org, Owner: c.OwnerOrgID}, g, nil)
}

// Submit sends the report for review. The four sections must be written.
// Errors: NotFound, Forbidden, Conflict, DeadlinePassed, Invalid.
func (s *Service) Submit(ctx context.Context, id int64, version int) (Report, error) {
	r, org, c, err := s.load(ctx, id)
	if err != nil {
		return r, err
	}
	sub := subject(r, org, c.OwnerOrgID)
	if _, err := s.engine().CheckAt(ctx, kind, sub, version, review.Submit); err != nil {
		return r, err
	}
	if deadline := s.Deadline(ctx, c, org.ID); s.Clock.Now().After(deadline) {
		return r, errs.New(errs.DeadlinePassed, "report.error.deadline", deadline.In(clock.Zone).Format("2006-01-02 15:04"))
	}
	f := errs.Fields{}
	for _, k := range SectionKeys {
		if r.Sections.Get(k) == "" && (k != "cases" || !s.hasPicks(ctx, r.ID)) {
			f.Add(k, "report.error.section_required")
		}
	}
	if len(f) > 0 {
		return r, &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "report.error.incomplete"}, Fields: map[string]errs.Msg(f)}
	}
	st := review.Step{Set: "submitted_at = ?", Args: []any{s.now()}}
	if len(review.Chain(org, c.OwnerOrgID)) == 0 {
		st.Set += ", live = 1" // the organiser's own needs no one above it
	}
	if _, err := s.engine().Submit(ctx, kind, sub, version, st); err != nil {
		return r, err
	}
	s.dropOffers(ctx, r.ID)
	return s.Get(ctx, r.ID)
}

// load returns a report for an action on it, whoever asks (the rules
// decide), with its organisation and campaign. Errors: NotFound.
func (s *Service) load(ctx context.Context, id int64) (Report, account.Organisation, campaign.Campaign, error) {
	r, err := findReport(ctx, s.DB, "r.id = ?", id)
	if err != nil {
		return r, account.Organisation{}, campaign.Campaign{}, err
	}
	org, c, err := review.Place(ctx, s.Accounts, s.Campaigns, r.OrgID, r.CampaignSlug)
	return r, org, c, err
}

// dropOffers removes re-encoded photos the unit did not take.
func (s *Service) dropOffers(ctx context.Context, reportID int64) {
	offers, err := loadMedia(ctx, s.DB, "report_id = ? AND offer = 1", reportID)
	if err != nil {
		return
	}
	for _, m := range offers {
		if _, err := s.DB.Exec(ctx, `DELETE FROM report_media WHERE id = ? AND offer = 1`, m.ID); err != nil {
			continue
		}
		s.Blobs.Delete(ctx, m.Key)
		if m.ThumbKey != "" {
			s.Blobs.Delete(ctx, m.ThumbKey)
		}
	}
}

// CanReview reports whether the caller decides on the report now.
func (s *Service) CanReview(ctx context.Context, r Report) bool {
	return s.allowed(ctx, r, review.Approve)
}

// allowed reports whether the rules let the caller take action on r now.
func (s *Service) allowed(ctx context.Context, r Report, action review.Action) bool {
	org, c, err := review.Place(ctx, s.Accounts, s.Campaigns, r.OrgID, r.CampaignSlug)
	return err == nil && review.Allowed(ctx, subject(r, org, c.OwnerOrgID), action)
}

// MayDecide answers whether the caller may decide on the report now, with
// the refusal the rules give (it is audited). Errors: NotFound,
// Unauthenticated, Forbidden, Conflict.
func (s *Service) MayDecide(ctx context.Context, id int64) error {
	r, org, c, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	_, err = s.engine().Check(ctx, kind, subject(r, org, c.OwnerOrgID), review.Approve)
	return err
}

// Approve passes the report at the caller's level, with an optional
// comment: up to the next level, or, at the organiser, approved. Errors:
// NotFound, Forbidden, Conflict (not under review; someone else decided
// first).
func (s *Service) Approve(ctx context.Context, id int64, version int, comment string) error {
	r, org, c, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if err := s.opened(ctx, c, org.ID); err != nil {
		return err
	}
	// Once approved, its media stay in the gallery while a changed version
	// is in review.
	_, err = s.engine().Approve(ctx, s.telling(c, org), subject(r, org, c.OwnerOrgID), version, comment, s.orgName(ctx, r.StageOrgID), review.Step{Set: "live = 1"})
	return err
}

// Return sends the report back to the unit with a comment. Errors:
// NotFound, Forbidden, Conflict, Invalid (no comment).
func (s *Service) Return(ctx context.Context, id int64, version int, comment string) error {
	r, org, c, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	return s.engine().Return(ctx, s.telling(c, org), subject(r, org, c.OwnerOrgID), version, comment, nil, s.orgName(ctx, r.StageOrgID), review.Step{})
}

// Reopen takes a submitted or approved report back into a draft so the
// unit can change it; it goes through review again. Errors: NotFound,
// Forbidden, Conflict.
func (s *Service) Reopen(ctx context.Context, id int64, version int) error {
	r, org, c, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	return s.engine().Reopen(ctx, kind, subject(r, org, c.OwnerOrgID), version, review.Step{})
}

func (s *Service) orgName(ctx context.Context, id int64) string {
	o, _ := s.Accounts.OrgByID(ctx, id)
	return o.Name
}

// Events lists a report's history, oldest first.
func (s *Service) Events(ctx context.Context, id int64) ([]Event, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	return s.engine().History(ctx, kind, id)
}
