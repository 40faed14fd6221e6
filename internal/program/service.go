package program

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
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
// changed, so they bring theirs in line too: with a filing named (and its
// campaign), that filing's rows changed and they patch it in; with only a
// campaign, all its filings did; with neither, anything else did.
// BookingsChanged tells them that slots, rules or venues did, which
// changes what takes bookings but none of the program's rows.
type Peers interface {
	ProgramChanged(campaignID, filingID int64)
	BookingsChanged()
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
	// TermCacheBytes bounds the search results held per word: 0 sizes it
	// from the program (80 bytes an activity, at least 1 MiB), below 0
	// holds none (to measure searches that are found anew).
	TermCacheBytes int
	// SnapshotDir, when set, is where the indexes are saved, so a server
	// started again loads them instead of building them.
	SnapshotDir string

	mu        sync.Mutex
	scopes    map[int64][]int64
	roots     map[int64]int64
	indexes   map[int64]*heldIndex
	campaigns map[string]heldCampaign
	switches  map[int64]Switch
	loaded    bool
	// takes holds Takes's answers by activity.
	takes map[int64]heldTake
	// building is held while an index is built or patched, so two never
	// race to swap theirs in.
	building sync.Mutex
	// built, fromSnapshot, patched and rebuilt count what Indexing reports.
	built, fromSnapshot, patched, rebuilt atomic.Int64
	// saving holds the roots whose snapshot is to be written soon; saves
	// counts those being written; after closed none is.
	saving map[int64]bool
	saves  sync.WaitGroup
	closed bool
	// byID reads listed activities by a JSON array of ids, parsed once,
	// each of the columns (SQLite only: PostgreSQL parses on its own
	// side).
	byIDOnce [columnSets]sync.Once
	byID     [columnSets]*db.Stmt
}

// Invalidate forgets what is held in memory after a campaign's switch, a
// booking rule or the stored program changed: rendered answers, bookable
// sets and campaigns at once; the program's indexes are checked against
// the database in the background and rebuilt only if it changed, being
// read meanwhile.
func (s *Service) Invalidate() {
	s.InvalidateLocal()
	if s.Peers != nil {
		s.Peers.ProgramChanged(0, 0)
	}
}

// InvalidateLocal is Invalidate for this process only.
func (s *Service) InvalidateLocal() { s.forget(true) }

// BookingsChanged follows a change to slots, rules or venues: rendered
// answers and bookable sets are dropped here and on the other servers;
// the indexes stay as they are, since no activity changed.
func (s *Service) BookingsChanged() {
	s.forget(false)
	if s.Peers != nil {
		s.Peers.BookingsChanged()
	}
}

// PeerBookingsChanged is what another server's BookingsChanged calls here.
func (s *Service) PeerBookingsChanged() { s.forget(false) }

// PeerChanged is what another server's ProgramChanged calls here. A filing
// named is patched into the indexes held, as the other server did with
// its own, so an approval costs each server the same small copy rather
// than a rebuild of the national program; a campaign named alone drops
// the indexes holding it; anything else, or a patch that fails, marks the
// indexes to be checked against the database.
func (s *Service) PeerChanged(ctx context.Context, campaignID, filingID int64) {
	if campaignID == 0 {
		s.InvalidateLocal()
		return
	}
	if err := s.patch(ctx, campaignID, filingID); err != nil {
		s.Log.Warn("program patch from another server", "campaign", campaignID, "filing", filingID, "err", err)
		s.InvalidateLocal()
		return
	}
	s.forget(false)
}

// IndexCounts says how often the program's indexes were built from the
// database, loaded from a snapshot, patched with a changed filing, and
// rebuilt because the stored program moved under them: rebuilds climbing
// means changes reach this server without saying which filing changed.
type IndexCounts struct{ Built, Loaded, Patched, Rebuilt int64 }

// Indexing returns the counts since the server started.
func (s *Service) Indexing() IndexCounts {
	return IndexCounts{s.built.Load(), s.fromSnapshot.Load(), s.patched.Load(), s.rebuilt.Load()}
}

// forget drops what is held; with recheck, the indexes are marked to be
// checked against the database.
func (s *Service) forget(recheck bool) {
	s.mu.Lock()
	s.campaigns, s.scopes, s.roots, s.takes = nil, nil, nil, nil
	s.switches, s.loaded = nil, false
	for _, h := range s.indexes {
		h.stale = h.stale || recheck
		h.ix.dropBookable()
	}
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

// scopeIDs are the campaign and every public campaign below it, whose
// activities its program lists.
func (s *Service) scopeIDs(ctx context.Context, campaignID int64) ([]int64, error) {
	s.mu.Lock()
	ids, ok := s.scopes[campaignID]
	s.mu.Unlock()
	if ok {
		return ids, nil
	}
	below, err := s.Campaigns.DescendantIDs(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	ids = append([]int64{campaignID}, below...)
	s.mu.Lock()
	if s.scopes == nil {
		s.scopes = map[int64][]int64{}
	}
	s.scopes[campaignID] = ids
	s.mu.Unlock()
	return ids, nil
}

const activityColumns = `a.id, a.campaign_id, c.slug, a.filing_id, a.item_uid, a.table_no, a.position, a.title, a.unit_code, a.unit_name,
	a.district_code, a.district_name, a.province_code, a.province_name, a.city_code, a.city_name, a.host, a.organizer, a.category_code, a.category_name, a.audience_codes, a.audience_names,
	a.mode, a.start_at, a.end_at, a.days, a.sessions, a.address, a.content, a.online_url, a.capacity, a.expected, a.fields, a.updated_at`

// cardColumns are activityColumns with what no card shows left empty —
// host, organizer, address, online link, public fields — and the content
// too unless withContent: a list of cards reads a fraction of the bytes
// and decodes no fields.
func cardColumns(withContent bool) string {
	content := `''`
	if withContent {
		content = `a.content`
	}
	return `a.id, a.campaign_id, c.slug, a.filing_id, a.item_uid, a.table_no, a.position, a.title, a.unit_code, a.unit_name,
	a.district_code, a.district_name, a.province_code, a.province_name, a.city_code, a.city_name, '', '', a.category_code, a.category_name, a.audience_codes, a.audience_names,
	a.mode, a.start_at, a.end_at, a.days, a.sessions, '', ` + content + `, '', a.capacity, a.expected, '', a.updated_at`
}

// columnSet says which of an activity's columns are read.
type columnSet int

const (
	allColumns columnSet = iota
	cardWithContent
	cardOnly
	columnSets
)

// selectFrom is the start of a statement reading cols of listed
// activities.
func (cols columnSet) selectFrom() string {
	list := activityColumns
	if cols != allColumns {
		list = cardColumns(cols == cardWithContent)
	}
	return `SELECT ` + list + ` FROM program_activities a JOIN campaigns c ON c.id = a.campaign_id WHERE `
}

func (s *Service) load(ctx context.Context, where string, args ...any) ([]Activity, error) {
	return s.loadColumns(ctx, allColumns, where, args...)
}

func (s *Service) loadColumns(ctx context.Context, cols columnSet, where string, args ...any) ([]Activity, error) {
	rows, err := s.DB.Query(ctx, cols.selectFrom()+where+` ORDER BY a.start_at, a.id`, args...)
	if err != nil {
		return nil, err
	}
	return scanActivities(rows)
}

// loadIDs reads cols of the activities of ids, in program order: on
// SQLite with one statement parsed once, whatever the number of ids.
func (s *Service) loadIDs(ctx context.Context, cols columnSet, ids []int64) ([]Activity, error) {
	if s.DB.Dialect != db.Postgres {
		s.byIDOnce[cols].Do(func() {
			s.byID[cols], _ = s.DB.Prepare(context.WithoutCancel(ctx), cols.selectFrom()+`a.id IN (SELECT value FROM json_each(?)) ORDER BY a.start_at, a.id`)
		})
	}
	stmt := s.byID[cols]
	if stmt == nil {
		in, args := db.In("a.id", ids)
		return s.loadColumns(ctx, cols, in, args...)
	}
	list := make([]byte, 0, 12*len(ids)+2)
	list = append(list, '[')
	for i, id := range ids {
		if i > 0 {
			list = append(list, ',')
		}
		list = strconv.AppendInt(list, id, 10)
	}
	rows, err := stmt.Query(ctx, string(append(list, ']')))
	if err != nil {
		return nil, err
	}
	return scanActivities(rows)
}

func scanActivities(rows *sql.Rows) ([]Activity, error) {
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
		if fields != "" { // not read
			json.Unmarshal([]byte(fields), &a.Fields)
		}
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
	for chunk := range slices.Chunk(as, 5000) {
		ids := make([]int64, len(chunk))
		for i, a := range chunk {
			ids[i] = a.ID
		}
		ok, err := s.Bookings.Bookable(ctx, ids)
		if err != nil {
			return err
		}
		for _, a := range chunk {
			a.Bookable = ok[a.ID]
		}
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
// activities on every page together. The index picks and orders; only the
// page's activities are read in full.
func (s *Service) ListPage(ctx context.Context, c campaign.Campaign, f Filter, page, perPage int) ([]Activity, int, error) {
	_, ids, total, err := s.pageIDs(ctx, c, f, page, perPage)
	if err != nil {
		return nil, 0, err
	}
	out, err := s.byIDs(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// pageIDs picks the ids of a page of List from the index that answered,
// with the number on every page together.
func (s *Service) pageIDs(ctx context.Context, c campaign.Campaign, f Filter, page, perPage int) (*index, []int64, int, error) {
	ix, v, err := s.indexFor(ctx, c)
	if err != nil {
		return nil, nil, 0, err
	}
	from, to := 0, math.MaxInt
	if perPage > 0 {
		from, to = max(0, (page-1)*perPage), max(0, page*perPage)
	}
	rows, total, err := s.rows(ctx, ix, v, f, from, to)
	if err != nil {
		return nil, nil, 0, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = ix.id[r]
	}
	return ix, ids, total, nil
}

// Cards is ListPage for the pages that show each activity as a card: only
// what a card shows is read (no host, organizer, address, online link or
// public fields, and the content only with a query, for its snippet), and
// whether each takes bookings comes from the set the bookable filter
// reads, held as long as a rendered page, rather than from a question to
// booking.
func (s *Service) Cards(ctx context.Context, c campaign.Campaign, f Filter, page, perPage int) ([]Activity, int, error) {
	ix, ids, total, err := s.pageIDs(ctx, c, f, page, perPage)
	if err != nil {
		return nil, 0, err
	}
	cols := cardOnly
	if len(f.Terms()) > 0 {
		cols = cardWithContent
	}
	out, err := s.read(ctx, cols, ids)
	if err != nil {
		return nil, 0, err
	}
	if s.Bookings == nil {
		return out, total, nil
	}
	bookable, err := s.bookableRows(ctx, ix)
	if err != nil {
		return nil, 0, err
	}
	for i := range out {
		if r := ix.rowOf(out[i].ID); r >= 0 {
			out[i].Bookable = bookable.has(int(r))
		}
	}
	return out, total, nil
}

// Each calls fn with each activity that passes the filter, in List's
// order, reading them from the database a batch at a time so that the
// whole program is never in memory at once.
func (s *Service) Each(ctx context.Context, c campaign.Campaign, f Filter, fn func(Activity) error) error {
	ix, v, err := s.indexFor(ctx, c)
	if err != nil {
		return err
	}
	rows, _, err := s.rows(ctx, ix, v, f, 0, math.MaxInt)
	if err != nil {
		return err
	}
	for chunk := range slices.Chunk(rows, 500) {
		ids := make([]int64, len(chunk))
		for i, r := range chunk {
			ids[i] = ix.id[r]
		}
		as, err := s.byIDs(ctx, ids)
		if err != nil {
			return err
		}
		for _, a := range as {
			if err := fn(a); err != nil {
				return err
			}
		}
	}
	return nil
}

// Entry is an activity as a sitemap names it.
type Entry struct {
	ID       int64
	UnitCode string
	Changed  time.Time
}

// Entries lists the activities the campaign itself publishes (not those of
// the campaigns below it, which list their own), from the index.
func (s *Service) Entries(ctx context.Context, c campaign.Campaign) ([]Entry, error) {
	ix, _, err := s.indexFor(ctx, c)
	if err != nil {
		return nil, err
	}
	own := ix.campaigns.find(itoa64(c.ID))
	var out []Entry
	for r := range ix.len() {
		if ix.campaign[r] == own {
			out = append(out, Entry{ID: ix.id[r], UnitCode: ix.units.codes[ix.unit[r]], Changed: time.Unix(ix.changed[r], 0).In(clock.Zone)})
		}
	}
	return out, nil
}

// byIDs reads activities in full, in the order of ids, with whether each
// is bookable.
func (s *Service) byIDs(ctx context.Context, ids []int64) ([]Activity, error) {
	kept, err := s.read(ctx, allColumns, ids)
	if err != nil {
		return nil, err
	}
	ptrs := make([]*Activity, len(kept))
	for i := range kept {
		ptrs[i] = &kept[i]
	}
	return kept, s.markBookable(ctx, ptrs)
}

// read reads cols of activities, in the order of ids; those gone from the
// database since the index was built are left out.
func (s *Service) read(ctx context.Context, cols columnSet, ids []int64) ([]Activity, error) {
	at := make(map[int64]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	out := make([]Activity, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		as, err := s.loadIDs(ctx, cols, chunk)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			out[at[a.ID]] = a
		}
	}
	kept := out[:0]
	for _, a := range out {
		if a.ID != 0 {
			kept = append(kept, a)
		}
	}
	return kept, nil
}

// Unit is an organisation with activities in the program.
type Unit struct {
	Code, Name, DistrictCode, DistrictName string
	Activities                             int
}

// District is a district bureau with activities in the program, or a
// province or a city in a parent's program.
type District struct {
	Code, Name string
	// Parent is the code of the place above: a city's province, a
	// district's city; empty when there is none.
	Parent     string
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
	_, v, err := s.indexFor(ctx, c)
	if err != nil {
		return Overview{}, err
	}
	return v.overview, nil
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
