package filing

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/review"
)

// Submission is a level's consolidated tables as its organiser sends them
// to the campaign above: the approved rows of its own units and of the
// levels below it, reviewed by the level above as a unit's filing is.
type Submission struct {
	ID int64
	// CampaignID is the campaign above, FromCampaignID the level's own.
	CampaignID, FromCampaignID int64
	OrgID                      int64
	State                      State
	StageOrgID                 int64
	StageOrgName               string
	Revision, ApprovedRevision int
	Version                    int
	SubmittedAt                time.Time
}

// UpwardRow is one row of a level's consolidated tables.
type UpwardRow struct {
	UID   string `json:"uid"`
	Table int    `json:"table"`
	// Region is the organisation one level below the submitting one that
	// the row comes from (a district, a city), Unit the one that filed it.
	Region string `json:"region"`
	Unit   string `json:"unit"`
	// Campaign and OrgCode name the filing the row comes from, so a
	// comment on it can be taken to the unit.
	Campaign string `json:"campaign"`
	OrgCode  string `json:"org"`
	Values   Values `json:"values"`
}

// UpwardCheck is what a level is warned of before it submits: its own
// units' deadline still to come (zero when passed), and the units and
// levels below whose tables are not yet approved.
type UpwardCheck struct {
	OwnDeadline time.Time
	Pending     []Pending
}

// Pending is an organisation below whose table is not approved yet.
type Pending struct {
	Org   string
	Table int // 0 for a level's submission
	State Status
}

// Warned reports whether the level should confirm before it submits.
func (u UpwardCheck) Warned() bool { return !u.OwnDeadline.IsZero() || len(u.Pending) > 0 }

// ErrConfirm is the answer to a submission that has warnings and was not
// confirmed: nothing is submitted, the warnings are shown with a confirm
// button.
var ErrConfirm = errs.New(errs.Conflict, "upward.confirm.needed")

var submissionKind = review.Kind{Name: "submission", Table: "submissions", Events: "submission_events", EventsColumn: "submission_id"}

const submissionColumns = `s.id, s.campaign_id, s.from_campaign_id, s.org_id, s.state, COALESCE(s.stage_org_id, 0), COALESCE(so.name, ''),
	s.revision, s.approved_revision, s.version, s.submitted_at FROM submissions s LEFT JOIN organisations so ON so.id = s.stage_org_id `

func scanSubmission(row interface{ Scan(...any) error }) (Submission, error) {
	var sb Submission
	var at db.Time
	err := row.Scan(&sb.ID, &sb.CampaignID, &sb.FromCampaignID, &sb.OrgID, &sb.State, &sb.StageOrgID, &sb.StageOrgName,
		&sb.Revision, &sb.ApprovedRevision, &sb.Version, &at)
	sb.SubmittedAt = at.Time
	return sb, err
}

// submissionOf returns the submission of campaign c, or an unsaved draft.
func submissionOf(ctx context.Context, q db.Querier, c campaign.Campaign) (Submission, error) {
	sb, err := scanSubmission(q.QueryRow(ctx, `SELECT `+submissionColumns+`WHERE s.from_campaign_id = ?`, c.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return Submission{CampaignID: c.ParentID, FromCampaignID: c.ID, OrgID: c.OwnerOrgID, State: StateDraft}, nil
	}
	return sb, err
}

func (sb Submission) subject(org account.Organisation, parent campaign.Campaign) review.Subject {
	return review.Subject{ID: sb.ID, Org: org, State: sb.State, Stage: sb.StageOrgID, Version: sb.Version, Revision: sb.Revision, Owner: parent.OwnerOrgID}
}

// Upward is where campaign c stands with the campaign above it: its
// submission, the parent and c's organiser. Errors: NotFound (c is at the
// top, or the caller may not read c's tables).
func (s *Service) Upward(ctx context.Context, c campaign.Campaign) (Submission, campaign.Campaign, account.Organisation, error) {
	if c.ParentID == 0 {
		return Submission{}, campaign.Campaign{}, account.Organisation{}, errs.NotFoundf("campaign above %s", c.Slug)
	}
	org, err := s.Accounts.OrgByID(ctx, c.OwnerOrgID)
	if err != nil {
		return Submission{}, campaign.Campaign{}, org, err
	}
	if !review.CanRead(ctx, org) {
		return Submission{}, campaign.Campaign{}, org, errs.NotFoundf("campaign above %s", c.Slug)
	}
	parent, err := s.parentOf(ctx, c)
	if err != nil {
		return Submission{}, parent, org, err
	}
	sb, err := submissionOf(ctx, s.DB, c)
	return sb, parent, org, err
}

func (s *Service) parentOf(ctx context.Context, c campaign.Campaign) (campaign.Campaign, error) {
	as, err := s.Campaigns.Ancestors(account.AsSystem(ctx), c)
	if err != nil || len(as) == 0 {
		return campaign.Campaign{}, errors.Join(err, errs.NotFoundf("campaign above %s", c.Slug))
	}
	return as[len(as)-1], nil
}

// UpwardRows gathers what campaign c sends up now: the approved items of
// its own units' filings, then the rows of the levels below it as the
// last approved submission of each holds them.
func (s *Service) UpwardRows(ctx context.Context, c campaign.Campaign) ([]UpwardRow, error) {
	sys := account.AsSystem(ctx)
	var out []UpwardRow
	for t := 1; t <= 2; t++ {
		items, err := s.ApprovedItems(sys, c, t, "")
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			out = append(out, UpwardRow{UID: it.UID, Table: t, Region: it.District, Unit: it.Unit, Campaign: c.Slug, OrgCode: it.OrgCode, Values: it.Values})
		}
	}
	below, err := s.belowRows(sys, c)
	if err != nil {
		return nil, err
	}
	return append(out, below...), nil
}

// belowRows is the rows of the approved submissions to c, each with the
// submitting organisation as its region.
func (s *Service) belowRows(ctx context.Context, c campaign.Campaign) ([]UpwardRow, error) {
	rows, err := s.DB.Query(ctx, `SELECT o.name, r.items FROM submissions s JOIN organisations o ON o.id = s.org_id
		JOIN submission_revisions r ON r.submission_id = s.id AND r.number = s.approved_revision
		WHERE s.campaign_id = ? AND s.approved_revision > 0 ORDER BY o.path`, c.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []UpwardRow
	for rows.Next() {
		var region, items string
		if err := rows.Scan(&region, &items); err != nil {
			return nil, err
		}
		var rs []UpwardRow
		if err := json.Unmarshal([]byte(items), &rs); err != nil {
			return nil, err
		}
		for _, r := range rs {
			r.Region = region
			out = append(out, r)
		}
	}
	return out, rows.Err()
}

// SubmittedRows is the rows of a submission's latest revision.
func (s *Service) SubmittedRows(ctx context.Context, sb Submission) ([]UpwardRow, error) {
	if sb.Revision == 0 {
		return nil, nil
	}
	var items string
	if err := s.DB.QueryRow(ctx, `SELECT items FROM submission_revisions WHERE submission_id = ? AND number = ?`, sb.ID, sb.Revision).Scan(&items); err != nil {
		return nil, err
	}
	var out []UpwardRow
	return out, json.Unmarshal([]byte(items), &out)
}

// CheckUpward lists what c's organiser is warned of before submitting:
// its own deadline not yet passed, and every unit and level below whose
// table is not approved.
func (s *Service) CheckUpward(ctx context.Context, c campaign.Campaign) (UpwardCheck, error) {
	var u UpwardCheck
	if s.Clock.Now().Before(c.FilingDeadline) {
		u.OwnDeadline = c.FilingDeadline
	}
	rows, err := s.Board(account.AsSystem(ctx), c)
	if err != nil {
		return u, err
	}
	for _, row := range rows {
		for t := 1; t <= 2; t++ {
			cell := row.Cells[t]
			if cell.Status == StatusApproved || (cell.Status == StatusNotStarted && row.Upward == "") {
				continue // a unit with nothing to file owes nothing
			}
			p := Pending{Org: row.Org.Name, Table: t, State: cell.Status}
			if row.Upward != "" {
				p.Table = 0
				t = 2 // a level's submission holds both tables
			}
			u.Pending = append(u.Pending, p)
		}
	}
	return u, nil
}

// SubmitUpward sends campaign c's consolidated tables to the campaign
// above as a new revision. Unless confirm is set, a level warned of
// something (see CheckUpward) gets ErrConfirm and nothing is submitted.
// It is refused with nothing to send, after the parent's deadline for c
// (unless extended), when the parent is archived and when another tab
// submitted first. Errors: NotFound, Forbidden, Conflict (ErrConfirm),
// DeadlinePassed, Invalid.
func (s *Service) SubmitUpward(ctx context.Context, c campaign.Campaign, version int, confirm bool) (UpwardCheck, error) {
	sb, parent, org, err := s.Upward(ctx, c)
	if err != nil {
		return UpwardCheck{}, err
	}
	if sb.ID == 0 {
		version = sb.Version
	}
	e := s.engine()
	if _, err := e.CheckAt(ctx, submissionKind, sb.subject(org, parent), version, review.Submit); err != nil {
		return UpwardCheck{}, err
	}
	if !consolidates(ctx) {
		return UpwardCheck{}, errs.ForbiddenErr()
	}
	if parent.State == campaign.StateArchived {
		return UpwardCheck{}, errs.New(errs.Conflict, "upward.error.parent_archived", parent.Title)
	}
	deadline, err := s.Deadline(ctx, parent, org.ID)
	if err != nil {
		return UpwardCheck{}, err
	}
	if s.Clock.Now().After(deadline) {
		return UpwardCheck{}, errs.New(errs.DeadlinePassed, "filing.error.deadline", web2date(deadline))
	}
	rows, err := s.UpwardRows(ctx, c)
	if err != nil {
		return UpwardCheck{}, err
	}
	if len(rows) == 0 {
		return UpwardCheck{}, errs.New(errs.Invalid, "upward.error.no_rows")
	}
	check, err := s.CheckUpward(ctx, c)
	if err != nil {
		return check, err
	}
	if check.Warned() && !confirm {
		return check, ErrConfirm
	}
	now := s.now()
	if sb.ID == 0 {
		if _, err := s.DB.Exec(ctx, `INSERT INTO submissions (campaign_id, from_campaign_id, org_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (from_campaign_id) DO NOTHING`, parent.ID, c.ID, org.ID, now, now); err != nil {
			return check, err
		}
		if sb, err = submissionOf(ctx, s.DB, c); err != nil {
			return check, err
		}
		version = sb.Version
	}
	var by any
	if p := account.FromContext(ctx); p != nil {
		by = p.ID
	}
	snap := marshal(rows)
	var counts [3]int
	for _, r := range rows {
		counts[r.Table]++
	}
	st := review.Step{Set: "revision = revision + 1, submitted_at = ?", Args: []any{now}, Then: func(tx *db.Tx, _ review.State) error {
		_, err := tx.Exec(ctx, `INSERT INTO submission_revisions (submission_id, number, items, table1_rows, table2_rows, submitted_by, submitted_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, sb.ID, sb.Revision+1, snap, counts[1], counts[2], by, now)
		return err
	}}
	_, err = e.Submit(ctx, submissionKind, sb.subject(org, parent), version, st)
	return check, err
}

// MayDecideUpward answers whether the caller may decide on c's submission
// now, with the refusal the rules give. Errors: NotFound, Forbidden,
// Conflict.
func (s *Service) MayDecideUpward(ctx context.Context, c campaign.Campaign) error {
	sb, parent, org, err := s.Upward(ctx, c)
	if err != nil {
		return err
	}
	_, err = s.engine().Check(ctx, submissionKind, sb.subject(org, parent), review.Approve)
	return err
}

// DecideUpward approves c's submission at the caller's level, or returns
// it with a comment and optionally one on each row at fault (by uid).
// Errors: NotFound, Forbidden, Conflict, Invalid (no comment).
func (s *Service) DecideUpward(ctx context.Context, c campaign.Campaign, d review.Decision, rowComments map[string]string) error {
	sb, parent, org, err := s.Upward(ctx, c)
	if err != nil {
		return err
	}
	sub, e := sb.subject(org, parent), s.engine()
	k := submissionKind.Telling(s.LevelNotices, parent, c.Title, "/campaigns/"+c.Slug+"/upward")
	if d.Action == review.Approve {
		final, err := e.Approve(ctx, k, sub, d.Version, d.Comment, sb.StageOrgName, review.Step{Set: "approved_revision = revision"})
		if err == nil && final {
			s.rowsUpward(ctx, parent)
		}
		return err
	}
	rows, err := s.SubmittedRows(ctx, sb)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, r := range rows {
		known[r.UID] = true
	}
	for uid, text := range rowComments {
		if strings.TrimSpace(text) != "" && !known[uid] {
			return errs.NotFoundf("row %s", uid)
		}
	}
	return e.Return(ctx, k, sub, d.Version, d.Comment, rowComments, sb.StageOrgName, review.Step{})
}

// UpwardEvents lists a submission's history, oldest first.
func (s *Service) UpwardEvents(ctx context.Context, sb Submission) ([]Event, error) {
	if sb.ID == 0 {
		return nil, nil
	}
	return s.engine().History(ctx, submissionKind, sb.ID)
}

// childLevels are the published or archived campaigns directly below c,
// each with its organiser and its submission.
type childLevel struct {
	Campaign   campaign.Campaign
	Org        account.Organisation
	Submission Submission
	Rows       [3]int // rows of its latest revision, by table
}

func (s *Service) childLevels(ctx context.Context, c campaign.Campaign) ([]childLevel, error) {
	kids, err := s.Campaigns.Children(account.AsSystem(ctx), c)
	if err != nil {
		return nil, err
	}
	var out []childLevel
	for _, k := range kids {
		if k.State == campaign.StateDraft {
			continue
		}
		org, err := s.Accounts.OrgByID(ctx, k.OwnerOrgID)
		if err != nil {
			return nil, err
		}
		sb, err := submissionOf(ctx, s.DB, k)
		if err != nil {
			return nil, err
		}
		cl := childLevel{Campaign: k, Org: org, Submission: sb}
		if sb.Revision > 0 {
			// Counted when the revision was written (migration 0024).
			if err := s.DB.QueryRow(ctx, `SELECT table1_rows, table2_rows FROM submission_revisions WHERE submission_id = ? AND number = ?`,
				sb.ID, sb.Revision).Scan(&cl.Rows[1], &cl.Rows[2]); err != nil {
				return nil, err
			}
		}
		out = append(out, cl)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Org.Path < out[j].Org.Path })
	return out, nil
}

// nearestBelow is the campaign below c that org files with instead of c:
// the deepest published or archived one whose organiser contains org.
func (s *Service) nearestBelow(ctx context.Context, c campaign.Campaign, org account.Organisation) (campaign.Campaign, bool) {
	var found campaign.Campaign
	for depth := 0; depth < 8; depth++ {
		kids, err := s.Campaigns.Children(account.AsSystem(ctx), c)
		if err != nil {
			break
		}
		next := false
		for _, k := range kids {
			if k.State == campaign.StateDraft {
				continue
			}
			owner, err := s.Accounts.OrgByID(ctx, k.OwnerOrgID)
			if err == nil && owner.Contains(org) {
				found, c, next = k, k, true
				break
			}
		}
		if !next {
			break
		}
	}
	return found, found.ID != 0
}

// fromAbove refuses a change by a level above c's organiser: it returns
// the table with a comment instead, and the unit changes it. Errors:
// Forbidden.
func (s *Service) fromAbove(ctx context.Context, c campaign.Campaign) error {
	if p := account.FromContext(ctx); p != nil && p.Org.ID != c.OwnerOrgID {
		if owner, err := s.Accounts.OrgByID(ctx, c.OwnerOrgID); err == nil && p.Org.Contains(owner) {
			return errs.New(errs.Forbidden, "upward.error.edit_below")
		}
	}
	return nil
}

// mayFile refuses what org files in c when it belongs below a campaign of
// a lower level: it files there, and its level submits upward. Errors:
// Forbidden, naming the campaign to file with.
func (s *Service) mayFile(ctx context.Context, c campaign.Campaign, org account.Organisation) error {
	if near, ok := s.nearestBelow(ctx, c, org); ok {
		return errs.New(errs.Forbidden, "upward.error.file_with", near.Title, near.Slug)
	}
	return nil
}

// levelRows are the board's rows of the levels below c with their own
// campaign (those within root): one row each, both tables one submission.
// Their units are theirs to follow, not c's: the organisations of the
// levels come back too, so a board can leave out what lies below them.
func (s *Service) levelRows(ctx context.Context, c campaign.Campaign, root account.Organisation) ([]BoardRow, []account.Organisation, error) {
	levels, err := s.childLevels(ctx, c)
	if err != nil || len(levels) == 0 {
		return nil, nil, err
	}
	// The levels' own reminders and deadlines, read at once.
	ids := make([]int64, len(levels))
	for i, l := range levels {
		ids[i] = l.Org.ID
	}
	in, args := db.In("o.id", ids)
	reminded, err := s.reminded(ctx, c, in, args...)
	if err != nil {
		return nil, nil, err
	}
	deadline, err := s.Deadlines(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	now := s.Clock.Now()
	var out []BoardRow
	var orgs []account.Organisation
	for _, l := range levels {
		orgs = append(orgs, l.Org)
		if !root.Contains(l.Org) {
			continue
		}
		row := BoardRow{Org: l.Org, Upward: l.Campaign.Slug, Deadline: deadline(l.Org.ID)}
		sb := l.Submission
		status := Status(sb.State)
		switch {
		case sb.State == StateDraft && sb.ApprovedRevision > 0:
			status = StatusApproved
		case sb.ID == 0:
			status = StatusNotStarted
		}
		for t := 1; t <= 2; t++ {
			row.Cells[t] = BoardCell{FilingID: sb.ID, Status: status, Items: l.Rows[t], Stage: sb.StageOrgName,
				Reminded: reminded[[2]int64{l.Org.ID, int64(t)}], Late: review.Late(State(status), row.Deadline, now)}
		}
		out = append(out, row)
	}
	return out, orgs, nil
}

// below reports whether o lies within one of the levels: it files with
// that level's campaign.
func below(levels []account.Organisation, o account.Organisation) bool {
	return inLevel(levels, o.Path)
}

// inLevel reports whether the organisation at path lies within one of
// levels.
func inLevel(levels []account.Organisation, path string) bool {
	for _, l := range levels {
		if l.Contains(account.Organisation{Path: path}) {
			return true
		}
	}
	return false
}

// rowsUpward sends c's rows up again, as a new revision of its submission,
// when the campaign above receives them row by row: it is called after a
// row of c is approved at c's last level. A submission waiting above or
// approved is taken back first; its approved revision stays in the
// parent's tables until the new one is approved. What cannot go up (the
// parent's deadline has passed) waits for the level to submit itself,
// and the audit log says why.
func (s *Service) rowsUpward(ctx context.Context, c campaign.Campaign) {
	if c.ParentID == 0 {
		return
	}
	sys := account.AsSystem(ctx)
	sb, parent, org, err := s.Upward(sys, c)
	if err != nil || !parent.UpwardRows || parent.State != campaign.StatePublished {
		return
	}
	if sb.State == StateSubmitted || sb.State == StateApproved {
		err = s.engine().Reopen(sys, submissionKind, sb.subject(org, parent), sb.Version, review.Step{})
		sb.Version++
	}
	if err == nil {
		_, err = s.SubmitUpward(sys, c, sb.Version, true)
	}
	if err != nil {
		s.Audit.Record(sys, s.DB, "submission.rows_refused", "campaign", c.Slug, map[string]any{"parent": parent.Slug, "code": errs.CodeOf(err)})
	}
}

// consolidates reports whether the caller may send a level's tables up:
// its coordinators and administrators, not its filers, who file the
// bureau's own tables.
func consolidates(ctx context.Context) bool {
	p := account.FromContext(ctx)
	return account.IsSystem(ctx) || p != nil && (p.Has(account.RoleAdmin) || p.Has(account.RoleCoordinator))
}

// PassOn takes the comment the level above made on row uid of c's
// returned submission to the unit that filed it: the comment joins the
// history of the unit's table beside the item, and the unit is told, so
// that it changes its approved table as a new revision, which comes up
// again once approved. Only rows of c's own units are passed on; a level
// below resubmits its own. Errors: NotFound (no such row, or no comment
// on it), Forbidden, Conflict (the submission is not returned).
func (s *Service) PassOn(ctx context.Context, c campaign.Campaign, uid string) error {
	sb, _, org, err := s.Upward(ctx, c)
	if err != nil {
		return err
	}
	if p := account.FromContext(ctx); p == nil || p.OrgID != org.ID || !consolidates(ctx) {
		return errs.ForbiddenErr()
	}
	if sb.State != StateReturned {
		return errs.New(errs.Conflict, "upward.error.not_returned")
	}
	rows, err := s.SubmittedRows(ctx, sb)
	if err != nil {
		return err
	}
	events, err := s.UpwardEvents(ctx, sb)
	if err != nil {
		return err
	}
	var comment *Event
	for i, e := range events {
		if e.ItemUID == uid && e.Revision == sb.Revision {
			comment = &events[i]
		}
	}
	for _, r := range rows {
		if r.UID != uid || r.Campaign != c.Slug || comment == nil {
			continue
		}
		f, err := s.For(ctx, c, r.OrgCode, r.Table)
		if err != nil || f.ID == 0 {
			return errors.Join(err, errs.NotFoundf("filing of %s", r.OrgCode))
		}
		return s.DB.InTx(ctx, func(tx *db.Tx) error {
			if err := s.engine().Event(ctx, tx, s.kind(c, f.Table, f.ID), f.ID, f.Revision, "comment", uid, comment.OrgName+"："+comment.Comment); err != nil {
				return err
			}
			if err := s.changed(ctx, tx, Change{Action: ChangeCommented, Campaign: c, OrgID: f.OrgID, Table: f.Table, FilingID: f.ID,
				Comment: comment.Comment, ByOrg: comment.OrgName}); err != nil {
				return err
			}
			return s.Audit.Record(ctx, tx, "submission.pass_on", "filing", f.ID, map[string]any{"item": uid, "campaign": c.Slug})
		})
	}
	return errs.NotFoundf("row %s with a comment", uid)
}
