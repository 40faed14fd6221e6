package program

import (
	"context"
	"encoding/json"
	"log/slog"
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

// Bookings is what the program asks of the booking domain: which
// activities take bookings now, and to tell the people who booked when a
// campaign's week moved online (or back on site). Without one, nothing is
// bookable.
type Bookings interface {
	Bookable(ctx context.Context, ids []int64) (map[int64]bool, error)
	CampaignMoved(ctx context.Context, c campaign.Campaign, online bool, reason string)
}

// Peers tells the other servers sharing the database that the program
// changed, so they empty their caches too.
type Peers interface {
	ProgramChanged()
}

// Service reads the public program and keeps it in line with the approved
// filings.
type Service struct {
	DB        *db.DB
	Accounts  *account.Service
	Campaigns *campaign.Service
	Filings   *filing.Service
	Audit     *audit.Log
	Clock     clock.Clock
	Log       *slog.Logger
	Bookings  Bookings
	// Peers, when set, is told of every invalidation.
	Peers Peers
	// Cache holds rendered answers; Invalidate empties it.
	Cache *Cache

	mu        sync.Mutex
	scopes    map[int64][]int64
	snapshots map[int64][]Activity
	overviews map[int64]Overview
	campaigns map[string]heldCampaign
	switches  map[int64]Switch
	loaded    bool
	// takes holds Takes's answers by activity.
	takes map[int64]heldTake
}

// Invalidate forgets every activity list and rendered answer held in
// memory, after a filing, a campaign's switch or a booking state changed.
func (s *Service) Invalidate() {
	s.InvalidateLocal()
	if s.Peers != nil {
		s.Peers.ProgramChanged()
	}
}

// InvalidateLocal is Invalidate for this process only: what another
// server's Broadcast calls.
func (s *Service) InvalidateLocal() {
	s.mu.Lock()
	s.snapshots, s.overviews, s.campaigns, s.scopes, s.takes = nil, nil, nil, nil, nil
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

// scope is the campaign and every public campaign below it, whose
// activities its program lists, as placeholders and their arguments.
func (s *Service) scope(ctx context.Context, campaignID int64) (string, []any, error) {
	s.mu.Lock()
	ids, ok := s.scopes[campaignID]
	s.mu.Unlock()
	if !ok {
		below, err := s.Campaigns.DescendantIDs(ctx, campaignID)
		if err != nil {
			return "", nil, err
		}
		ids = append([]int64{campaignID}, below...)
		s.mu.Lock()
		if s.scopes == nil {
			s.scopes = map[int64][]int64{}
		}
		s.scopes[campaignID] = ids
		s.mu.Unlock()
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", "), args, nil
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
	in, args, err := s.scope(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	as, err := s.load(ctx, "a.campaign_id IN ("+in+") AND a.listed = TRUE", args...)
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
	a.district_code, a.district_name, a.province_code, a.province_name, a.city_code, a.city_name, a.host, a.organizer, a.category_code, a.category_name, a.audience_codes, a.audience_names,
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
			&a.DistrictCode, &a.DistrictName, &a.ProvinceCode, &a.ProvinceName, &a.CityCode, &a.CityName, &a.Host, &a.Organizer, &a.CategoryCode, &a.CategoryName, &audCodes, &audNames,
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
	if s.Bookings == nil || len(as) == 0 {
		return nil
	}
	ids := make([]int64, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	ok, err := s.Bookings.Bookable(ctx, ids)
	if err != nil {
		return err
	}
	for _, a := range as {
		a.Bookable = ok[a.ID]
	}
	return nil
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
	if s.Bookings != nil && len(picked) > 0 {
		ids := make([]int64, len(picked))
		for i, a := range picked {
			ids[i] = a.ID
		}
		if bookable, err = s.Bookings.Bookable(ctx, ids); err != nil {
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
		in, args, err := s.scope(ctx, campaignID)
		if err != nil {
			return nil, err
		}
		where := []string{"campaign_id IN (" + in + ")", "listed = TRUE"}
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
	// Provinces and Cities count a parent's program by the levels below.
	Provinces []District
	Cities    []District
	PerDay    map[string]int
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
	countLevels(as, &o)
	return o
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
