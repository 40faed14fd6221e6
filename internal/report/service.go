package report

import (
	"context"
	"maps"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/media"
	"github.com/sciweek/sciweek/internal/platform/blob"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/review"
)

// Service runs summary reports and their review.
type Service struct {
	DB        *db.DB
	Accounts  *account.Service
	Campaigns *campaign.Service
	Filings   *filing.Service
	Audit     *audit.Log
	Blobs     blob.Store
	Clock     clock.Clock
	Tools     media.Tools
	// SpoolDir holds uploads while they are checked; on the same disk as
	// local storage, a checked file is moved into place, not copied.
	SpoolDir string
	// Notices, when set, tells the unit of each decision on its report.
	Notices review.Notifier
}

func (s *Service) now() db.Time { return db.At(s.Clock.Now()) }

// Limits are the campaign's media rules.
func Limits(c campaign.Campaign) media.Limits {
	l := media.DefaultLimits
	if c.VideoMaxSeconds > 0 {
		l.VideoMax = time.Duration(c.VideoMaxSeconds) * time.Second
	}
	if c.PhotoMinKB > 0 {
		l.PhotoMin = int64(c.PhotoMinKB) << 10
	}
	if c.PhotoMaxKB > 0 {
		l.PhotoMax = int64(c.PhotoMaxKB) << 10
	}
	return l
}

// canSee: the unit itself and the organisations above it; not check-in
// staff.
func canSee(ctx context.Context, org account.Organisation) bool { return review.CanRead(ctx, org) }

// canWrite: the unit's own filers and coordinators, and those who manage it.
func canWrite(ctx context.Context, org account.Organisation) bool {
	return review.Allowed(ctx, review.Subject{Org: org, State: review.Draft}, review.Edit)
}

// Get returns a report the caller may see, with its media. Another
// organisation's report is NotFound.
func (s *Service) Get(ctx context.Context, id int64) (Report, error) {
	r, err := findReport(ctx, s.DB, "r.id = ?", id)
	if err != nil {
		return r, err
	}
	org, err := s.Accounts.OrgByID(ctx, r.OrgID)
	if err != nil {
		return r, err
	}
	if !canSee(ctx, org) {
		return Report{}, errs.NotFoundf("report %d not visible", id)
	}
	return r, nil
}

// For returns the organisation's report, or an empty draft not yet stored.
// Errors: NotFound.
func (s *Service) For(ctx context.Context, c campaign.Campaign, orgCode string) (Report, error) {
	org, err := s.Accounts.Org(ctx, orgCode)
	if err != nil || !canSee(ctx, org) {
		return Report{}, errs.NotFoundf("organisation %s", orgCode)
	}
	r, err := findReport(ctx, s.DB, "r.campaign_id = ? AND r.org_id = ?", c.ID, org.ID)
	if errs.Is(err, errs.NotFound) {
		return Report{CampaignID: c.ID, CampaignSlug: c.Slug, OrgID: org.ID, OrgCode: org.Code, OrgName: org.Name, OrgPath: org.Path,
			State: StateDraft, Participants: map[string]int{}}, nil
	}
	return r, err
}

// List returns the reports of a campaign the caller may see.
func (s *Service) List(ctx context.Context, c campaign.Campaign) ([]Report, error) {
	p := account.FromContext(ctx)
	if p == nil && !account.IsSystem(ctx) {
		return nil, errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	if review.CheckinOnly(p) {
		return nil, errs.New(errs.Forbidden, "review.error.checkin_only")
	}
	where, args := "r.campaign_id = ?", []any{c.ID}
	if p != nil {
		where += " AND o.path LIKE ?"
		args = append(args, p.Org.Path+"%")
	}
	return listReports(ctx, s.DB, where, args...)
}

// Activity is one of the unit's approved projects, with its expected and
// reported participants.
type Activity struct {
	UID      string
	Title    string
	Expected string
	Actual   int
}

// Activities lists the unit's projects of the campaign as last approved.
func (s *Service) Activities(ctx context.Context, c campaign.Campaign, r Report) ([]Activity, error) {
	if s.Filings == nil {
		return nil, nil
	}
	items, err := s.Filings.ApprovedItems(account.AsSystem(ctx), c, 1, "")
	if err != nil {
		return nil, err
	}
	var out []Activity
	for _, it := range items {
		if it.OrgCode == r.OrgCode {
			out = append(out, Activity{UID: it.UID, Title: it.Values[filing.KeyTitle], Expected: it.Values[filing.KeyExpected], Actual: r.Participants[it.UID]})
		}
	}
	return out, nil
}

// Input is a report as the form sends it.
type Input struct {
	Sections     Sections
	Figures      map[string]string
	Participants map[string]string // item uid → count
	Coverage     []Coverage
}

// parseCount reads a count such as 300 or 300人.
func parseCount(s string) (int, bool) {
	s = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s), "人次个篇场"))
	s = strings.ReplaceAll(s, ",", "")
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && n < 1e9
}

func (in Input) check() (Sections, Figures, map[string]int, []Coverage, error) {
	f := errs.Fields{}
	var secs Sections
	for _, k := range SectionKeys {
		v := strings.TrimSpace(in.Sections.Get(k))
		if len(v) > 20000 {
			f.Add(k, "report.error.too_long")
		}
		secs.set(k, v)
	}
	var figs Figures
	for _, k := range FigureKeys {
		n, ok := parseCount(in.Figures[k])
		if !ok {
			f.Add(k, "report.error.count")
		}
		*figs.ptr(k) = n
	}
	parts := map[string]int{}
	for uid, v := range in.Participants {
		n, ok := parseCount(v)
		if !ok {
			f.Add("p_"+uid, "report.error.count")
		}
		if n > 0 {
			parts[uid] = n
		}
	}
	var cov []Coverage
	for i, c := range in.Coverage {
		c = Coverage{Outlet: strings.TrimSpace(c.Outlet), Title: strings.TrimSpace(c.Title), Date: strings.TrimSpace(c.Date), Link: strings.TrimSpace(c.Link)}
		if c == (Coverage{}) {
			continue
		}
		n := strconv.Itoa(i)
		if c.Outlet == "" {
			f.Add("coverage."+n+".outlet", "error.required")
		}
		if c.Title == "" {
			f.Add("coverage."+n+".title", "error.required")
		}
		if c.Date != "" {
			if _, err := time.Parse("2006-01-02", c.Date); err != nil {
				f.Add("coverage."+n+".date", "report.error.date")
			}
		}
		if c.Link != "" {
			if u, err := url.Parse(c.Link); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				f.Add("coverage."+n+".link", "report.error.link")
			}
		}
		cov = append(cov, c)
	}
	return secs, figs, parts, cov, f.Err()
}

// editable returns the organisation's report (an empty draft when none
// is stored) when the rules let the caller change it now. Errors:
// NotFound, Forbidden, Conflict (under review or approved, not open yet).
func (s *Service) editable(ctx context.Context, c campaign.Campaign, orgCode string) (Report, account.Organisation, error) {
	org, err := s.Accounts.Org(ctx, orgCode)
	if err != nil {
		return Report{}, org, errs.NotFoundf("organisation %s", orgCode)
	}
	cur, err := findReport(ctx, s.DB, "r.campaign_id = ? AND r.org_id = ?", c.ID, org.ID)
	if errs.Is(err, errs.NotFound) {
		cur, err = Report{CampaignID: c.ID, OrgID: org.ID, OrgCode: org.Code, OrgName: org.Name, OrgPath: org.Path, State: StateDraft}, nil
	}
	if err != nil {
		return cur, org, err
	}
	if _, err := s.engine().Edit(ctx, kind, subject(cur, org, c.OwnerOrgID)); err != nil {
		return cur, org, err
	}
	return cur, org, s.opened(ctx, c, org.ID)
}

// Save stores the draft. Errors: NotFound, Forbidden, Invalid, Conflict
// (under review or approved, or changed in another tab).
func (s *Service) Save(ctx context.Context, c campaign.Campaign, orgCode string, version int, in Input) (Report, error) {
	_, org, err := s.editable(ctx, c, orgCode)
	if err != nil {
		return Report{}, err
	}
	secs, figs, parts, cov, err := in.check()
	f := errs.Fields{}
	if e, ok := errs.As(err); ok && e.Code == errs.Invalid {
		maps.Copy(f, e.Fields)
	} else if err != nil {
		return Report{}, err
	}
	if err := s.checkParticipants(ctx, c, org, in.Participants, f); err != nil {
		return Report{}, err
	}
	if err := f.Err(); err != nil {
		return Report{}, err
	}
	return s.change(ctx, c, org, version, func(tx *db.Tx, r Report) error {
		_, err := tx.Exec(ctx, `UPDATE reports SET implementation = ?, content = ?, results = ?, cases = ?, activities_held = ?, people_on_site = ?,
			online_views = ?, media_reports = ?, participants = ?, coverage = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			secs.Implementation, secs.Content, secs.Results, secs.Cases, figs.ActivitiesHeld, figs.PeopleOnSite, figs.OnlineViews, figs.MediaReports,
			marshal(parts), marshal(cov), s.now(), r.ID)
		return err
	})
}

// checkParticipants accepts participant counts only for the unit's own
// approved projects, the ones the form lists: any other, another unit's
// project or a made-up one, is refused beside its field rather than added
// to the statistics.
func (s *Service) checkParticipants(ctx context.Context, c campaign.Campaign, org account.Organisation, in map[string]string, f errs.Fields) error {
	if len(in) == 0 {
		return nil
	}
	own, err := s.Activities(ctx, c, Report{OrgCode: org.Code})
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, a := range own {
		known[a.UID] = true
	}
	for uid, v := range in {
		if !known[uid] && strings.TrimSpace(v) != "" {
			f.Add("p_"+uid, "hardening.report.unknown_activity")
		}
	}
	return nil
}

// change runs fn on the organisation's report, stored, in one transaction
// with its revision at version (0: whatever the stored one is), and
// returns the report as changed. Errors: Conflict (changed in another tab,
// or the rules refuse it now).
func (s *Service) change(ctx context.Context, c campaign.Campaign, org account.Organisation, version int, fn func(tx *db.Tx, r Report) error) (Report, error) {
	var id int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		r, err := s.ensure(ctx, tx, c, org)
		if err != nil {
			return err
		}
		id = r.ID
		if version != 0 && version != r.Version {
			return review.Changed()
		}
		if err := s.engine().Revise(ctx, tx, kind, subject(r, org, c.OwnerOrgID)); err != nil {
			return err
		}
		return fn(tx, r)
	})
	if err != nil {
		return Report{}, err
	}
	return s.Get(ctx, id)
}

// ensure returns the stored report of the organisation, creating an empty
// draft when there is none.
func (s *Service) ensure(ctx context.Context, tx *db.Tx, c campaign.Campaign, org account.Organisation) (Report, error) {
	r, err := findReport(ctx, tx, "r.campaign_id = ? AND r.org_id = ?", c.ID, org.ID)
	if !errs.Is(err, errs.NotFound) {
		return r, err
	}
	now := s.now()
	if _, err := tx.Exec(ctx, `INSERT INTO reports (campaign_id, org_id, created_at, updated_at) VALUES (?, ?, ?, ?)`, c.ID, org.ID, now, now); err != nil {
		return r, err
	}
	return findReport(ctx, tx, "r.campaign_id = ? AND r.org_id = ?", c.ID, org.ID)
}

// open loads a report the caller may change now, with its campaign: the
// unit's own, editable, before its deadline. Errors: NotFound, Forbidden,
// Conflict, DeadlinePassed.
func (s *Service) open(ctx context.Context, id int64) (Report, campaign.Campaign, account.Organisation, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return r, campaign.Campaign{}, account.Organisation{}, err
	}
	org, err := s.Accounts.OrgByID(ctx, r.OrgID)
	if err != nil {
		return r, campaign.Campaign{}, org, err
	}
	if !canWrite(ctx, org) {
		return r, campaign.Campaign{}, org, errs.ForbiddenErr()
	}
	if !r.Editable() {
		return r, campaign.Campaign{}, org, errs.New(errs.Conflict, "report.error.not_editable")
	}
	c, err := s.Campaigns.Get(account.AsSystem(ctx), r.CampaignSlug)
	if err != nil {
		return r, c, org, err
	}
	if deadline := s.Deadline(ctx, c, org.ID); s.Clock.Now().After(deadline) {
		return r, c, org, errs.New(errs.DeadlinePassed, "report.error.deadline", deadline.In(clock.Zone).Format("2006-01-02 15:04"))
	}
	return r, c, org, s.opened(ctx, c, org.ID)
}

// MarkPaper records that the organiser received the stamped paper copy.
// Errors: NotFound, Forbidden, Invalid.
func (s *Service) MarkPaper(ctx context.Context, id int64, on time.Time, by string) error {
	r, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	c, err := s.Campaigns.Get(account.AsSystem(ctx), r.CampaignSlug)
	if err != nil {
		return err
	}
	if !s.Campaigns.CanEdit(ctx, c) {
		return errs.ForbiddenErr()
	}
	if by = strings.TrimSpace(by); by == "" {
		by = audit.ActorFrom(ctx).Name
	}
	if on.IsZero() || on.After(s.Clock.Now()) {
		return &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "report.error.paper_date"}, Fields: map[string]errs.Msg{"paper_on": {Key: "report.error.paper_date"}}}
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE reports SET paper_received_on = ?, paper_received_by = ?, updated_at = ? WHERE id = ?`,
			db.At(on), by, s.now(), r.ID); err != nil {
			return err
		}
		if err := s.engine().Event(ctx, tx, kind, r.ID, 0, "paper", "", by); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "report.paper", "report", r.ID, map[string]any{"on": on.Format("2006-01-02"), "by": by})
	})
}
