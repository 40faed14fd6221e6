package filing

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/review"
)

// Status is what the board shows for one table of one organisation.
type Status string

// The board statuses.
const (
	StatusNotStarted Status = "not_started"
	StatusDraft      Status = "draft"
	StatusSubmitted  Status = "submitted"
	StatusReturned   Status = "returned"
	StatusApproved   Status = "approved"
)

// BoardCell is one table of one organisation on the board.
type BoardCell struct {
	FilingID int64
	Status   Status
	Items    int
	// Late is set when the deadline (with any extension) has passed and the
	// table is not in review or approved.
	Late     bool
	Stage    string
	Reminded time.Time
}

// BoardRow is one organisation on the board.
type BoardRow struct {
	Org      account.Organisation
	District string
	Deadline time.Time
	Cells    [3]BoardCell // index 1 and 2
	// Upward, on a level below with its own campaign, is that campaign's
	// slug: both cells are its one submission of the two tables.
	Upward string
}

// Board lists every organisation below the caller that files (the whole
// campaign for the system), with the state of each table (see
// account.BoardRoot). Errors: Forbidden.
func (s *Service) Board(ctx context.Context, c campaign.Campaign) ([]BoardRow, error) {
	root, err := s.Accounts.BoardRoot(ctx, c.OwnerOrgID)
	if err != nil {
		return nil, err
	}
	return s.board(ctx, c, root)
}

// BoardQuery narrows the board to one page: a level below the organiser
// (1 the level right below it, 0 every level), a status or "late", a
// table (0 both), and a page of PerPage rows.
type BoardQuery struct {
	Level, Table, Page, PerPage int
	State                       string
}

// BoardView is one page of the board with what the whole board counts.
type BoardView struct {
	Rows   []BoardRow
	Total  int // rows the query shows, on every page
	Counts map[Status]int
	Late   int
	Levels []int // the levels below the organiser that hold a row
}

// BoardPage is one page of the board (see Board). The whole board is
// counted once, by level and the two tables' states, and kept: a change
// to a filing of the campaign is then read alone and moves its
// organisation from one count to another, and only a change to the
// organisations counts again (see tallies). The page's organisations are
// picked by another query that stops at the page. No more than a page of
// organisations comes back, and only those are read in full. Errors:
// Forbidden.
func (s *Service) BoardPage(ctx context.Context, c campaign.Campaign, q BoardQuery) (BoardView, error) {
	v := BoardView{Counts: map[Status]int{}}
	root, err := s.Accounts.BoardRoot(ctx, c.OwnerOrgID)
	if err != nil {
		return v, err
	}
	owner, err := s.Accounts.OrgByID(ctx, c.OwnerOrgID)
	if err != nil {
		return v, err
	}
	extended, err := s.extensions(ctx, c)
	if err != nil {
		return v, err
	}
	deadline := deadlines(c, extended)
	now := s.Clock.Now()
	// The levels below with their own campaign come first, one row each;
	// their units are theirs to follow.
	q.PerPage = max(q.PerPage, 1)
	from := (max(q.Page, 1) - 1) * q.PerPage
	levels := map[int]bool{}
	lv, below, err := s.levelRows(ctx, c, root)
	if err != nil {
		return v, err
	}
	for _, row := range lv {
		level := row.Org.Depth - owner.Depth
		levels[level] = true
		// One submission holds both tables: it counts once.
		v.Counts[row.Cells[1].Status]++
		if row.Cells[1].Late {
			v.Late++
		}
		if (q.Level != 0 && q.Level != level) || !q.shows(row) {
			continue
		}
		if v.Total >= from && v.Total < from+q.PerPage {
			v.Rows = append(v.Rows, row)
		}
		v.Total++
	}
	b := s.boardCells(c, root, owner, below, deadline, extended, now)
	tallies, err := s.tallies(ctx, c, b)
	if err != nil {
		return v, err
	}
	units := 0
	for _, t := range tallies {
		level := t.Depth - owner.Depth
		levels[level] = true
		// A deadline that has passed, or one that has not.
		due := map[bool]time.Time{true: {}, false: now}[t.Passed]
		var row BoardRow
		for i := 1; i <= 2; i++ {
			row.Cells[i] = BoardCell{Status: t.State[i], Late: review.Late(State(t.State[i]), due, now)}
			v.Counts[t.State[i]] += t.N
			if row.Cells[i].Late {
				v.Late += t.N
			}
		}
		if (q.Level == 0 || q.Level == level) && q.shows(row) {
			units += t.N
		}
	}
	for l := range levels {
		v.Levels = append(v.Levels, l)
	}
	slices.Sort(v.Levels)
	// The page continues after the level rows it shows.
	skip, take := max(from-v.Total, 0), from+q.PerPage-max(from, v.Total)
	v.Total += units
	if take <= 0 || skip >= units {
		return v, nil
	}
	where, args := q.where(owner)
	page, err := db.Set[int64](ctx, s.DB, `SELECT id FROM (`+b.sql+`) b WHERE `+where+` ORDER BY path LIMIT ? OFFSET ?`,
		append(append(b.args, args...), take, skip)...)
	if err != nil {
		return v, err
	}
	ids := make([]int64, 0, len(page))
	for id := range page {
		ids = append(ids, id)
	}
	// The page's organisations in full, with those above them.
	names := map[int64]account.Organisation{}
	var orgs []account.Organisation
	for _, id := range ids {
		o, err := s.Accounts.OrgByID(ctx, id)
		if err != nil {
			return v, err
		}
		orgs, names[id] = append(orgs, o), o
		for _, up := range o.AncestorIDs() {
			if _, ok := names[up]; !ok {
				if names[up], err = s.Accounts.OrgByID(ctx, up); err != nil {
					return v, err
				}
			}
		}
	}
	slices.SortFunc(orgs, func(a, b account.Organisation) int { return strings.Compare(a.Path, b.Path) })
	rest, err := s.boardRows(ctx, c, orgs, names, below, "o.id IN ("+db.Marks(len(ids))+")", db.Args(ids)...)
	v.Rows = append(v.Rows, rest...)
	return v, err
}

// boardQuery is a query of the board's organisations with the state of
// each table and whether their deadline has passed, as columns id, path,
// depth, s1, s2 and passed. scope is the same query without passed, with
// its own arguments: what the board's counts are kept for (see tallies),
// whose deadline has passed being the campaign's answer (passed) but for
// the organisations in others.
type boardQuery struct {
	sql, scope      string
	args, scopeArgs []any
	passed          bool
	others          []int64
}

// cellState is the board's status of table %[1]d, in SQL: a draft that
// never held an item, and was never approved, has not started; a reopened
// one keeps its approved revision.
const cellState = `CASE WHEN f%[1]d.state IS NULL THEN 'not_started'
		WHEN f%[1]d.state <> 'draft' THEN f%[1]d.state
		WHEN f%[1]d.approved_revision > 0 THEN 'approved'
		WHEN EXISTS (SELECT 1 FROM filing_items i WHERE i.filing_id = f%[1]d.id) THEN 'draft'
		ELSE 'not_started' END`

// boardCells is the board's organisations below root in c, but for those
// within the levels below (their own row) and the organiser itself.
func (s *Service) boardCells(c campaign.Campaign, root, owner account.Organisation, below []account.Organisation,
	deadline func(int64) time.Time, extended map[int64]time.Time, now time.Time) boardQuery {
	// Whether an organisation's deadline has passed is the campaign's
	// answer but for the few with an extension that answers otherwise.
	b := boardQuery{passed: now.After(c.FilingDeadline)}
	for org := range extended {
		if now.After(deadline(org)) != b.passed {
			b.others = append(b.others, org)
		}
	}
	passedSQL := map[bool]string{true: "TRUE", false: "FALSE"}[b.passed]
	if len(b.others) > 0 {
		passedSQL = map[bool]string{true: "o.id NOT IN ", false: "o.id IN "}[b.passed] + "(" + db.Marks(len(b.others)) + ")"
	}
	columns := `o.id, o.path, o.depth, ` + fmt.Sprintf(cellState, 1) + ` AS s1, ` + fmt.Sprintf(cellState, 2) + ` AS s2`
	from := `
		FROM organisations o
		LEFT JOIN filings f1 ON f1.campaign_id = ? AND f1.org_id = o.id AND f1.table_no = 1
		LEFT JOIN filings f2 ON f2.campaign_id = ? AND f2.org_id = o.id AND f2.table_no = 2
		WHERE o.path LIKE ? AND o.path LIKE ? AND o.id <> ? AND o.status = ?`
	b.scopeArgs = []any{c.ID, c.ID, root.Path + "%", owner.Path + "%", owner.ID, account.StatusActive}
	for _, l := range below {
		from += ` AND o.path NOT LIKE ?`
		b.scopeArgs = append(b.scopeArgs, l.Path+"%")
	}
	b.scope = `SELECT ` + columns + from
	b.sql = `SELECT ` + columns + `, ` + passedSQL + ` AS passed` + from
	b.args = append(db.Args(b.others), b.scopeArgs...)
	return b
}

// where is the condition on a boardQuery's rows that q's level, state
// and table make, with its arguments.
func (q BoardQuery) where(owner account.Organisation) (string, []any) {
	where, args := "TRUE", []any{}
	if q.Level != 0 {
		where, args = "depth = ?", append(args, owner.Depth+q.Level)
	}
	if q.State == "" {
		return where, args
	}
	var cells []string
	for t := 1; t <= 2; t++ {
		if q.Table != 0 && q.Table != t {
			continue
		}
		if q.State == "late" {
			cells = append(cells, fmt.Sprintf("(s%d IN ('not_started', 'draft', 'returned') AND passed)", t))
			continue
		}
		cells, args = append(cells, fmt.Sprintf("s%d = ?", t)), append(args, q.State)
	}
	return where + " AND (" + strings.Join(cells, " OR ") + ")", args
}

// shows reports whether a row passes the query's status and table.
func (q BoardQuery) shows(row BoardRow) bool {
	for t := 1; t <= 2; t++ {
		if q.Table != 0 && q.Table != t {
			continue
		}
		c := row.Cells[t]
		switch {
		case q.State == "":
			return true
		case q.State == "late" && c.Late, q.State == string(c.Status):
			return true
		}
	}
	return false
}

func (s *Service) board(ctx context.Context, c campaign.Campaign, root account.Organisation) ([]BoardRow, error) {
	orgs, err := s.Accounts.Subtree(ctx, root)
	if err != nil {
		return nil, err
	}
	names := map[int64]account.Organisation{}
	for _, o := range orgs {
		names[o.ID] = o
	}
	out, levels, err := s.levelRows(ctx, c, root)
	if err != nil {
		return nil, err
	}
	rows, err := s.boardRows(ctx, c, orgs, names, levels, "o.path LIKE ?", root.Path+"%")
	return append(out, rows...), err
}

// reminded is when each organisation the condition on o selects was last
// reminded of each table, by (organisation, table).
func (s *Service) reminded(ctx context.Context, c campaign.Campaign, where string, args ...any) (map[[2]int64]time.Time, error) {
	rows, err := s.DB.Query(ctx, `SELECT r.org_id, r.table_no, MAX(r.sent_at) FROM filing_reminders r JOIN organisations o ON o.id = r.org_id
		WHERE r.campaign_id = ? AND `+where+` GROUP BY r.org_id, r.table_no`, append([]any{c.ID}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[[2]int64]time.Time{}
	for rows.Next() {
		var org, table int64
		var at db.Time
		if err := rows.Scan(&org, &table, &at); err != nil {
			return nil, err
		}
		out[[2]int64{org, table}] = at.In(clock.Zone)
	}
	return out, rows.Err()
}

// boardRows are the board's rows of orgs, whose filings are those the
// condition on o (the organisation) selects; names hold every organisation
// above them up to the organiser, for the district's name.
func (s *Service) boardRows(ctx context.Context, c campaign.Campaign, orgs []account.Organisation, names map[int64]account.Organisation,
	levels []account.Organisation, where string, args ...any) ([]BoardRow, error) {
	owner, err := s.Accounts.OrgByID(ctx, c.OwnerOrgID)
	if err != nil {
		return nil, err
	}
	filings, err := listFilings(ctx, s.DB, "f.campaign_id = ? AND "+where, append([]any{c.ID}, args...)...)
	if err != nil {
		return nil, err
	}
	byOrg := map[int64][]Filing{}
	for _, f := range filings {
		byOrg[f.OrgID] = append(byOrg[f.OrgID], f)
	}
	counts := map[int64]int{}
	rows, err := s.DB.Query(ctx, `SELECT i.filing_id, COUNT(*) FROM filing_items i JOIN filings f ON f.id = i.filing_id
		JOIN organisations o ON o.id = f.org_id WHERE f.campaign_id = ? AND `+where+` GROUP BY i.filing_id`, append([]any{c.ID}, args...)...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var n int
		rows.Scan(&id, &n)
		counts[id] = n
	}
	rows.Close()
	reminded, err := s.reminded(ctx, c, where, args...)
	if err != nil {
		return nil, err
	}
	deadline, err := s.Deadlines(ctx, c)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var out []BoardRow
	for _, o := range orgs {
		if o.ID == owner.ID || o.Status != account.StatusActive || !owner.Contains(o) || below(levels, o) {
			continue
		}
		row := BoardRow{Org: o, District: districtName(o, owner, names), Deadline: deadline(o.ID)}
		for t := 1; t <= 2; t++ {
			cell := BoardCell{Status: StatusNotStarted, Reminded: reminded[[2]int64{o.ID, int64(t)}]}
			for _, f := range byOrg[o.ID] {
				if f.Table != t {
					continue
				}
				cell.FilingID, cell.Items, cell.Stage = f.ID, counts[f.ID], f.StageOrgName
				switch {
				case f.State == StateDraft && f.ApprovedRevision > 0:
					cell.Status = StatusApproved // reopened: the approved revision stands
				case f.State == StateDraft && cell.Items == 0:
					cell.Status = StatusNotStarted
				default:
					cell.Status = Status(f.State)
				}
			}
			cell.Late = review.Late(State(cell.Status), row.Deadline, now)
			row.Cells[t] = cell
		}
		out = append(out, row)
	}
	return out, nil
}

// Deadlines returns each organisation's deadline for filing in the
// campaign (see Deadline), read at once for a whole board or count.
func (s *Service) Deadlines(ctx context.Context, c campaign.Campaign) (func(orgID int64) time.Time, error) {
	extended, err := s.extensions(ctx, c)
	if err != nil {
		return nil, err
	}
	return deadlines(c, extended), nil
}

// deadlines is each organisation's deadline in c given the extensions.
func deadlines(c campaign.Campaign, extended map[int64]time.Time) func(orgID int64) time.Time {
	return func(orgID int64) time.Time {
		if until, ok := extended[orgID]; ok && until.After(c.FilingDeadline) {
			return until
		}
		return c.FilingDeadline
	}
}

// extensions are the deadlines of a campaign's organisations that have
// one of their own, read at once rather than one organisation at a time.
func (s *Service) extensions(ctx context.Context, c campaign.Campaign) (map[int64]time.Time, error) {
	rows, err := s.DB.Query(ctx, `SELECT org_id, until_at FROM filing_extensions WHERE campaign_id = ?`, c.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]time.Time{}
	for rows.Next() {
		var org int64
		var until db.Time
		if err := rows.Scan(&org, &until); err != nil {
			return nil, err
		}
		out[org] = until.In(clock.Zone)
	}
	return out, rows.Err()
}

// districtName is the name of the organisation one level below the
// organiser on o's path: its district bureau.
func districtName(o, owner account.Organisation, names map[int64]account.Organisation) string {
	id, _ := o.Below(owner.ID)
	return names[id].Name
}

// Remind records a reminder to an organisation that has not submitted a
// table; the organisation sees it on its home page. Errors: Forbidden,
// NotFound.
func (s *Service) Remind(ctx context.Context, c campaign.Campaign, orgCode string, table int) error {
	org, err := s.Accounts.Org(ctx, orgCode)
	if err != nil {
		return errs.NotFoundf("organisation %s", orgCode)
	}
	f, err := s.current(ctx, c, org, table)
	if err != nil {
		return err
	}
	if _, err := s.engine().Check(ctx, s.kind(c, table, f.ID), review.Subject{ID: f.ID, Org: org, State: f.State, Owner: c.OwnerOrgID}, review.Remind); err != nil {
		return err
	}
	var by any
	byOrg := ""
	if p := account.FromContext(ctx); p != nil {
		by, byOrg = p.ID, p.Org.Name
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO filing_reminders (campaign_id, org_id, table_no, sent_by, sent_at) VALUES (?, ?, ?, ?, ?)`,
			c.ID, org.ID, table, by, s.now()); err != nil {
			return err
		}
		deadline, err := s.Deadline(ctx, c, org.ID)
		if err != nil {
			return err
		}
		if err := s.changed(ctx, tx, Change{Action: ChangeReminded, Campaign: c, OrgID: org.ID, Table: table, ByOrg: byOrg, Until: deadline}); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "filing.remind", "organisation", org.Code, map[string]any{"campaign": c.Slug, "table": table})
	})
}

// Reminder is a reminder an organisation has received.
type Reminder struct {
	Table  int
	From   string
	SentAt time.Time
	sentBy int64
}

// Reminders lists the reminders to the caller's organisation that are
// still open: the table has not been submitted since.
func (s *Service) Reminders(ctx context.Context, c campaign.Campaign) ([]Reminder, error) {
	p := account.FromContext(ctx)
	if p == nil {
		return nil, nil
	}
	rows, err := s.DB.Query(ctx, `SELECT r.table_no, COALESCE(r.sent_by, 0), r.sent_at FROM filing_reminders r
		LEFT JOIN filings f ON f.campaign_id = r.campaign_id AND f.org_id = r.org_id AND f.table_no = r.table_no
		WHERE r.campaign_id = ? AND r.org_id = ? AND (f.id IS NULL OR f.state IN ('draft', 'returned'))
		ORDER BY r.id DESC`, c.ID, p.OrgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Reminder
	seen := map[int]bool{}
	for rows.Next() {
		var r Reminder
		var at db.Time
		if err := rows.Scan(&r.Table, &r.sentBy, &at); err != nil {
			return nil, err
		}
		r.SentAt = at.In(clock.Zone)
		if !seen[r.Table] {
			seen[r.Table] = true
			out = append(out, r)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// At most one reminder a table: who sent each is asked of accounts.
	for i, r := range out {
		if a, err := s.Accounts.AccountByID(ctx, r.sentBy); err == nil {
			if org, err := s.Accounts.OrgByID(ctx, a.OrgID); err == nil {
				out[i].From = org.Name
			}
		}
	}
	return out, nil
}

// ApprovedItem is an item of an approved revision with who filed it.
type ApprovedItem struct {
	FilingID int64
	UID      string
	OrgCode  string
	District string // the district bureau's name
	Unit     string // the filing organisation's name
	Values   Values
}

// ApprovedItems returns the items of the approved revision of every
// filing of a table below district (all when empty) that the caller may
// see, each with the organisation and district that filed it.
func (s *Service) ApprovedItems(ctx context.Context, c campaign.Campaign, table int, district string) ([]ApprovedItem, error) {
	fs, err := s.List(ctx, c, ListFilter{Table: table, District: district, WithoutItems: true})
	if err != nil {
		return nil, err
	}
	owner, err := s.Accounts.OrgByID(ctx, c.OwnerOrgID)
	if err != nil {
		return nil, err
	}
	all, err := s.Accounts.Subtree(ctx, owner)
	if err != nil {
		return nil, err
	}
	names := map[int64]account.Organisation{}
	for _, o := range all {
		names[o.ID] = o
	}
	// The approved revisions of the campaign's table, in one query: the
	// filings the caller may see pick theirs. Decoding a revision's items
	// costs more than reading it, so revisions are decoded by one worker a
	// core while the query goes on, each into its filing's place.
	at := make(map[int64]int, len(fs))
	for i, f := range fs {
		if f.ApprovedRevision > 0 {
			at[f.ID] = i
		}
	}
	decoded := make([][]ApprovedItem, len(fs))
	type revision struct {
		at    int
		items string
	}
	work := make(chan revision, 256)
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for r := range work {
				var recs []Item
				if err := json.Unmarshal([]byte(r.items), &recs); err != nil {
					failed.CompareAndSwap(nil, &err)
					continue
				}
				f := fs[r.at]
				district := districtName(names[f.OrgID], owner, names)
				out := make([]ApprovedItem, len(recs))
				for i, it := range recs {
					out[i] = ApprovedItem{FilingID: f.ID, UID: it.UID, OrgCode: f.OrgCode, District: district, Unit: f.OrgName, Values: it.Values}
				}
				decoded[r.at] = out
			}
		})
	}
	err = s.eachApprovedRevision(ctx, c, table, func(id int64, items string) {
		if i, ok := at[id]; ok {
			work <- revision{i, items}
		}
	})
	close(work)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if e := failed.Load(); e != nil {
		return nil, *e
	}
	n := 0
	for _, d := range decoded {
		n += len(d)
	}
	out := make([]ApprovedItem, 0, n)
	for _, d := range decoded {
		out = append(out, d...)
	}
	return out, nil
}

// eachApprovedRevision calls fn with the items of each approved revision
// of the campaign's table, in one query.
func (s *Service) eachApprovedRevision(ctx context.Context, c campaign.Campaign, table int, fn func(filingID int64, items string)) error {
	rows, err := s.DB.Query(ctx, `SELECT r.filing_id, r.items FROM filing_revisions r
		JOIN filings f ON f.id = r.filing_id AND r.number = f.approved_revision
		WHERE f.campaign_id = ? AND f.table_no = ? AND f.approved_revision > 0`, c.ID, table)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var items string
		if err := rows.Scan(&id, &items); err != nil {
			return err
		}
		fn(id, items)
	}
	return rows.Err()
}
