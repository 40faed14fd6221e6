package program

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/bits"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// index is the listed program of a campaign chain's top campaign and every
// campaign below it, held as columns of small numbers in program order
// (start, then id), with the folded search text of each activity in one
// byte arena. Lists, counts and searches run over it; only the rows of the
// page being shown are read from the database in full. An index is never
// changed once built: an approval builds a patched copy and swaps it in.
type index struct {
	// scope lists the campaigns whose activities it holds.
	scope map[int64]bool
	// updated is when the last of its activities changed (unix
	// nanoseconds): with their number, what the stored program is checked
	// against.
	updated int64

	id       []int64
	start    []int64 // unix seconds
	filing   []int64
	campaign []int32 // into campaigns
	days     []uint64
	// moreDays holds, by row, the days of index 64 and above.
	moreDays map[int32][]int32
	unit     []int32
	district []int32
	province []int32
	city     []int32
	category []int32
	audience []uint64
	flags    []uint8
	expected []int32
	changed  []int64 // unix seconds
	// A row's sessions are sessStart[sessOff[r]:sessOff[r+1]], with the
	// day of each; only open days with more than one session have any.
	sessOff   []uint32
	sessStart []int64
	sessDay   []int32
	// Row r's five search fields are text[field[5r+k]:field[5r+k+1]].
	text  []byte
	field []uint32
	// chars lists the rows holding each character of text.
	chars *chars
	byID  []idRow

	campaigns, days_, units, districts, provinces, cities, categories, audiences *dict
	// posts lists, for each value of a dictionary, the rows holding it in
	// program order, so a filter reads only the rows of its rarest value.
	posts map[*dict][][]int32
	sets  sets
	// unitDistrict is each unit's district as first seen; cityProvince
	// and districtCity are each city's province and each district's city.
	unitDistrict, cityProvince, districtCity []int32

	mu    sync.Mutex
	views map[string]*view
	terms *termCache
	// bookable is, by row, what booking said takes bookings, at bookableAt.
	bookable   rowSet
	bookableAt time.Time
}

type idRow struct {
	id  int64
	row int32
}

// The bits of flags.
const (
	flagOnline  = 1 << iota // can be followed online
	flagOnsite              // takes place at an address
	flagBoth                // both ways
	flagOpenDay             // an institution's open day
)

func (ix *index) len() int { return len(ix.id) }

// mark sums the index up as Service.mark sums the stored program.
func (ix *index) mark() string { return markOf(int64(ix.len()), ix.updated) }

func markOf(n, updated int64) string { return itoa64(n) + " " + itoa64(updated) }

// dict interns codes, each with the name first seen for it.
type dict struct {
	codes, names []string
	at           map[string]int32
}

func newDict() *dict { return &dict{at: map[string]int32{}} }

func (d *dict) intern(code, name string) int32 {
	if i, ok := d.at[code]; ok {
		return i
	}
	i := int32(len(d.codes))
	d.codes, d.names = append(d.codes, code), append(d.names, name)
	d.at[code] = i
	return i
}

// find is the code's number, -1 when it is not held.
func (d *dict) find(code string) int32 {
	if i, ok := d.at[code]; ok {
		return i
	}
	return -1
}

func (d *dict) clone() *dict {
	c := &dict{codes: slices.Clone(d.codes), names: slices.Clone(d.names), at: make(map[string]int32, len(d.at))}
	for k, v := range d.at {
		c.at[k] = v
	}
	return c
}

// indexRow is one activity as the index reads it from the database.
type indexRow struct {
	id, filing, campaign, start int64
	days                        []string
	sessions                    []Session
	unit, unitName              string
	district, districtName      string
	province, provinceName      string
	city, cityName              string
	category, categoryName      string
	updated                     int64 // unix nanoseconds
	audiences                   []string
	mode                        Mode
	openDay                     bool
	expected                    int
	fields                      [5]string
}

const indexColumns = `id, filing_id, campaign_id, start_at, days, CASE WHEN table_no = 2 THEN sessions ELSE '' END,
	unit_code, unit_name, district_code, district_name, province_code, province_name, city_code, city_name,
	category_code, category_name, audience_codes, mode, table_no, expected, updated_at, title, host, organizer, address, content`

// eachRow reads the listed activities the condition selects, in the order
// the database finds them.
func eachRow(ctx context.Context, d *db.DB, fn func(*indexRow), where string, args ...any) error {
	rows, err := d.Query(ctx, `SELECT `+indexColumns+` FROM program_activities WHERE listed = TRUE AND `+where, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r indexRow
	for rows.Next() {
		r = indexRow{}
		var start, updated db.Time
		var days, sessions, audiences, mode string
		var table int
		var a Activity
		var address string
		if err := rows.Scan(&r.id, &r.filing, &r.campaign, &start, &days, &sessions, &r.unit, &r.unitName, &r.district, &r.districtName,
			&r.province, &r.provinceName, &r.city, &r.cityName, &r.category, &r.categoryName, &audiences, &mode, &table, &r.expected,
			&updated, &a.Title, &a.Host, &a.Organizer, &address, &a.Content); err != nil {
			return err
		}
		a.Address, a.UnitName = address, r.unitName
		r.start, r.updated = start.Unix(), updated.UnixNano()
		r.days, r.audiences, r.mode, r.openDay = splitList(days), splitList(audiences), Mode(mode), table == 2
		if sessions != "" {
			json.Unmarshal([]byte(sessions), &r.sessions)
			if len(r.sessions) < 2 {
				r.sessions = nil
			}
		}
		r.fields = searchFields(&a)
		fn(&r)
	}
	return rows.Err()
}

// readRows is eachRow's rows in a slice, in program order.
func readRows(ctx context.Context, d *db.DB, where string, args ...any) ([]indexRow, error) {
	var out []indexRow
	err := eachRow(ctx, d, func(r *indexRow) { out = append(out, *r) }, where, args...)
	slices.SortFunc(out, func(x, y indexRow) int { return programOrder(x.start, x.id, y.start, y.id) })
	return out, err
}

func programOrder(start1, id1, start2, id2 int64) int {
	if c := cmp.Compare(start1, start2); c != 0 {
		return c
	}
	return cmp.Compare(id1, id2)
}

// buildIndex reads the listed activities of the campaigns into an index.
func buildIndex(ctx context.Context, d *db.DB, scope []int64, termBytes int) (*index, error) {
	// Read in the table's order, which is the fastest, then put in
	// program order by copying the columns row by row.
	b := newBuilder(nil, 0, scope, termBytes)
	in, args := db.In("campaign_id", scope)
	err := eachRow(ctx, d, b.add, in, args...)
	if err != nil {
		return nil, err
	}
	read := b.done()
	order := make([]int32, read.len())
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int { return programOrder(read.start[x], read.id[x], read.start[y], read.id[y]) })
	sorted := newBuilder(read, read.len(), nil, termBytes)
	sorted.ix.text = outsideHeap(sorted.ix, len(read.text))[:0]
	for _, r := range order {
		sorted.copyRow(read, int(r))
	}
	return sorted.done().withChars(), nil
}

// patched is a copy of ix in which the activities of the filing are the
// rows given: what an approval, reopening or return changed.
func (ix *index) patched(filingID int64, rows []indexRow) *index {
	b := newBuilder(ix, ix.len()+len(rows), nil, ix.terms.max)
	size := len(ix.text)
	for i := range rows {
		for _, f := range rows[i].fields {
			size += len(f)
		}
	}
	b.ix.text = outsideHeap(b.ix, size)[:0]
	next := 0
	// moved is the new row of each row, -1 when it is gone.
	moved := make([]int32, ix.len())
	for r := range ix.len() {
		if ix.filing[r] == filingID {
			moved[r] = -1
			continue
		}
		for next < len(rows) && programOrder(rows[next].start, rows[next].id, ix.start[r], ix.id[r]) < 0 {
			b.add(&rows[next])
			next++
		}
		moved[r] = int32(b.ix.len())
		b.copyRow(ix, r)
	}
	for ; next < len(rows); next++ {
		b.add(&rows[next])
	}
	return b.done().withCharsFrom(ix, moved)
}

// builder appends rows to a new index.
type builder struct{ ix *index }

// newBuilder starts an index; from a previous one it keeps its dictionaries
// (copied: the previous one may still be read) and scope.
func newBuilder(from *index, n int, scope []int64, termBytes int) *builder {
	ix := &index{moreDays: map[int32][]int32{}, views: map[string]*view{}, terms: newTermCache(termBytes)}
	if from != nil {
		ix.scope = from.scope
		ix.campaigns, ix.days_, ix.units, ix.districts = from.campaigns.clone(), from.days_.clone(), from.units.clone(), from.districts.clone()
		ix.provinces, ix.cities, ix.categories, ix.audiences = from.provinces.clone(), from.cities.clone(), from.categories.clone(), from.audiences.clone()
		ix.unitDistrict = slices.Clone(from.unitDistrict)
		ix.cityProvince, ix.districtCity = slices.Clone(from.cityProvince), slices.Clone(from.districtCity)
	} else {
		ix.scope = map[int64]bool{}
		for _, id := range scope {
			ix.scope[id] = true
		}
		ix.campaigns, ix.days_, ix.units, ix.districts = newDict(), newDict(), newDict(), newDict()
		ix.provinces, ix.cities, ix.categories, ix.audiences = newDict(), newDict(), newDict(), newDict()
	}
	ix.id, ix.start, ix.filing = make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n)
	ix.campaign, ix.days, ix.unit, ix.district = make([]int32, 0, n), make([]uint64, 0, n), make([]int32, 0, n), make([]int32, 0, n)
	ix.province, ix.city, ix.category, ix.audience = make([]int32, 0, n), make([]int32, 0, n), make([]int32, 0, n), make([]uint64, 0, n)
	ix.flags, ix.expected, ix.changed = make([]uint8, 0, n), make([]int32, 0, n), make([]int64, 0, n)
	ix.sessOff, ix.field = make([]uint32, 1, n+1), make([]uint32, 1, 5*n+1)
	return &builder{ix}
}

func (b *builder) add(r *indexRow) {
	ix := b.ix
	ix.updated = max(ix.updated, r.updated)
	row := int32(len(ix.id))
	ix.id, ix.start, ix.filing = append(ix.id, r.id), append(ix.start, r.start), append(ix.filing, r.filing)
	ix.campaign = append(ix.campaign, ix.campaigns.intern(itoa64(r.campaign), ""))
	var days uint64
	for _, d := range r.days {
		k := ix.days_.intern(d, d)
		if k < 64 {
			days |= 1 << k
		} else {
			ix.moreDays[row] = append(ix.moreDays[row], k)
		}
	}
	ix.days = append(ix.days, days)
	u := ix.units.intern(r.unit, r.unitName)
	ix.unit = append(ix.unit, u)
	d := int32(-1)
	if r.district != "" {
		d = ix.districts.intern(r.district, r.districtName)
	}
	if int(u) == len(ix.unitDistrict) {
		ix.unitDistrict = append(ix.unitDistrict, d)
	}
	ix.district = append(ix.district, d)
	p, c := internSome(ix.provinces, r.province, r.provinceName), internSome(ix.cities, r.city, r.cityName)
	ix.province, ix.city = append(ix.province, p), append(ix.city, c)
	if c >= 0 && int(c) == len(ix.cityProvince) {
		ix.cityProvince = append(ix.cityProvince, p)
	}
	if d >= 0 && int(d) == len(ix.districtCity) {
		ix.districtCity = append(ix.districtCity, c)
	}
	ix.category = append(ix.category, internSome(ix.categories, r.category, r.categoryName))
	var aud uint64
	for _, a := range r.audiences {
		if k := ix.audiences.intern(a, a); k < 64 {
			aud |= 1 << k
		}
	}
	ix.audience = append(ix.audience, aud)
	var fl uint8
	switch r.mode {
	case ModeOnline:
		fl = flagOnline
	case ModeBoth:
		fl = flagOnline | flagOnsite | flagBoth
	default:
		fl = flagOnsite
	}
	if r.openDay {
		fl |= flagOpenDay
	}
	ix.flags, ix.expected = append(ix.flags, fl), append(ix.expected, int32(r.expected))
	ix.changed = append(ix.changed, r.updated/1e9)
	for _, s := range r.sessions {
		day := s.Start.In(clock.Zone).Format("2006-01-02")
		ix.sessStart, ix.sessDay = append(ix.sessStart, s.Start.Unix()), append(ix.sessDay, ix.days_.intern(day, day))
	}
	ix.sessOff = append(ix.sessOff, uint32(len(ix.sessStart)))
	for _, f := range r.fields {
		ix.text = append(ix.text, f...)
		ix.field = append(ix.field, uint32(len(ix.text)))
	}
}

func internSome(d *dict, code, name string) int32 {
	if code == "" {
		return -1
	}
	return d.intern(code, name)
}

// copyRow appends row r of from, whose dictionaries this index extends.
func (b *builder) copyRow(from *index, r int) {
	ix := b.ix
	ix.updated = max(ix.updated, from.updated)
	row := int32(len(ix.id))
	ix.id, ix.start, ix.filing = append(ix.id, from.id[r]), append(ix.start, from.start[r]), append(ix.filing, from.filing[r])
	ix.campaign, ix.days = append(ix.campaign, from.campaign[r]), append(ix.days, from.days[r])
	if more, ok := from.moreDays[int32(r)]; ok {
		ix.moreDays[row] = more
	}
	ix.unit, ix.district = append(ix.unit, from.unit[r]), append(ix.district, from.district[r])
	ix.province, ix.city = append(ix.province, from.province[r]), append(ix.city, from.city[r])
	ix.category, ix.audience = append(ix.category, from.category[r]), append(ix.audience, from.audience[r])
	ix.flags, ix.expected = append(ix.flags, from.flags[r]), append(ix.expected, from.expected[r])
	ix.changed = append(ix.changed, from.changed[r])
	ix.sessStart = append(ix.sessStart, from.sessStart[from.sessOff[r]:from.sessOff[r+1]]...)
	ix.sessDay = append(ix.sessDay, from.sessDay[from.sessOff[r]:from.sessOff[r+1]]...)
	ix.sessOff = append(ix.sessOff, uint32(len(ix.sessStart)))
	base := uint32(len(ix.text)) - from.field[5*r]
	ix.text = append(ix.text, from.text[from.field[5*r]:from.field[5*r+5]]...)
	for k := 1; k <= 5; k++ {
		ix.field = append(ix.field, from.field[5*r+k]+base)
	}
	runtime.KeepAlive(from)
}

func (b *builder) done() *index {
	ix := b.ix
	ix.posts = map[*dict][][]int32{}
	for _, c := range []struct {
		d   *dict
		col []int32
	}{{ix.units, ix.unit}, {ix.districts, ix.district}, {ix.provinces, ix.province}, {ix.cities, ix.city}, {ix.categories, ix.category}} {
		lists := make([][]int32, len(c.d.codes))
		for r, k := range c.col {
			if k >= 0 {
				lists[k] = append(lists[k], int32(r))
			}
		}
		ix.posts[c.d] = lists
	}
	days := make([][]int32, len(ix.days_.codes))
	for r, m := range ix.days {
		for ; m != 0; m &= m - 1 {
			k := bits.TrailingZeros64(m)
			days[k] = append(days[k], int32(r))
		}
		for _, k := range ix.moreDays[int32(r)] {
			days[k] = append(days[k], int32(r))
		}
	}
	ix.posts[ix.days_] = days
	ix.buildSets()
	ix.byID = make([]idRow, len(ix.id))
	for r, id := range ix.id {
		ix.byID[r] = idRow{id, int32(r)}
	}
	slices.SortFunc(ix.byID, func(x, y idRow) int { return cmp.Compare(x.id, y.id) })
	return ix
}

// rowOf is the row of an activity id, -1 when it is not held.
func (ix *index) rowOf(id int64) int32 {
	i, ok := slices.BinarySearchFunc(ix.byID, id, func(x idRow, id int64) int { return cmp.Compare(x.id, id) })
	if !ok {
		return -1
	}
	return ix.byID[i].row
}

func (ix *index) onDay(r int, day int32) bool {
	if day < 64 {
		return ix.days[r]&(1<<day) != 0
	}
	return slices.Contains(ix.moreDays[int32(r)], day)
}

// startOn is when row r starts on a day: its first session that day.
func (ix *index) startOn(r int, day int32) int64 {
	for k := ix.sessOff[r]; k < ix.sessOff[r+1]; k++ {
		if ix.sessDay[k] == day {
			return ix.sessStart[k]
		}
	}
	return ix.start[r]
}

// view is what the index says of one campaign's scope: which of its
// campaigns are in it, its overview, and how many activities each unit,
// district, province and city has there.
type view struct {
	// in and rows are nil when the scope is the whole index.
	in                                          []bool
	rows                                        rowSet
	overview                                    Overview
	units, districts, provinces, cities, perDay []int32
}

func (v *view) holds(ix *index, r int) bool { return v.in == nil || v.in[ix.campaign[r]] }

// viewOf counts the scope of campaign ids (the campaign and those below
// it) once, and holds the answer as long as the index.
func (ix *index) viewOf(campaignID int64, scope []int64) *view {
	// A view is held for the scope it was counted over: a campaign below
	// published, archived or back to draft changes the scope, not the
	// index, and must change the counts.
	key := fmt.Sprint(campaignID, scope)
	ix.mu.Lock()
	v, ok := ix.views[key]
	ix.mu.Unlock()
	if ok {
		return v
	}
	v = &view{}
	if len(scope) != len(ix.scope) {
		v.in = make([]bool, len(ix.campaigns.codes))
		for _, id := range scope {
			if k := ix.campaigns.find(itoa64(id)); k >= 0 {
				v.in[k] = true
			}
		}
		v.rows = newRowSet(ix.len())
	}
	v.units, v.districts = make([]int32, len(ix.units.codes)), make([]int32, len(ix.districts.codes))
	v.provinces, v.cities = make([]int32, len(ix.provinces.codes)), make([]int32, len(ix.cities.codes))
	v.perDay = make([]int32, len(ix.days_.codes))
	o := &v.overview
	for r := range ix.len() {
		if !v.holds(ix, r) {
			continue
		}
		if v.rows != nil {
			v.rows.add(r)
		}
		o.Activities++
		if ix.flags[r]&flagOpenDay != 0 {
			o.OpenDays++
		}
		if ix.flags[r]&flagOnline != 0 {
			o.Online++
		}
		for m := ix.days[r]; m != 0; m &= m - 1 {
			v.perDay[bits.TrailingZeros64(m)]++
		}
		for _, d := range ix.moreDays[int32(r)] {
			v.perDay[d]++
		}
		v.units[ix.unit[r]]++
		for _, c := range []struct {
			k      int32
			counts []int32
		}{{ix.district[r], v.districts}, {ix.province[r], v.provinces}, {ix.city[r], v.cities}} {
			if c.k >= 0 {
				c.counts[c.k]++
			}
		}
	}
	o.PerDay = map[string]int{}
	for k, n := range v.perDay {
		if n > 0 {
			o.PerDay[ix.days_.codes[k]] = int(n)
		}
	}
	for k, n := range v.units {
		if n > 0 {
			u := Unit{Code: ix.units.codes[k], Name: ix.units.names[k], Activities: int(n)}
			if d := ix.unitDistrict[k]; d >= 0 {
				u.DistrictCode, u.DistrictName = ix.districts.codes[d], ix.districts.names[d]
			}
			o.Units = append(o.Units, u)
		}
	}
	o.Districts = counted(ix.districts, v.districts, ix.cities, ix.districtCity)
	o.Provinces, o.Cities = counted(ix.provinces, v.provinces, nil, nil), counted(ix.cities, v.cities, ix.provinces, ix.cityProvince)
	sort.Slice(o.Units, func(i, j int) bool { return o.Units[i].Code < o.Units[j].Code })
	// One province or one city is no choice: its own program says it.
	if len(o.Provinces) < 2 {
		o.Provinces = nil
	}
	if len(o.Cities) < 2 {
		o.Cities = nil
	}
	ix.mu.Lock()
	ix.views[key] = v
	ix.mu.Unlock()
	return v
}

// counted lists the dictionary's entries with activities, by code, each
// with its place in the level above (parents, by entry) when there is one.
func counted(d *dict, counts []int32, above *dict, parents []int32) []District {
	var out []District
	for k, n := range counts {
		if n > 0 {
			e := District{Code: d.codes[k], Name: d.names[k], Activities: int(n)}
			if k < len(parents) && parents[k] >= 0 {
				e.Parent = above.codes[parents[k]]
			}
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// has reports whether the scope has an activity with the code.
func (v *view) has(d *dict, counts []int32, code string) bool {
	k := d.find(code)
	return k >= 0 && counts[k] > 0
}
