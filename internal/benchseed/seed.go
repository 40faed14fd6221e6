// Package benchseed builds a national data set for capacity planning, as
// `pgbench -i` does for PostgreSQL: an organisation tree national → 31
// provinces → cities → districts → units, the campaign chain over it
// (national → one per province → one per city; or, flat, one national
// campaign), and approved activities of realistic variety filed in their
// city's campaign, with the program's rows and search index written as
// the program itself writes them. It writes with bulk paths: multi-row
// inserts of prepared statements in large transactions, made beside the
// writer, with the indexes made after the load.
package benchseed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/app"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/demo"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/program"
)

// Options say what to build.
type Options struct {
	Activities, Units int
	// Start is the first day of the campaign's week; zero is three weeks
	// from now.
	Start time.Time
	// Flat builds one national campaign over the whole tree instead of
	// the chain, so one organiser's board, statistics and export hold
	// every unit and activity.
	Flat bool
	// Progress, when set, is told what is done.
	Progress func(format string, args ...any)
}

// Result says what was built.
type Result struct {
	Campaign                            string
	Provinces, Cities, Districts, Units int
	Filings, Activities                 int
	Took                                time.Duration
}

// Slug is the national campaign's.
const Slug = "national"

// activitiesPerTx is how many activities one transaction writes.
const activitiesPerTx = 25000

// Seed builds the data set into the app's database, which must hold no
// organisation yet.
func Seed(ctx context.Context, a *app.App, o Options) (Result, error) {
	started := time.Now()
	res := Result{Campaign: Slug}
	if o.Activities < 0 || o.Units < 1 {
		return res, errors.New("need at least one unit and no negative number of activities")
	}
	progress := o.Progress
	if progress == nil {
		progress = func(string, ...any) {}
	}
	sys := account.AsSystem(ctx)
	var n int
	if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM organisations`).Scan(&n); err != nil {
		return res, err
	}
	if n > 0 {
		return res, errors.New("the database already holds organisations: seed an empty one")
	}
	if a.DB.Dialect == db.SQLite {
		// The load is repeatable: a crash during it means seeding again.
		if _, err := a.DB.Exec(ctx, `PRAGMA synchronous = OFF`); err != nil {
			return res, err
		}
		defer a.DB.Exec(context.WithoutCancel(ctx), `PRAGMA synchronous = NORMAL`)
	}
	root, err := a.Accounts.CreateOrg(sys, account.OrgInput{Code: "cn", Name: "中华人民共和国科学技术部", NameEn: "Ministry of Science and Technology", Kind: account.KindBureau})
	if err != nil {
		return res, err
	}
	w := &writer{d: a.DB, ctx: ctx, now: db.At(time.Now())}
	if err := w.ids(); err != nil {
		return res, err
	}
	tree, err := w.tree(root, o.Units)
	if err != nil {
		return res, err
	}
	res.Provinces, res.Cities, res.Districts, res.Units = len(tree.provinces), len(tree.cities), tree.districts, len(tree.units)
	progress("organisations: %d provinces, %d cities, %d districts, %d units in %s", res.Provinces, res.Cities, res.Districts, res.Units, time.Since(started).Round(time.Millisecond))
	chain, err := campaigns(sys, a, root, tree, o.Start, o.Flat)
	if err != nil {
		return res, err
	}
	if o.Flat {
		for i := range tree.units {
			u := &tree.units[i]
			u.district, u.province, u.town = tree.provinces[tree.cities[u.city].province].Level, program.Level{}, program.Level{}
		}
		progress("campaigns: 1 national in %s", time.Since(started).Round(time.Millisecond))
	} else {
		progress("campaigns: 1 national, %d provincial, %d city in %s", len(tree.provinces), len(chain)-1, time.Since(started).Round(time.Millisecond))
	}
	g := &generator{c: chain[0].c, days: chain[0].c.Days(), now: w.now}
	chain = chain[1:]
	if err := w.dropIndexes(); err != nil {
		return res, err
	}
	// The rows are made in a goroutine of their own while the writer
	// writes the ones made before.
	g.filingID, g.activityID = w.filingID, w.activityID
	made := make(chan *rows, 4)
	stop := make(chan struct{})
	defer close(stop)
	go g.units(tree.units, chain, o.Activities, made, stop)
	if err := w.begin(); err != nil {
		return res, err
	}
	defer w.rollback()
	inTx := 0
	for r := range made {
		if err := w.addRows(r); err != nil {
			return res, err
		}
		res.Filings += r.filings
		res.Activities += r.activities
		inTx += r.items
		if inTx >= activitiesPerTx {
			if err := w.commit(); err != nil {
				return res, err
			}
			progress("activities: %d in %s", res.Activities, time.Since(started).Round(time.Millisecond))
			if err := w.begin(); err != nil {
				return res, err
			}
			inTx = 0
		}
	}
	if err := w.commit(); err != nil {
		return res, err
	}
	progress("activities: %d in %s; indexing", res.Activities, time.Since(started).Round(time.Millisecond))
	if err := w.finish(); err != nil {
		return res, err
	}
	a.Program.Invalidate()
	res.Took = time.Since(started)
	return res, nil
}

// unit is a unit with the levels above it.
type unit struct {
	id                       int64
	code, name               string
	cityName                 string // the city's own name, as addresses write it
	city                     int    // index of the city in the tree
	district, province, town program.Level
}

// level is a province's or a city's bureau.
type level struct {
	program.Level
	province int // a city's province, by index
}

type tree struct {
	provinces, cities []level
	districts         int
	units             []unit
}

// districtsPerCity spreads the units over a few districts of each city.
const districtsPerCity = 3

// tree writes the organisations below the root and returns the units.
func (w *writer) tree(root account.Organisation, units int) (tree, error) {
	var t tree
	if err := w.begin(); err != nil {
		return t, err
	}
	defer w.rollback()
	type district struct {
		id       int64
		path     string
		level    program.Level
		cityName string
		city     int
	}
	var ds []district
	for _, p := range provinces {
		pid := w.nextOrg()
		ppath := root.Path + strconv.FormatInt(pid, 10) + "/"
		if err := w.org(pid, root.ID, "p-"+p.code, p.name, "bureau", ppath, 1); err != nil {
			return t, err
		}
		t.provinces = append(t.provinces, level{program.Level{Code: "p-" + p.code, Name: p.name}, len(t.provinces)})
		for ci, city := range p.cities {
			cid := w.nextOrg()
			cpath := ppath + strconv.FormatInt(cid, 10) + "/"
			cname := city + "市"
			if strings.HasPrefix(p.name, city) {
				cname = city + "市市辖区"
			}
			code := fmt.Sprintf("p-%s-c%d", p.code, ci)
			if err := w.org(cid, pid, code, cname+"科学技术局", "bureau", cpath, 2); err != nil {
				return t, err
			}
			t.cities = append(t.cities, level{program.Level{Code: code, Name: cname + "科学技术局"}, len(t.provinces) - 1})
			for di := range districtsPerCity {
				did := w.nextOrg()
				root := districtRoots[(ci*districtsPerCity+di+len(p.code))%len(districtRoots)]
				name := city + "市" + root + "区"
				code := fmt.Sprintf("p-%s-c%d-d%d", p.code, ci, di)
				if err := w.org(did, cid, code, name+"科学技术局", "bureau", cpath+strconv.FormatInt(did, 10)+"/", 3); err != nil {
					return t, err
				}
				t.districts++
				ds = append(ds, district{did, cpath + strconv.FormatInt(did, 10) + "/", program.Level{Code: code, Name: name + "科学技术局"}, city, len(t.cities) - 1})
			}
		}
	}
	realUnit := false
	for k := range units {
		d := ds[k%len(ds)]
		kind := unitKinds[(k/len(ds))%len(unitKinds)]
		name := strings.TrimSuffix(d.level.Name, "科学技术局") + kind
		if round := k / (len(ds) * len(unitKinds)); round > 0 {
			name += fmt.Sprintf("第%d分部", round+1)
		}
		code := fmt.Sprintf("u%06d", k+1)
		if d.cityName == "泉州" && !realUnit {
			realUnit = true
			// A real unit, so "search finds its activities first" can be
			// checked at any size.
			code, name = "hqu", "华侨大学"
		}
		id := w.nextOrg()
		c := t.cities[d.city]
		u := unit{id: id, code: code, name: name, cityName: d.cityName, city: d.city, district: d.level, province: t.provinces[c.province].Level, town: c.Level}
		if err := w.org(id, d.id, u.code, u.name, "unit", d.path+strconv.FormatInt(id, 10)+"/", 4); err != nil {
			return t, err
		}
		t.units = append(t.units, u)
	}
	if err := w.flushAll(); err != nil {
		return t, err
	}
	return t, w.commit()
}

// cityCampaign is a city's campaign with its two tables' forms.
type cityCampaign struct {
	c   campaign.Campaign
	tpl [3]filing.Template
}

// campaigns makes the chain, published: the national campaign of the
// root, one per province on it and one per city on its province's, each
// level's deadlines a day before the level above's (with flat, the
// national campaign alone). It returns the city
// campaigns by the tree's index of cities, the national one first.
func campaigns(ctx context.Context, a *app.App, root account.Organisation, t tree, start time.Time, flat bool) ([]cityCampaign, error) {
	if start.IsZero() {
		now := time.Now().In(clock.Zone)
		start = time.Date(now.Year(), now.Month(), now.Day()+21, 0, 0, 0, 0, clock.Zone)
	}
	day := func(t time.Time) string { return t.Format("2006-01-02") }
	in := func(owner, slug, title string, depth int) campaign.Input {
		return campaign.Input{OwnerCode: owner, Slug: slug, Title: fmt.Sprintf("%d年%s科技活动周", start.Year(), title),
			Theme: "科技创新 共享未来", Start: day(start), End: day(start.AddDate(0, 0, 6)), FilingDeadline: day(start.AddDate(0, 0, -14-depth)),
			SummaryDeadline: day(start.AddDate(0, 0, 20-depth)), ContactName: title + "科技活动周组委会办公室", ContactPhone: "010-58881234",
			Mode: string(campaign.ModeBoth), NoticeMD: title + "科技活动周容量规划数据集。", Categories: demo.Categories, Audiences: campaign.DefaultAudiences,
			VideoMaxSeconds: "180", PhotoMinKB: "1024", PhotoMaxKB: "2048"}
	}
	publish := func(parent string, in campaign.Input) (campaign.Campaign, error) {
		var err error
		if parent == "" {
			_, err = a.Campaigns.Create(ctx, in)
		} else {
			_, err = a.Campaigns.CreateChild(ctx, parent, in)
		}
		if err != nil {
			return campaign.Campaign{}, fmt.Errorf("campaign %s: %w", in.Slug, err)
		}
		if err := a.Campaigns.SetState(ctx, in.Slug, campaign.StatePublished); err != nil {
			return campaign.Campaign{}, err
		}
		return a.Campaigns.Get(ctx, in.Slug)
	}
	national, err := publish("", in(root.Code, Slug, "全国", 0))
	if err != nil {
		return nil, err
	}
	chain := []cityCampaign{{c: national}}
	if flat {
		// One campaign over the whole tree: every city files in it, and
		// the provinces are its districts.
		for _, table := range []int{1, 2} {
			if chain[0].tpl[table], _, err = a.Filings.Template(ctx, national, table); err != nil {
				return nil, err
			}
		}
		for range t.cities {
			chain = append(chain, chain[0])
		}
		return chain, nil
	}
	slugOf := func(code string) string { return Slug + "-" + strings.TrimPrefix(code, "p-") }
	for _, p := range t.provinces {
		if _, err := publish(Slug, in(p.Code, slugOf(p.Code), p.Name, 1)); err != nil {
			return nil, err
		}
	}
	for _, city := range t.cities {
		c, err := publish(slugOf(t.provinces[city.province].Code), in(city.Code, slugOf(city.Code), strings.TrimSuffix(city.Name, "科学技术局"), 2))
		if err != nil {
			return nil, err
		}
		cc := cityCampaign{c: c}
		for _, table := range []int{1, 2} {
			if cc.tpl[table], _, err = a.Filings.Template(ctx, c, table); err != nil {
				return nil, err
			}
		}
		chain = append(chain, cc)
	}
	return chain, nil
}

// generator composes the values of items, and the rows of the filings
// that hold them, numbering the filings and activities it makes.
type generator struct {
	c                    campaign.Campaign
	days                 []time.Time
	now                  db.Time
	filingID, activityID int64
}

// rows are the rows of some units' filings, by table in the order of
// tables, with what they count.
type rows struct {
	vals                       [][]any
	filings, activities, items int
}

// unitsPerRows is how many units' filings one rows holds.
const unitsPerRows = 200

// units makes the filings of every unit, sending them as rows until stop
// closes.
func (g *generator) units(units []unit, chain []cityCampaign, activities int, out chan<- *rows, stop <-chan struct{}) {
	defer close(out)
	r := &rows{vals: make([][]any, len(tables))}
	for u, unit := range units {
		var items [3][]filing.Item
		for i := u; i < activities; i += len(units) {
			rnd := rand.New(rand.NewPCG(uint64(i), 17))
			// One activity in ten is an open day, filed in the second table.
			table, v := 1, filing.Values(nil)
			if rnd.IntN(10) == 0 {
				table, v = 2, g.openDay(rnd, i, unit)
			} else {
				v = g.project(rnd, i, unit)
			}
			items[table] = append(items[table], filing.Item{UID: fmt.Sprintf("%012x", i), Position: len(items[table]), Values: v})
		}
		for table := 1; table <= 2; table++ {
			if len(items[table]) > 0 {
				city := chain[unit.city]
				r.activities += g.filing(r, city.c, city.tpl[table], table, unit, items[table])
				r.filings++
				r.items += len(items[table])
			}
		}
		if (u+1)%unitsPerRows == 0 || u == len(units)-1 {
			select {
			case out <- r:
			case <-stop:
				return
			}
			r = &rows{vals: make([][]any, len(tables))}
		}
	}
}

func (r *rows) add(t *table, values ...any) { r.vals[t.index] = append(r.vals[t.index], values...) }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func (g *generator) word(r *rand.Rand) string { return pick(r, fields) + pick(r, objects) }

func (g *generator) address(r *rand.Rand, u unit) string {
	return fmt.Sprintf("%s市%s%d号 %s%s%s", u.cityName, pick(r, roads), 1+r.IntN(300), u.cityName, pick(r, placeKinds), pick(r, rooms))
}

func (g *generator) content(r *rand.Rand, word string) string {
	s := fmt.Sprintf(pick(r, sentences), word, pick(r, formats))
	return s + fmt.Sprintf(pick(r, sentences), g.word(r), pick(r, formats))
}

// titleShapes compose a title of a science word (1), a format (2) and a
// city (3); each uses the city or leaves it.
var titleShapes = []string{"%[1]s%[2]s%.0[3]s", "走近%[1]s——%[2]s%.0[3]s", "%[3]s%[1]s%[2]s", "「%[1]s」%[2]s%.0[3]s", "探索%[1]s：%[2]s%.0[3]s", "%[3]s%[1]s主题%[2]s"}

func (g *generator) project(r *rand.Rand, i int, u unit) filing.Values {
	word, format := g.word(r), pick(r, formats)
	title := fmt.Sprintf(pick(r, titleShapes), word, format, u.cityName)
	day := g.days[i%len(g.days)]
	from := 8 + r.IntN(11)
	length := 1 + r.IntN(3)
	mode := filing.Modes[0]
	switch x := r.IntN(20); {
	case x < 3:
		mode = filing.Modes[1]
	case x < 6:
		mode = filing.Modes[2]
	}
	place := g.address(r, u)
	if mode != filing.Modes[0] {
		place += fmt.Sprintf(" 直播：https://live.example.cn/%d", i)
	}
	audiences := []string{g.c.Audiences[r.IntN(len(g.c.Audiences))].Name}
	if r.IntN(3) == 0 {
		audiences = append(audiences, g.c.Audiences[r.IntN(len(g.c.Audiences))].Name)
	}
	return filing.Values{
		filing.KeyTitle: title, filing.KeyHost: u.name, filing.KeyOrganizer: u.district.Name,
		filing.KeyCategory: g.c.Categories[i%len(g.c.Categories)].Name, filing.KeyMode: mode,
		filing.KeyStart: day.Add(time.Duration(from) * time.Hour).Format("2006-01-02 15:04"),
		filing.KeyEnd:   day.Add(time.Duration(from+length) * time.Hour).Format("2006-01-02 15:04"),
		filing.KeyPlace: place, filing.KeyContent: g.content(r, word), filing.KeyAudience: strings.Join(audiences, "\n"),
		filing.KeyExpected: strconv.Itoa(50 + r.IntN(2000)), filing.KeyContact: "联络员", filing.KeyPhone: fmt.Sprintf("010-5888%04d", i%10000),
	}
}

func (g *generator) openDay(r *rand.Rand, i int, u unit) filing.Values {
	day := g.days[i%len(g.days)]
	var slots []string
	for s, h := 0, 9; s < 1+r.IntN(3); s, h = s+1, h+3 {
		slots = append(slots, filing.Slot{Start: day.Add(time.Duration(h) * time.Hour), End: day.Add(time.Duration(h)*time.Hour + 150*time.Minute)}.String())
	}
	return filing.Values{
		filing.KeyUnitName: u.name, filing.KeyOpenContent: g.content(r, g.word(r)), filing.KeyAddress: g.address(r, u),
		filing.KeyContact: "联络员", filing.KeyPhone: fmt.Sprintf("010-5888%04d", i%10000), filing.KeySlots: strings.Join(slots, "\n"),
		filing.KeyCapacity: strconv.Itoa(20 + 10*r.IntN(50)),
	}
}

// filing adds one approved filing of a unit with its items, its approved
// revision, and the program's rows for the items; it returns how many
// activities it listed.
func (g *generator) filing(r *rows, c campaign.Campaign, t filing.Template, table int, u unit, items []filing.Item) int {
	g.filingID++
	fid := g.filingID
	at := g.now
	r.add(tFilings, fid, c.ID, u.id, table, "approved", 1, 1, 1, at, at, at)
	// The revision holds the items as filing.Item marshals them, built
	// from each item's values marshalled once.
	var revision strings.Builder
	revision.WriteByte('[')
	for k, it := range items {
		data, _ := json.Marshal(it.Values)
		r.add(tItems, fid, it.UID, it.Position, string(data), at, at)
		if k > 0 {
			revision.WriteByte(',')
		}
		fmt.Fprintf(&revision, `{"uid":%q,"position":%d,"values":%s}`, it.UID, it.Position, data)
	}
	revision.WriteByte(']')
	r.add(tRevisions, fid, 1, revision.String(), at)
	if table == 1 {
		// The statistics' figures of the revision, as they store them.
		for _, f := range filing.CountFigures(items) {
			r.add(tFigures, fid, 1, f.Category, f.Mode, f.Day, f.Activities, f.Expected)
		}
	}
	listed := 0
	for _, it := range items {
		vals, ok := program.BulkRow(c, t, table, it.Values, fid, it.UID, it.Position, program.Level{Code: u.code, Name: u.name}, u.district, u.province, u.town, at)
		if !ok {
			continue
		}
		g.activityID++
		r.add(tActivities, append([]any{g.activityID}, vals...)...)
		listed++
	}
	return listed
}
