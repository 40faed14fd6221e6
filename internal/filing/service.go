package filing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/blob"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/platform/keep"
	"github.com/sciweek/sciweek/internal/review"
)

// Service runs filings and their review.
type Service struct {
	DB        *db.DB
	Accounts  *account.Service
	Campaigns *campaign.Service
	Audit     *audit.Log
	Blobs     blob.Store
	Clock     clock.Clock
	// Publisher, when set, follows approved items into what is published
	// from them.
	Publisher Publisher
	// Notices, when set, is told of each review decision, extension and
	// reminder.
	Notices ChangeNotifier
	// LevelNotices, when set, is told of each decision on a level's
	// submission upward, so its organiser learns of it.
	LevelNotices review.Notifier

	// What the board and the statistics count, kept under the
	// fingerprint of what it is counted from (see Fingerprint); the
	// board's counts follow the filings' changes (see tallies).
	boardCountsMu sync.Mutex
	boardCounts   keep.Map[*boardCount]
	figures       keep.Map[[]Figures]
	timeliness    keep.Map[[2]int]
	revisions     keptRevisions // see ApprovedFigures
}

// At is the service acting at the time the clock tells, with the same
// database and followers and nothing kept: what a loader of past filings
// (the demo's) files with, whose dates must fall inside their window.
func (s *Service) At(c clock.Clock) *Service {
	return &Service{DB: s.DB, Accounts: s.Accounts, Campaigns: s.Campaigns, Audit: s.Audit, Blobs: s.Blobs, Clock: c,
		Publisher: s.Publisher, Notices: s.Notices, LevelNotices: s.LevelNotices}
}

// Publisher is told after a filing's approved items or a campaign's form
// may have changed (filingID 0: every filing of the campaign), so what is
// published from them (the program, bookable slots) can follow.
type Publisher interface {
	FilingPublished(ctx context.Context, campaignID, filingID int64)
}

// ChangeNotifier is told of each review decision, extension and reminder
// inside the transaction that records it, so that what it queues (a
// notice, an e-mail) exists exactly when the change does.
type ChangeNotifier interface {
	FilingChanged(ctx context.Context, tx *db.Tx, ch Change) error
}

func (s *Service) published(ctx context.Context, campaignID, filingID int64) {
	if s.Publisher != nil {
		s.Publisher.FilingPublished(ctx, campaignID, filingID)
	}
}

func (s *Service) now() db.Time { return db.At(s.Clock.Now()) }

// WindowOf is what a campaign's items are checked against.
func WindowOf(c campaign.Campaign) Window {
	w := Window{Start: c.Start, End: c.End}
	for _, t := range c.Categories {
		w.Categories = append(w.Categories, t.Name)
	}
	for _, t := range c.Audiences {
		w.Audiences = append(w.Audiences, t.Name)
	}
	return w
}

// Template returns the form of a table of the campaign and its version
// (0 for the shipped default).
func (s *Service) Template(ctx context.Context, c campaign.Campaign, table int) (Template, int, error) {
	if table != 1 && table != 2 {
		return Template{}, 0, errs.NotFoundf("table %d", table)
	}
	return loadTemplate(ctx, s.DB, c.ID, table)
}

// SaveTemplate stores a changed form. Fields are never deleted, only
// retired, so values already filed stay readable. Errors: Forbidden,
// Invalid, Conflict (stale version).
func (s *Service) SaveTemplate(ctx context.Context, c campaign.Campaign, t Template, version int) error {
	if !s.Campaigns.CanEdit(ctx, c) {
		return errs.ForbiddenErr()
	}
	old, current, err := s.Template(ctx, c, t.Table)
	if err != nil {
		return err
	}
	if version != current {
		return errs.New(errs.Conflict, "filing.error.template_stale")
	}
	f := errs.Fields{}
	seen := map[string]bool{}
	for i, fd := range t.Fields {
		if strings.TrimSpace(fd.Label) == "" {
			f.Add("fields."+itoa(i)+".label", "error.required")
		}
		if fd.Key == "" || seen[fd.Key] {
			f.Add("fields."+itoa(i)+".key", "filing.error.field_key")
		}
		seen[fd.Key] = true
		if !validType(fd.Type) {
			f.Add("fields."+itoa(i)+".type", "filing.error.field_type")
		}
		if (fd.Type == TypeChoice || fd.Type == TypeMulti) && fd.ChoicesFrom == "" && !fd.Retired && len(fd.Choices) == 0 {
			f.Add("fields."+itoa(i)+".choices", "filing.error.field_choices")
		}
	}
	for _, fd := range old.Fields {
		if !seen[fd.Key] {
			f.Add("fields", "filing.error.field_removed", fd.Label)
		}
	}
	if c.ParentID != 0 {
		above, _, err := loadTemplate(ctx, s.DB, c.ParentID, t.Table)
		if err != nil {
			return err
		}
		requireParentFields(above, t, f)
	}
	if err := f.Err(); err != nil {
		return err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if current == 0 {
			_, err = tx.Exec(ctx, `INSERT INTO form_templates (campaign_id, table_no, definition, version, updated_at) VALUES (?, ?, ?, 1, ?)`,
				c.ID, t.Table, marshal(t), s.now())
		} else {
			var res interface{ RowsAffected() (int64, error) }
			res, err = tx.Exec(ctx, `UPDATE form_templates SET definition = ?, version = version + 1, updated_at = ? WHERE campaign_id = ? AND table_no = ? AND version = ?`,
				marshal(t), s.now(), c.ID, t.Table, current)
			if err == nil {
				if n, _ := res.RowsAffected(); n == 0 {
					return errs.New(errs.Conflict, "filing.error.template_stale")
				}
			}
		}
		if err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "filing.template", "campaign", c.Slug, map[string]any{"table": t.Table})
	})
	if err == nil {
		s.published(ctx, c.ID, 0)
	}
	return err
}

func validType(t FieldType) bool {
	for _, x := range FieldTypes {
		if x == t {
			return true
		}
	}
	return false
}

// canSee reports whether the caller may read the organisation's filings:
// its own, or those of the organisations below it; not check-in staff.
func canSee(ctx context.Context, org account.Organisation) bool { return review.CanRead(ctx, org) }

// Get returns a filing the caller may see, with its items. A filing of
// another organisation is NotFound, so its existence is not revealed.
func (s *Service) Get(ctx context.Context, id int64) (Filing, error) {
	f, err := findFiling(ctx, s.DB, "f.id = ?", id)
	if err != nil {
		return f, err
	}
	org, err := s.Accounts.OrgByID(ctx, f.OrgID)
	if err != nil {
		return f, err
	}
	if !canSee(ctx, org) {
		return Filing{}, errs.NotFoundf("filing %d not visible", id)
	}
	return f, nil
}

// For returns the organisation's filing of a table, or an empty draft not
// yet stored. Errors: NotFound (organisation unknown or not visible).
func (s *Service) For(ctx context.Context, c campaign.Campaign, orgCode string, table int) (Filing, error) {
	org, err := s.Accounts.Org(ctx, orgCode)
	if err != nil || !canSee(ctx, org) {
		return Filing{}, errs.NotFoundf("organisation %s", orgCode)
	}
	return s.current(ctx, c, org, table)
}

// current returns the organisation's filing of a table, or an empty draft
// not yet stored, whoever asks.
func (s *Service) current(ctx context.Context, c campaign.Campaign, org account.Organisation, table int) (Filing, error) {
	if table != 1 && table != 2 {
		return Filing{}, errs.NotFoundf("table %d", table)
	}
	f, err := findFiling(ctx, s.DB, "f.campaign_id = ? AND f.org_id = ? AND f.table_no = ?", c.ID, org.ID, table)
	if errs.Is(err, errs.NotFound) {
		return Filing{CampaignID: c.ID, CampaignSlug: c.Slug, OrgID: org.ID, OrgCode: org.Code, OrgName: org.Name, OrgPath: org.Path,
			Table: table, State: StateDraft}, nil
	}
	return f, err
}

// ListFilter narrows a list of filings.
type ListFilter struct {
	Table    int
	State    State
	District string // code of a bureau: its filings and those below it
	Unit     string // code of one organisation
	// WithoutItems leaves each filing's current items unread, for counts
	// and for readers of approved revisions.
	WithoutItems bool
}

// List returns the filings of a campaign that the caller may see.
func (s *Service) List(ctx context.Context, c campaign.Campaign, lf ListFilter) ([]Filing, error) {
	p, err := lister(ctx)
	if err != nil {
		return nil, err
	}
	where := []string{"f.campaign_id = ?"}
	args := []any{c.ID}
	if p != nil {
		where = append(where, "o.path LIKE ?")
		args = append(args, p.Org.Path+"%")
	}
	if lf.Table != 0 {
		where = append(where, "f.table_no = ?")
		args = append(args, lf.Table)
	}
	if lf.State != "" {
		where = append(where, "f.state = ?")
		args = append(args, lf.State)
	}
	for _, code := range []struct {
		code  string
		exact bool
	}{{lf.District, false}, {lf.Unit, true}} {
		if code.code == "" {
			continue
		}
		org, err := s.Accounts.Org(ctx, code.code)
		if err != nil {
			return nil, nil // an unknown code matches nothing
		}
		if code.exact {
			where = append(where, "f.org_id = ?")
			args = append(args, org.ID)
		} else {
			where = append(where, "o.path LIKE ?")
			args = append(args, org.Path+"%")
		}
	}
	fs, err := listFilings(ctx, s.DB, strings.Join(where, " AND "), args...)
	if err != nil {
		return nil, err
	}
	for i := range fs {
		if lf.WithoutItems {
			break
		}
		if fs[i].Items, err = loadItems(ctx, s.DB, fs[i].ID); err != nil {
			return nil, err
		}
	}
	return fs, nil
}

// lister is the caller of a list of a campaign's filings: signed in (or
// the system), and not only checking visitors in at the door.
func lister(ctx context.Context) (*account.Principal, error) {
	p := account.FromContext(ctx)
	if p == nil && !account.IsSystem(ctx) {
		return nil, errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	if review.CheckinOnly(p) {
		return nil, errs.New(errs.Forbidden, "review.error.checkin_only")
	}
	return p, nil
}

func newUID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// ensure returns the stored filing for (campaign, org, table), creating an
// empty draft when there is none.
func (s *Service) ensure(ctx context.Context, tx *db.Tx, c campaign.Campaign, org account.Organisation, table int) (Filing, error) {
	f, err := findFiling(ctx, tx, "f.campaign_id = ? AND f.org_id = ? AND f.table_no = ?", c.ID, org.ID, table)
	if !errs.Is(err, errs.NotFound) {
		return f, err
	}
	now := s.now()
	if _, err := tx.Exec(ctx, `INSERT INTO filings (campaign_id, org_id, table_no, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		c.ID, org.ID, table, now, now); err != nil {
		return f, err
	}
	return findFiling(ctx, tx, "f.campaign_id = ? AND f.org_id = ? AND f.table_no = ?", c.ID, org.ID, table)
}

// SaveItem stores one item of a draft — new when uid is empty — whatever
// its problems, so nothing typed is lost; it returns the item with the
// problems Check found. Errors: NotFound, Forbidden, Conflict (the filing
// is under review or approved: reopen it first).
func (s *Service) SaveItem(ctx context.Context, c campaign.Campaign, orgCode string, table int, uid string, in Values) (Filing, Item, map[string]errs.Msg, error) {
	org, err := s.Accounts.Org(ctx, orgCode)
	if err != nil {
		return Filing{}, Item{}, nil, errs.NotFoundf("organisation %s", orgCode)
	}
	sv, err := s.saveItem(ctx, c, org, table, uid, in, false)
	return sv.Filing, sv.Item, sv.Problems, err
}

// ItemSaved is what saving an item gives back, all a form shown again
// needs: the campaign, the filing (after the save, or as it stood when the
// save was refused), the form the item was checked against, the item and
// its problems.
type ItemSaved struct {
	Campaign campaign.Campaign
	Filing   Filing
	Template Template
	Item     Item
	Problems map[string]errs.Msg
}

// SaveItemAt is SaveItem for a request that names the campaign and the
// organisation: each is read once, the form template once. Errors:
// Unauthenticated, NotFound (also an organisation the caller may not see),
// Forbidden, Invalid (text too long; nothing stored), Conflict.
func (s *Service) SaveItemAt(ctx context.Context, slug, orgCode string, table int, uid string, in Values) (ItemSaved, error) {
	c, err := s.Campaigns.Get(ctx, slug)
	if err != nil {
		return ItemSaved{}, err
	}
	org, err := s.Accounts.OrgFor(ctx, orgCode)
	if errs.Is(err, errs.NotFound) {
		return ItemSaved{Campaign: c}, errs.NotFoundf("organisation %s", orgCode)
	}
	if err != nil {
		return ItemSaved{Campaign: c}, err
	}
	return s.saveItem(ctx, c, org, table, uid, in, true)
}

// saveItem stores an item; private answers one who may not read the
// organisation's filings that there is no such organisation.
func (s *Service) saveItem(ctx context.Context, c campaign.Campaign, org account.Organisation, table int, uid string, in Values, private bool) (ItemSaved, error) {
	sv := ItemSaved{Campaign: c}
	var err error
	if sv.Template, _, err = s.Template(ctx, c, table); err != nil {
		return sv, err
	}
	t := sv.Template
	if sv.Filing, err = s.current(ctx, c, org, table); err != nil {
		return sv, err
	}
	values, problems, overlong := t.checkTyped(WindowOf(c), in)
	sv.Problems = problems
	var f Filing
	item := Item{UID: uid, Values: values}
	// The review engine checks that the caller may see and change the
	// filing, then in its transaction takes an approved filing into a new
	// revision before the item is written.
	stored := func(tx *db.Tx) (review.Subject, error) {
		if len(overlong) > 0 {
			// Nothing is stored: the clerk shortens the text and saves again.
			return review.Subject{}, &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "error.invalid"}, Fields: overlong}
		}
		if err := s.mayFile(ctx, c, org); err != nil {
			return review.Subject{}, err
		}
		var err error
		f, err = s.ensure(ctx, tx, c, org, table)
		return subject(f, org, c.OwnerOrgID), err
	}
	if err := s.fromAbove(ctx, c); err != nil {
		return sv, err
	}
	sub := subject(sv.Filing, org, c.OwnerOrgID)
	sub.Private = private
	err = s.engine().Write(ctx, s.kind(c, table, sv.Filing.ID), sub, stored, func(tx *db.Tx) error {
		var err error
		now := s.now()
		if uid == "" {
			item.UID, item.Position = newUID(), len(f.Items)
			_, err = tx.Exec(ctx, `INSERT INTO filing_items (filing_id, uid, position, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
				f.ID, item.UID, item.Position, marshal(values), now, now)
		} else {
			keepUnasked(t, f.Items, uid, values)
			res, e := tx.Exec(ctx, `UPDATE filing_items SET data = ?, updated_at = ? WHERE filing_id = ? AND uid = ?`, marshal(values), now, f.ID, uid)
			if e == nil {
				if n, _ := res.RowsAffected(); n == 0 {
					e = errs.NotFoundf("item %s", uid)
				}
			}
			err = e
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE filings SET version = version + 1, updated_at = ? WHERE id = ?`, now, f.ID)
		return err
	})
	sv.Item = item
	if err != nil {
		return sv, err
	}
	if f.State == StateApproved {
		s.published(ctx, c.ID, f.ID)
	}
	sv.Filing, err = findFiling(ctx, s.DB, "f.id = ?", f.ID)
	return sv, err
}

// checkTyped reads an item form as typed against the form: it keeps the
// fields the form asks for now (what a retired field holds is never
// changed by a form), checks them, and keeps what was typed where it could
// not be read. overlong names the texts too long to store at all.
func (t Template) checkTyped(w Window, typed Values) (values Values, problems, overlong map[string]errs.Msg) {
	in := Values{}
	for _, f := range t.Active() {
		if v, ok := typed[f.Key]; ok {
			in[f.Key] = v
		}
	}
	if overlong = Overlong(t, in); len(overlong) > 0 {
		return in, nil, overlong
	}
	values, problems = Check(t, w, in)
	for k, v := range problemValues(in, problems) {
		values[k] = v // keep what was typed where it could not be read
	}
	return values, problems, nil
}

// problemValues returns, for each field with a problem, the value as typed.
func problemValues(in Values, problems map[string]errs.Msg) Values {
	out := Values{}
	for k := range problems {
		out[k] = strings.TrimSpace(in[k])
	}
	return out
}

// keepUnasked copies into values what the stored item holds for fields the
// form no longer asks for (retired, or dropped from the template), so a
// re-saved item never loses what was filed before the template changed.
func keepUnasked(t Template, items []Item, uid string, values Values) {
	for _, it := range items {
		if it.UID != uid {
			continue
		}
		for k, v := range it.Values {
			if f, ok := t.Field(k); (!ok || f.Retired) && v != "" {
				if _, given := values[k]; !given {
					values[k] = v
				}
			}
		}
	}
}

// DeleteItem removes an item from a draft. Errors: NotFound, Forbidden, Conflict.
func (s *Service) DeleteItem(ctx context.Context, id int64, uid string) error {
	f, org, c, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if err := s.edit(ctx, c, org, f); err != nil {
		return err
	}
	defer s.published(ctx, c.ID, f.ID)
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.revise(ctx, tx, c, org, f); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM filing_items WHERE filing_id = ? AND uid = ?`, f.ID, uid)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("item %s", uid)
		}
		_, err = tx.Exec(ctx, `UPDATE filings SET version = version + 1, updated_at = ? WHERE id = ?`, s.now(), f.ID)
		return err
	})
}

// Problems checks every item of a filing against the current form.
func (s *Service) Problems(ctx context.Context, c campaign.Campaign, f *Filing) (int, error) {
	t, _, err := s.Template(ctx, c, f.Table)
	if err != nil {
		return 0, err
	}
	l := 0
	w := WindowOf(c)
	for i := range f.Items {
		_, bad := Check(t, w, f.Items[i].Values)
		f.Items[i].Problems = map[string]string{}
		for k, m := range bad {
			f.Items[i].Problems[k] = m.Key
		}
		l += len(bad)
	}
	return l, nil
}

// Deadline is when the organisation's filing closes: the campaign's
// deadline, or a later extension granted to it.
func (s *Service) Deadline(ctx context.Context, c campaign.Campaign, orgID int64) (time.Time, error) {
	return filingExtensions.Until(ctx, s.DB, c.ID, orgID, c.FilingDeadline), nil
}

func snapshot(items []Item) string {
	type rec struct {
		UID    string `json:"uid"`
		Values Values `json:"values"`
	}
	out := make([]rec, 0, len(items))
	for _, it := range items {
		out = append(out, rec{it.UID, it.Values})
	}
	return marshal(out)
}

func sameItems(a, b string) bool {
	var x, y any
	json.Unmarshal([]byte(a), &x)
	json.Unmarshal([]byte(b), &y)
	return reflect.DeepEqual(x, y)
}

func web2date(t time.Time) string {
	t = t.In(clock.Zone)
	return t.Format("2006-01-02 15:04")
}

// Revisions lists every submitted revision of a filing, newest first.
func (s *Service) Revisions(ctx context.Context, id int64) ([]Revision, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT number, items, submitted_at FROM filing_revisions WHERE filing_id = ? ORDER BY number DESC`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Revision
	for rows.Next() {
		var r Revision
		var items string
		var at db.Time
		if err := rows.Scan(&r.Number, &items, &at); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(items), &r.Items); err != nil {
			return nil, err
		}
		r.SubmittedAt = at.In(clock.Zone)
		out = append(out, r)
	}
	return out, rows.Err()
}

func itoa(n int) string { return strconv.Itoa(n) }

// ImportItems adds items read from a workbook to the organisation's draft
// in one transaction, each kept as read and checked like a typed item.
// Errors: NotFound, Forbidden, Conflict (the table is under review or approved).
func (s *Service) ImportItems(ctx context.Context, c campaign.Campaign, orgCode string, table int, rows []Values) (Filing, error) {
	org, err := s.Accounts.Org(ctx, orgCode)
	if err != nil {
		return Filing{}, errs.NotFoundf("organisation %s", orgCode)
	}
	cur, err := s.current(ctx, c, org, table)
	if err != nil {
		return Filing{}, err
	}
	if err := s.edit(ctx, c, org, cur); err != nil {
		return cur, err
	}
	t, _, err := s.Template(ctx, c, table)
	if err != nil {
		return Filing{}, err
	}
	w := WindowOf(c)
	var f Filing
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if f, err = s.ensure(ctx, tx, c, org, table); err != nil {
			return err
		}
		if err := s.revise(ctx, tx, c, org, f); err != nil {
			return err
		}
		now := s.now()
		for i, in := range rows {
			values, problems := Check(t, w, in)
			for k, v := range problemValues(in, problems) {
				values[k] = v
			}
			if _, err := tx.Exec(ctx, `INSERT INTO filing_items (filing_id, uid, position, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
				f.ID, newUID(), len(f.Items)+i, marshal(values), now, now); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE filings SET version = version + 1, updated_at = ? WHERE id = ?`, now, f.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "filing.import", "filing", f.ID, map[string]any{"table": table, "items": len(rows)})
	})
	if err != nil {
		return f, err
	}
	return findFiling(ctx, s.DB, "f.id = ?", f.ID)
}
