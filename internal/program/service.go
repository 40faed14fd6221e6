package program

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// Availability says which activities take bookings now. The booking domain
// provides it; without one, nothing is bookable.
type Availability interface {
	Bookable(ctx context.Context, ids []int64) (map[int64]bool, error)
}

// Service reads the public program and keeps it in line with the approved
// filings.
type Service struct {
	DB           *db.DB
	Accounts     *account.Service
	Campaigns    *campaign.Service
	Filings      *filing.Service
	Audit        *audit.Log
	Clock        clock.Clock
	Log          *slog.Logger
	Availability Availability
	// Moved, when set, is told after the organiser moved a campaign's week
	// online (or back on site), so the people who booked can be told.
	Moved func(ctx context.Context, c campaign.Campaign, online bool, reason string)
	// Broadcast, when set, tells the other servers sharing the database to
	// invalidate too.
	Broadcast func()
	// Cache holds rendered answers; Invalidate empties it.
	Cache *Cache

	mu        sync.Mutex
	snapshots map[int64][]Activity
	overviews map[int64]Overview
	campaigns map[string]heldCampaign
	switches  map[int64]Switch
	loaded    bool
}

// Invalidate forgets every activity list and rendered answer held in
// memory, after a filing, a campaign's switch or a booking state changed.
func (s *Service) Invalidate() {
	s.InvalidateLocal()
	if s.Broadcast != nil {
		s.Broadcast()
	}
}

// InvalidateLocal is Invalidate for this process only: what another
// server's Broadcast calls.
func (s *Service) InvalidateLocal() {
	s.mu.Lock()
	s.snapshots, s.overviews, s.campaigns = nil, nil, nil
	s.switches, s.loaded = nil, false
	s.mu.Unlock()
	if s.Cache != nil {
		s.Cache.Clear()
	}
}

// Campaign returns a campaign whose program is public: published or
// archived. Errors: NotFound.
// A campaign is held in memory as long as a cached page, so its edits reach
// the program as soon as they reach the pages.
func (s *Service) Campaign(ctx context.Context, slug string) (campaign.Campaign, error) {
	s.mu.Lock()
	held, ok := s.campaigns[slug]
	s.mu.Unlock()
	if ok && time.Since(held.at) < s.holdFor() {
		return held.c, nil
	}
	c, err := s.Campaigns.Get(account.AsSystem(ctx), slug)
	if err != nil {
		return c, err
	}
	if c.State == campaign.StateDraft {
		return campaign.Campaign{}, errs.NotFoundf("campaign %s is a draft", slug)
	}
	s.mu.Lock()
	if s.campaigns == nil {
		s.campaigns = map[string]heldCampaign{}
	}
	s.campaigns[slug] = heldCampaign{c, time.Now()}
	s.mu.Unlock()
	return c, nil
}

type heldCampaign struct {
	c  campaign.Campaign
	at time.Time
}

func (s *Service) holdFor() time.Duration {
	if s.Cache != nil {
		return s.Cache.TTL
	}
	return 0
}

// all returns the listed activities of a campaign in program order (start,
// then id), from memory when it can.
func (s *Service) all(ctx context.Context, campaignID int64) ([]Activity, error) {
	s.mu.Lock()
	if as, ok := s.snapshots[campaignID]; ok {
		s.mu.Unlock()
		return as, nil
	}
	s.mu.Unlock()
	as, err := s.load(ctx, "a.campaign_id = ? AND a.listed = TRUE", campaignID)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.snapshots == nil {
		s.snapshots = map[int64][]Activity{}
	}
	s.snapshots[campaignID] = as
	s.mu.Unlock()
	return as, nil
}

const activityColumns = `a.id, a.campaign_id, c.slug, a.filing_id, a.item_uid, a.table_no, a.position, a.title, a.unit_code, a.unit_name,
	a.district_code, a.district_name, a.host, a.organizer, a.category_code, a.category_name, a.audience_codes, a.audience_names,
	a.mode, a.start_at, a.end_at, a.days, a.sessions, a.address, a.content, a.online_url, a.capacity, a.expected, a.fields, a.updated_at`

func (s *Service) load(ctx context.Context, where string, args ...any) ([]Activity, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+activityColumns+` FROM program_activities a JOIN campaigns c ON c.id = a.campaign_id
		WHERE `+where+` ORDER BY a.start_at, a.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Activity
	for rows.Next() {
		var a Activity
		var table int
		var audCodes, audNames, mode, days, sessions, fields string
		var start, end, updated db.Time
		if err := rows.Scan(&a.ID, &a.CampaignID, &a.CampaignSlug, &a.FilingID, &a.ItemUID, &table, &a.Position, &a.Title, &a.UnitCode, &a.UnitName,
			&a.DistrictCode, &a.DistrictName, &a.Host, &a.Organizer, &a.CategoryCode, &a.CategoryName, &audCodes, &audNames,
			&mode, &start, &end, &days, &sessions, &a.Address, &a.Content, &a.OnlineURL, &a.Capacity, &a.Expected, &fields, &updated); err != nil {
			return nil, err
		}
		a.Kind = KindProject
		if table == 2 {
			a.Kind = KindOpenDay
		}
		a.Mode = Mode(mode)
		a.AudienceCodes, a.AudienceNames, a.Days = splitList(audCodes), splitList(audNames), splitList(days)
		a.Start, a.End, a.UpdatedAt = start.In(clock.Zone), end.In(clock.Zone), updated.In(clock.Zone)
		json.Unmarshal([]byte(sessions), &a.Sessions)
		for i := range a.Sessions {
			a.Sessions[i].Start, a.Sessions[i].End = a.Sessions[i].Start.In(clock.Zone), a.Sessions[i].End.In(clock.Zone)
		}
		json.Unmarshal([]byte(fields), &a.Fields)
		f := searchFields(&a)
		a.folded = &f
		out = append(out, a)
	}
	return out, rows.Err()
}

// Get returns one listed activity of a public campaign. Errors: NotFound
// (no such id, not approved, withdrawn, or its campaign is a draft).
func (s *Service) Get(ctx context.Context, id int64) (Activity, campaign.Campaign, error) {
	as, err := s.load(ctx, "a.id = ? AND a.listed = TRUE", id)
	if err != nil {
		return Activity{}, campaign.Campaign{}, err
	}
	if len(as) == 0 {
		return Activity{}, campaign.Campaign{}, errNoActivity(id)
	}
	c, err := s.Campaign(ctx, as[0].CampaignSlug)
	if err != nil {
		return Activity{}, campaign.Campaign{}, errNoActivity(id)
	}
	a := as[0]
	if err := s.markBookable(ctx, []*Activity{&a}); err != nil {
		return a, c, err
	}
	return a, c, nil
}

func (s *Service) markBookable(ctx context.Context, as []*Activity) error {
	if s.Availability == nil || len(as) == 0 {
		return nil
	}
	ids := make([]int64, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	ok, err := s.Availability.Bookable(ctx, ids)
	if err != nil {
		return err
	}
	for _, a := range as {
		a.Bookable = ok[a.ID]
	}
	return nil
}

// Filter narrows the program. Zero values do not filter.
type Filter struct {
	Day      string // YYYY-MM-DD
	District string // code of a district bureau
	Category string // code of a focus area
	Audience string // code of an audience
	Mode     Mode   // onsite: can be attended on site; online: can be followed online; both: both ways
	OpenDay  bool   // institutions' open days only
	Bookable bool   // places can be booked now
	Unit     string // code of the organising unit
	Query    string
}

// Terms are the search words of the filter's query.
func (f Filter) Terms() []string { return Terms(f.Query) }

// ParseFilter reads a filter from query parameters. A value that names
// nothing in the campaign is left out and its parameter named in ignored,
// so the page can say the filter was not applied.
func (s *Service) ParseFilter(ctx context.Context, c campaign.Campaign, q url.Values) (f Filter, ignored []string) {
	as, _ := s.all(ctx, c.ID)
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	ignore := func(k string) { ignored = append(ignored, k) }
	if v := get("day"); v != "" {
		ok := false
		for _, d := range c.Days() {
			ok = ok || d.Format("2006-01-02") == v
		}
		if ok {
			f.Day = v
		} else {
			ignore("day")
		}
	}
	if v := get("district"); v != "" {
		ok := false
		for _, a := range as {
			ok = ok || a.DistrictCode == v
		}
		if ok {
			f.District = v
		} else {
			ignore("district")
		}
	}
	if v := get("unit"); v != "" {
		ok := false
		for _, a := range as {
			ok = ok || a.UnitCode == v
		}
		if ok {
			f.Unit = v
		} else {
			ignore("unit")
		}
	}
	for _, term := range []struct {
		key   string
		terms []campaign.Term
		dst   *string
	}{{"category", c.Categories, &f.Category}, {"audience", c.Audiences, &f.Audience}} {
		if v := get(term.key); v != "" {
			for _, t := range term.terms {
				if t.Code == v {
					*term.dst = v
				}
			}
			if *term.dst == "" {
				ignore(term.key)
			}
		}
	}
	if v := get("mode"); v != "" {
		for _, m := range Modes {
			if string(m) == v {
				f.Mode = m
			}
		}
		if f.Mode == "" {
			ignore("mode")
		}
	}
	for _, flag := range []struct {
		key string
		dst *bool
	}{{"open_day", &f.OpenDay}, {"bookable", &f.Bookable}} {
		switch get(flag.key) {
		case "":
		case "true", "1", "on":
			*flag.dst = true
		case "false", "0":
		default:
			ignore(flag.key)
		}
	}
	f.Query = get("q")
	return f, ignored
}

// Values writes the filter back as query parameters, for links.
func (f Filter) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", f.Query)
	set("day", f.Day)
	set("district", f.District)
	set("category", f.Category)
	set("audience", f.Audience)
	set("mode", string(f.Mode))
	set("unit", f.Unit)
	if f.OpenDay {
		v.Set("open_day", "true")
	}
	if f.Bookable {
		v.Set("bookable", "true")
	}
	return v
}

// Empty reports whether the filter lets everything through.
func (f Filter) Empty() bool { return len(f.Values()) == 0 }

func (f Filter) keeps(a *Activity) bool {
	switch {
	case f.Day != "" && !a.OnDay(f.Day),
		f.District != "" && a.DistrictCode != f.District,
		f.Unit != "" && a.UnitCode != f.Unit,
		f.Category != "" && a.CategoryCode != f.Category,
		f.OpenDay && a.Kind != KindOpenDay,
		f.Mode == ModeOnsite && !a.Onsite(),
		f.Mode == ModeOnline && !a.Online(),
		f.Mode == ModeBoth && a.Mode != ModeBoth:
		return false
	}
	if f.Audience != "" {
		found := false
		for _, c := range a.AudienceCodes {
			found = found || c == f.Audience
		}
		if !found {
			return false
		}
	}
	return true
}

// List returns the campaign's activities that pass the filter: ranked by
// how well they match when there is a query, in program order otherwise
// (on a day, by their start that day).
func (s *Service) List(ctx context.Context, c campaign.Campaign, f Filter) ([]Activity, error) {
	out, _, err := s.ListPage(ctx, c, f, 1, 0)
	return out, err
}

// ListPage is one page of List, perPage 0 meaning all, with the number of
// activities on every page together.
func (s *Service) ListPage(ctx context.Context, c campaign.Campaign, f Filter, page, perPage int) ([]Activity, int, error) {
	picked, bookable, err := s.pick(ctx, c, f)
	if err != nil {
		return nil, 0, err
	}
	from, to := 0, len(picked)
	if perPage > 0 {
		from, to = min(len(picked), (page-1)*perPage), min(len(picked), page*perPage)
	}
	// The snapshot is shared: the answer is a copy.
	out := make([]Activity, to-from)
	for i, a := range picked[from:to] {
		out[i] = *a
		out[i].Bookable = bookable[a.ID]
	}
	return out, len(picked), nil
}

// pick filters and orders the snapshot, and says which activities are
// bookable.
func (s *Service) pick(ctx context.Context, c campaign.Campaign, f Filter) ([]*Activity, map[int64]bool, error) {
	as, err := s.all(ctx, c.ID)
	if err != nil {
		return nil, nil, err
	}
	terms := f.Terms()
	var found map[int64]bool
	if len(terms) > 0 {
		if found, err = s.candidates(ctx, c.ID, terms); err != nil {
			return nil, nil, err
		}
	}
	picked := make([]*Activity, 0, len(as))
	for i := range as {
		a := &as[i]
		if (found == nil || found[a.ID]) && f.keeps(a) {
			picked = append(picked, a)
		}
	}
	if f.Day != "" {
		slices.SortStableFunc(picked, func(x, y *Activity) int { return x.StartOn(f.Day).Compare(y.StartOn(f.Day)) })
	}
	picked = Rank(picked, terms)
	bookable := map[int64]bool{}
	if s.Availability != nil && len(picked) > 0 {
		ids := make([]int64, len(picked))
		for i, a := range picked {
			ids[i] = a.ID
		}
		if bookable, err = s.Availability.Bookable(ctx, ids); err != nil {
			return nil, nil, err
		}
	}
	if f.Bookable {
		kept := picked[:0]
		for _, a := range picked {
			if bookable[a.ID] {
				kept = append(kept, a)
			}
		}
		picked = kept
	}
	return picked, bookable, nil
}

// candidates asks the database's text index for the activities that may
// hold every term: on SQLite the trigram index for terms of three
// characters or more and the table of one- and two-character pieces for
// shorter ones; on PostgreSQL LIKE, served by pg_trgm. Rank then decides,
// the same way on both.
func (s *Service) candidates(ctx context.Context, campaignID int64, terms []string) (map[int64]bool, error) {
	if s.DB.Dialect == db.Postgres {
		where := []string{"campaign_id = ?", "listed = TRUE"}
		args := []any{campaignID}
		for _, t := range terms {
			where = append(where, `search_text LIKE ? ESCAPE '\'`)
			args = append(args, likePattern(t))
		}
		return s.ids(ctx, nil, `SELECT id FROM program_activities WHERE `+strings.Join(where, " AND "), args...)
	}
	// SQLite: each index answers on its own and the answers are
	// intersected; the campaign and the listing are the snapshot's.
	var found map[int64]bool
	var err error
	if q := ftsQuery(terms); q != "" {
		if found, err = s.ids(ctx, found, `SELECT rowid FROM program_search WHERE program_search MATCH ?`, q); err != nil {
			return nil, err
		}
	}
	for _, t := range terms {
		if len([]rune(t)) < trigramRunes {
			if found, err = s.ids(ctx, found, `SELECT activity_id FROM program_grams WHERE gram = ?`, t); err != nil {
				return nil, err
			}
		}
	}
	return found, nil
}

// ids runs a query of ids; with within set, it keeps only those in it.
func (s *Service) ids(ctx context.Context, within map[int64]bool, query string, args ...any) (map[int64]bool, error) {
	rows, err := s.DB.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if within == nil || within[id] {
			out[id] = true
		}
	}
	return out, rows.Err()
}

// Unit is an organisation with activities in the program.
type Unit struct {
	Code, Name, DistrictCode, DistrictName string
	Activities                             int
}

// District is a district bureau with activities in the program.
type District struct {
	Code, Name string
	Activities int
}

// Overview counts a campaign's program.
type Overview struct {
	Activities int
	OpenDays   int
	Online     int
	Units      []Unit
	Districts  []District
	PerDay     map[string]int
}

// Overview counts the campaign's activities by day, unit and district.
func (s *Service) Overview(ctx context.Context, c campaign.Campaign) (Overview, error) {
	s.mu.Lock()
	o, ok := s.overviews[c.ID]
	s.mu.Unlock()
	if ok {
		return o, nil
	}
	as, err := s.all(ctx, c.ID)
	if err != nil {
		return Overview{}, err
	}
	o = count(as)
	s.mu.Lock()
	if s.overviews == nil {
		s.overviews = map[int64]Overview{}
	}
	s.overviews[c.ID] = o
	s.mu.Unlock()
	return o, nil
}

func count(as []Activity) Overview {
	o := Overview{Activities: len(as), PerDay: map[string]int{}}
	units, districts := map[string]*Unit{}, map[string]*District{}
	var unitOrder, districtOrder []string
	for _, a := range as {
		if a.Kind == KindOpenDay {
			o.OpenDays++
		}
		if a.Online() {
			o.Online++
		}
		for _, d := range a.Days {
			o.PerDay[d]++
		}
		if units[a.UnitCode] == nil {
			units[a.UnitCode] = &Unit{Code: a.UnitCode, Name: a.UnitName, DistrictCode: a.DistrictCode, DistrictName: a.DistrictName}
			unitOrder = append(unitOrder, a.UnitCode)
		}
		units[a.UnitCode].Activities++
		if a.DistrictCode != "" {
			if districts[a.DistrictCode] == nil {
				districts[a.DistrictCode] = &District{Code: a.DistrictCode, Name: a.DistrictName}
				districtOrder = append(districtOrder, a.DistrictCode)
			}
			districts[a.DistrictCode].Activities++
		}
	}
	for _, k := range unitOrder {
		o.Units = append(o.Units, *units[k])
	}
	for _, k := range districtOrder {
		o.Districts = append(o.Districts, *districts[k])
	}
	sort.SliceStable(o.Units, func(i, j int) bool { return o.Units[i].Code < o.Units[j].Code })
	sort.SliceStable(o.Districts, func(i, j int) bool { return o.Districts[i].Code < o.Districts[j].Code })
	return o
}

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
		if s.Moved != nil {
			s.Moved(ctx, c, true, reason)
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
		if s.Moved != nil {
			s.Moved(ctx, c, false, "")
		}
	}
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// ParseID reads an activity id from a path.
func ParseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, errNoActivity(s)
	}
	return id, nil
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.Clock.Now() }
