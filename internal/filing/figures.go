package filing

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// Figures are what the statistics count of the approved items of table 1
// of one organisation's filing, with the code of the organisation.
type Figures struct {
	OrgCode string
	Groups  []FigureGroup
}

// FigureGroup is how many approved activities of a filing share a focus
// area, a form and a day, and the participants they expect in all.
type FigureGroup struct {
	Category, Mode string
	// Day is the month and day the activities start ("01-02"), empty when
	// their start cannot be read.
	Day                  string
	Activities, Expected int
}

// participants reads a number of people such as 600, 1,200 or 600人; 0
// when there is none.
func participants(s string) int {
	s = strings.TrimRight(strings.TrimSpace(s), "人次")
	n, _ := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	return n
}

// ApprovedFigures returns the figures of the approved revision of each
// filing of table 1 of c that the caller may see (see ApprovedItems). A
// revision's figures are counted from its items once and stored
// (filing_figures), and kept in memory by this server too, so that after
// a change only the filings changed are read again. The list is kept
// until a filing of c or an organisation changes (see Fingerprint); the
// caller must not change it. Errors: Unauthenticated, Forbidden.
func (s *Service) ApprovedFigures(ctx context.Context, c campaign.Campaign) ([]Figures, error) {
	path, key, err := s.figuresKey(ctx, c)
	if err != nil {
		return nil, err
	}
	if v, ok := s.figures.Get(key); ok {
		return v, nil
	}
	v, err := s.approvedFigures(ctx, c, path)
	if err == nil {
		s.figures.Put(key, v)
	}
	return v, err
}

// figuresKey is the path of the organisations whose figures the caller
// may see, and the key of those figures of c as they are now.
func (s *Service) figuresKey(ctx context.Context, c campaign.Campaign) (path, key string, err error) {
	p, err := lister(ctx)
	if err != nil {
		return "", "", err
	}
	path = "%"
	if p != nil {
		path = p.Org.Path + "%"
	}
	print, err := s.Fingerprint(ctx, c)
	return path, print + " " + path, err
}

// keptRevisions are the figures of the approved revisions this server has
// read, by filing. A revision never changes once written, so they stay
// true for as long as it is the filing's approved one.
type keptRevisions struct {
	mu sync.Mutex
	by map[int64]keptRevision
}

type keptRevision struct {
	number int
	groups []FigureGroup
}

func (s *Service) approvedFigures(ctx context.Context, c campaign.Campaign, path string) ([]Figures, error) {
	type approved struct {
		filing int64
		number int
		code   string
	}
	rows, err := s.DB.Query(ctx, `SELECT f.id, f.approved_revision, o.code FROM filings f JOIN organisations o ON o.id = f.org_id
		WHERE f.campaign_id = ? AND f.table_no = 1 AND f.approved_revision > 0 AND o.path LIKE ?`, c.ID, path)
	if err != nil {
		return nil, err
	}
	var list []approved
	for rows.Next() {
		var a approved
		if err := rows.Scan(&a.filing, &a.number, &a.code); err != nil {
			rows.Close()
			return nil, err
		}
		list = append(list, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Figures, len(list))
	missing := map[int64]int{}
	s.revisions.mu.Lock()
	for i, a := range list {
		if k, ok := s.revisions.by[a.filing]; ok && k.number == a.number {
			out[i] = Figures{OrgCode: a.code, Groups: k.groups}
		} else {
			missing[a.filing] = a.number
		}
	}
	s.revisions.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	read, err := s.revisionFigures(ctx, missing)
	if err != nil {
		return nil, err
	}
	for i, a := range list {
		if g, ok := read[a.filing]; ok && missing[a.filing] == a.number {
			out[i] = Figures{OrgCode: a.code, Groups: g}
		}
	}
	return out, nil
}

// revisionFigures returns the figures of the given revision of each filing
// (by filing id): stored ones as stored, the others counted from their
// items and stored. All of them are kept in memory.
func (s *Service) revisionFigures(ctx context.Context, want map[int64]int) (map[int64][]FigureGroup, error) {
	ids := make([]int64, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	// The same few categories, modes and days recur in every revision:
	// each is held once.
	seen := map[string]string{}
	one := func(v string) string {
		if u, ok := seen[v]; ok {
			return u
		}
		seen[v] = v
		return v
	}
	got := map[int64][]FigureGroup{}
	var stale []int64 // filings with the figures of an earlier revision stored
	for chunk := range slices.Chunk(ids, 1000) {
		in, args := db.In("filing_id", chunk)
		rows, err := s.DB.Query(ctx, `SELECT filing_id, revision, category, mode, day, activities, expected FROM filing_figures WHERE `+in, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var number int
			var g FigureGroup
			if err := rows.Scan(&id, &number, &g.Category, &g.Mode, &g.Day, &g.Activities, &g.Expected); err != nil {
				rows.Close()
				return nil, err
			}
			if number != want[id] {
				if number < want[id] {
					stale = append(stale, id)
				}
				continue
			}
			groups := got[id]
			if g.Activities > 0 {
				groups = append(groups, FigureGroup{Category: one(g.Category), Mode: one(g.Mode), Day: one(g.Day), Activities: g.Activities, Expected: g.Expected})
			}
			got[id] = groups
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		var uncounted []int64
		for _, id := range chunk {
			if _, ok := got[id]; !ok {
				uncounted = append(uncounted, id)
			}
		}
		if err := s.countRevisions(ctx, uncounted, want, got, one); err != nil {
			return nil, err
		}
	}
	if len(stale) > 0 {
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			for _, id := range slices.Compact(stale) {
				if _, err := tx.Exec(ctx, `DELETE FROM filing_figures WHERE filing_id = ? AND revision < ?`, id, want[id]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	s.revisions.mu.Lock()
	if s.revisions.by == nil {
		s.revisions.by = map[int64]keptRevision{}
	}
	for id, g := range got {
		s.revisions.by[id] = keptRevision{number: want[id], groups: g}
	}
	s.revisions.mu.Unlock()
	return got, nil
}

// countRevisions counts the figures of the wanted revision of each filing
// of ids from its items, adds them to got and stores them, with a row of
// no activities for a revision without items.
func (s *Service) countRevisions(ctx context.Context, ids []int64, want map[int64]int, got map[int64][]FigureGroup, one func(string) string) error {
	if len(ids) == 0 {
		return nil
	}
	in, args := db.In("f.id", ids)
	rows, err := s.DB.Query(ctx, `SELECT r.filing_id, r.number, r.items FROM filing_revisions r
		JOIN filings f ON f.id = r.filing_id AND r.number = f.approved_revision WHERE `+in, args...)
	if err != nil {
		return err
	}
	type values struct {
		Values struct {
			Category string `json:"category"`
			Mode     string `json:"mode"`
			Start    string `json:"start"`
			Expected string `json:"expected"`
		} `json:"values"`
	}
	var counted []int64
	for rows.Next() {
		var id int64
		var number int
		var data string
		if err := rows.Scan(&id, &number, &data); err != nil {
			rows.Close()
			return err
		}
		if number != want[id] {
			continue
		}
		var items []values
		if err := json.Unmarshal([]byte(data), &items); err != nil {
			rows.Close()
			return err
		}
		groups := []FigureGroup{}
		for _, it := range items {
			v := it.Values
			groups = addActivity(groups, one, v.Category, v.Mode, v.Start, v.Expected)
		}
		got[id] = groups
		counted = append(counted, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return s.storeFigures(ctx, counted, want, got)
}

// addActivity counts one activity into the groups of a revision.
func addActivity(groups []FigureGroup, one func(string) string, category, mode, start, expected string) []FigureGroup {
	g := FigureGroup{Category: one(category), Mode: one(mode), Activities: 1, Expected: participants(expected)}
	if t, err := time.ParseInLocation("2006-01-02 15:04", start, clock.Zone); err == nil {
		g.Day = one(t.Format("01-02"))
	}
	i := slices.IndexFunc(groups, func(h FigureGroup) bool { return h.Category == g.Category && h.Mode == g.Mode && h.Day == g.Day })
	if i < 0 {
		return append(groups, g)
	}
	groups[i].Activities++
	groups[i].Expected += g.Expected
	return groups
}

// CountFigures groups the items of a revision of table 1 as
// filing_figures stores them: what a bulk loader writes beside the
// revision, so that the statistics need not count it on first reading.
// No items is one group of no activities.
func CountFigures(items []Item) []FigureGroup {
	var groups []FigureGroup
	same := func(v string) string { return v }
	for _, it := range items {
		v := it.Values
		groups = addActivity(groups, same, v[KeyCategory], v[KeyMode], v[KeyStart], v[KeyExpected])
	}
	if len(groups) == 0 {
		return []FigureGroup{{}}
	}
	return groups
}

// storeFigures writes the figures of the given revisions, a few hundred
// rows a statement; a revision another server stored first is left as it
// is (the same figures).
func (s *Service) storeFigures(ctx context.Context, ids []int64, want map[int64]int, got map[int64][]FigureGroup) error {
	var vals []any
	for _, id := range ids {
		groups := got[id]
		if len(groups) == 0 {
			groups = []FigureGroup{{}}
		}
		for _, g := range groups {
			vals = append(vals, id, want[id], g.Category, g.Mode, g.Day, g.Activities, g.Expected)
		}
	}
	const columns = 7
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		for chunk := range slices.Chunk(vals, 500*columns) {
			if _, err := tx.Exec(ctx, `INSERT INTO filing_figures (filing_id, revision, category, mode, day, activities, expected)
				VALUES `+db.Rows(len(chunk)/columns, columns)+` ON CONFLICT DO NOTHING`, chunk...); err != nil {
				return err
			}
		}
		return nil
	})
}

// Timeliness counts the filings of c that the caller may see and that
// were ever submitted: on time and late against each organisation's
// deadline (see Deadlines). Errors: Unauthenticated, Forbidden.
func (s *Service) Timeliness(ctx context.Context, c campaign.Campaign) (onTime, late int, err error) {
	path, key, err := s.figuresKey(ctx, c)
	if err != nil {
		return 0, 0, err
	}
	extended, err := s.extensions(ctx, c)
	if err != nil {
		return 0, 0, err
	}
	key += fmt.Sprint(c.FilingDeadline.Unix(), extended)
	if v, ok := s.timeliness.Get(key); ok {
		return v[0], v[1], nil
	}
	onTime, late, err = s.timely(ctx, c, path, deadlines(c, extended))
	if err == nil {
		s.timeliness.Put(key, [2]int{onTime, late})
	}
	return onTime, late, err
}

func (s *Service) timely(ctx context.Context, c campaign.Campaign, path string, deadline func(int64) time.Time) (onTime, late int, err error) {
	rows, err := s.DB.Query(ctx, `SELECT f.org_id, f.submitted_at FROM filings f JOIN organisations o ON o.id = f.org_id
		WHERE f.campaign_id = ? AND f.revision > 0 AND o.path LIKE ?`, c.ID, path)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var org int64
		var at db.Time
		if err := rows.Scan(&org, &at); err != nil {
			return 0, 0, err
		}
		if at.Time.After(deadline(org)) {
			late++
		} else {
			onTime++
		}
	}
	return onTime, late, rows.Err()
}
