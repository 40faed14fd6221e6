package program_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/benchseed"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/program"
)

// stored reads every listed activity of the campaign and the campaigns
// below it straight from the database, in program order: what a filter is
// checked against.
func stored(t *testing.T, e *apptest.Env, campaignID int64) []program.Activity {
	t.Helper()
	ctx := context.Background()
	below, err := e.App.Campaigns.DescendantIDs(ctx, campaignID)
	if err != nil {
		t.Fatal(err)
	}
	scope := []any{campaignID}
	for _, id := range below {
		scope = append(scope, id)
	}
	rows, err := e.App.DB.Query(ctx, `SELECT id, title, unit_code, unit_name, host, organizer, address, content, district_code,
		province_code, city_code, category_code, audience_codes, mode, table_no, start_at, days, sessions
		FROM program_activities WHERE listed = TRUE AND campaign_id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(scope)), ", ")+`)`, scope...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []program.Activity
	for rows.Next() {
		var a program.Activity
		var aud, mode, days, sessions string
		var table int
		var start db.Time
		if err := rows.Scan(&a.ID, &a.Title, &a.UnitCode, &a.UnitName, &a.Host, &a.Organizer, &a.Address, &a.Content, &a.DistrictCode,
			&a.ProvinceCode, &a.CityCode, &a.CategoryCode, &aud, &mode, &table, &start, &days, &sessions); err != nil {
			t.Fatal(err)
		}
		a.Mode, a.Start, a.Kind = program.Mode(mode), start.Time, program.KindProject
		if table == 2 {
			a.Kind = program.KindOpenDay
		}
		a.AudienceCodes, a.Days = strings.Split(strings.Trim(aud, ","), ","), strings.Split(strings.Trim(days, ","), ",")
		if err := json.Unmarshal([]byte(sessions), &a.Sessions); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(out))
	for i, a := range out {
		ids[i] = a.ID
	}
	bookable, err := e.App.Program.Bookings.Bookable(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for i := range out {
		out[i].Bookable = bookable[out[i].ID]
	}
	slices.SortFunc(out, func(x, y program.Activity) int {
		if c := x.Start.Compare(y.Start); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
	return out
}

// expected is the filter applied one activity at a time, ranked by Rank.
func expected(as []program.Activity, f program.Filter) []int64 {
	var picked []*program.Activity
	for i := range as {
		a := &as[i]
		switch {
		case f.Day != "" && !a.OnDay(f.Day),
			f.District != "" && a.DistrictCode != f.District,
			f.Province != "" && a.ProvinceCode != f.Province,
			f.City != "" && a.CityCode != f.City,
			f.Category != "" && a.CategoryCode != f.Category,
			f.Audience != "" && !slices.Contains(a.AudienceCodes, f.Audience),
			f.OpenDay && a.Kind != program.KindOpenDay,
			f.Bookable && !a.Bookable,
			f.Mode == program.ModeOnsite && !a.Onsite(),
			f.Mode == program.ModeOnline && !a.Online(),
			f.Mode == program.ModeBoth && a.Mode != program.ModeBoth:
			continue
		}
		picked = append(picked, a)
	}
	if f.Day != "" {
		slices.SortStableFunc(picked, func(x, y *program.Activity) int { return x.StartOn(f.Day).Compare(y.StartOn(f.Day)) })
	}
	var ids []int64
	for _, a := range program.Rank(picked, f.Terms()) {
		ids = append(ids, a.ID)
	}
	return ids
}

// takeBookings opens booking now, with a slot to come, for one activity
// in seven: what the bookable filter finds.
func takeBookings(t *testing.T, e *apptest.Env) {
	t.Helper()
	ctx := context.Background()
	now := e.App.Program.Clock.Now()
	opens, closes, slot := db.At(now.AddDate(0, 0, -1)), db.At(now.AddDate(0, 1, 0)), now.AddDate(0, 0, 10)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO booking_rules (activity_id, campaign_id, opens_at, closes_at, max_party, updated_at)
			SELECT id, campaign_id, ?, ?, 3, ? FROM program_activities WHERE listed = TRUE AND id % 7 = 0`, []any{opens, closes, opens}},
		{`INSERT INTO booking_slots (activity_id, campaign_id, start_at, end_at, capacity)
			SELECT id, campaign_id, ?, ?, 30 FROM program_activities WHERE listed = TRUE AND id % 7 = 0`, []any{db.At(slot), db.At(slot.Add(time.Hour))}},
	} {
		if _, err := e.App.DB.Exec(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
}

// TestIndexMatchesTheDatabase checks every list the index answers against
// the stored program filtered and ranked one activity at a time: the
// total, each filter value's count and the order of a page's activities.
func TestIndexMatchesTheDatabase(t *testing.T) {
	apptest.EachWith(t, apptest.Options{NoDemo: true}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		if _, err := benchseed.Seed(ctx, e.App, benchseed.Options{Activities: 3000, Units: 150}); err != nil {
			t.Fatal(err)
		}
		c, err := e.App.Campaigns.Get(account.AsSystem(ctx), benchseed.Slug)
		if err != nil {
			t.Fatal(err)
		}
		takeBookings(t, e)
		as := stored(t, e, c.ID)
		o, err := e.App.Program.Overview(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if o.Activities != len(as) {
			t.Errorf("overview counts %d activities, the database %d", o.Activities, len(as))
		}
		for _, d := range o.Districts {
			if n := len(expected(as, program.Filter{District: d.Code})); n != d.Activities {
				t.Errorf("district %s: overview %d, database %d", d.Code, d.Activities, n)
			}
		}
		for _, level := range []struct {
			counts []program.District
			filter func(code string) program.Filter
		}{
			{o.Provinces, func(code string) program.Filter { return program.Filter{Province: code} }},
			{o.Cities, func(code string) program.Filter { return program.Filter{City: code} }},
		} {
			for _, d := range level.counts {
				if n := len(expected(as, level.filter(d.Code))); n != d.Activities {
					t.Errorf("%s: overview %d, database %d", d.Code, d.Activities, n)
				}
			}
		}
		for day, n := range o.PerDay {
			if m := len(expected(as, program.Filter{Day: day})); m != n {
				t.Errorf("day %s: overview %d, database %d", day, n, m)
			}
		}
		// A rare word: the middle of some activity's title.
		rare := []rune(as[len(as)/2].Title)
		day := c.Days()[2].Format("2006-01-02")
		filters := []program.Filter{
			{},
			{Day: day},
			{Day: day, OpenDay: true},
			{District: o.Districts[1].Code, Category: c.Categories[1].Code},
			{Audience: c.Audiences[0].Code, Mode: program.ModeOnline},
			{Mode: program.ModeBoth, Day: c.Days()[0].Format("2006-01-02")},
			{Mode: program.ModeOnsite, Audience: c.Audiences[2].Code, Category: c.Categories[0].Code},
			{Query: "科"},
			{Query: "科技"},
			{Query: "科 探索", Day: day},
			{Query: string(rare[1 : len(rare)-1])},
			{Query: "量子纠缠不存在的词"},
			{Query: "!!!"},
			{Query: strings.Repeat("科技周", 400)},
			{Query: o.Units[3].Name},
			{Query: "kx"},
			{Query: "实验", District: o.Districts[0].Code, Mode: program.ModeOnsite},
			// Found from the character lists: a letter, a character twice,
			// a rare word beside a common one, the replacement character.
			{Query: "k"},
			{Query: "科科"},
			{Query: string(rare[1:3]) + " 科"},
			{Query: "\ufffd"},
		}
		// The data set is a chain, national over provinces over cities:
		// the levels below filter the national program too.
		if len(o.Provinces) < 2 || len(o.Cities) < 2 {
			t.Fatalf("the national program names %d provinces and %d cities", len(o.Provinces), len(o.Cities))
		}
		filters = append(filters, program.Filter{Province: o.Provinces[1].Code}, program.Filter{City: o.Cities[2].Code, Query: "科技"},
			program.Filter{Province: o.Provinces[0].Code, Day: day, OpenDay: true},
			// Values held as row sets together, with what takes bookings.
			program.Filter{Bookable: true},
			program.Filter{Bookable: true, Mode: program.ModeOnsite, Audience: c.Audiences[1].Code},
			program.Filter{Bookable: true, Day: day, OpenDay: true},
			program.Filter{Province: o.Provinces[2].Code, Audience: c.Audiences[0].Code, Mode: program.ModeBoth, Category: c.Categories[2].Code},
			program.Filter{Day: c.Days()[4].Format("2006-01-02"), Mode: program.ModeOnline, Province: o.Provinces[1].Code},
			program.Filter{Day: day, Audience: c.Audiences[3].Code},
			// A province and a city of another province: nothing.
			program.Filter{Province: o.Provinces[0].Code, City: o.Cities[len(o.Cities)-1].Code, Day: day})
		client := e.Client(t)
		for _, f := range filters {
			want := expected(as, f)
			t.Logf("%.60s: %d", f.Query+" "+f.Values().Encode(), len(want))
			v := f.Values()
			v.Set("per_page", "50")
			// The last page, and one past the end.
			for _, page := range []int{1, 2, len(want)/50 + 1, len(want)/50 + 3} {
				v.Set("page", fmt.Sprint(page))
				res := client.Get("/api/v1/campaigns/" + c.Slug + "/activities?" + v.Encode())
				var got struct {
					Items []struct{ ID int64 }
					Total int
				}
				res.JSON(t, &got)
				name, _ := url.QueryUnescape(v.Encode())
				if got.Total != len(want) {
					t.Errorf("%.80s: total %d, database %d", name, got.Total, len(want))
					break
				}
				from, to := min(len(want), (page-1)*50), min(len(want), page*50)
				var ids []int64
				for _, it := range got.Items {
					ids = append(ids, it.ID)
				}
				if !slices.Equal(ids, want[from:to]) && !(len(ids) == 0 && from == to) {
					t.Errorf("%.80s page %d: ids %v, database %v", name, page, ids, want[from:to])
				}
			}
		}
	})
}

// TestApprovalPatchesTheIndex approves, changes and withdraws an item
// after the program's index was built: each step reaches lists, searches
// and counts at once, and they stay what the database says.
func TestApprovalPatchesTheIndex(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		sys := account.AsSystem(ctx)
		camp, err := e.App.Campaigns.Get(sys, "2026")
		if err != nil {
			t.Fatal(err)
		}
		client := e.Client(t)
		total := func(query string) int {
			var got struct{ Total int }
			client.Get("/api/v1/campaigns/2026/activities?"+query).JSON(t, &got)
			return got.Total
		}
		check := func(step string) {
			t.Helper()
			as := stored(t, e, camp.ID)
			o, err := e.App.Program.Overview(ctx, camp)
			if err != nil {
				t.Fatal(err)
			}
			if o.Activities != len(as) {
				t.Errorf("%s: overview %d activities, database %d", step, o.Activities, len(as))
			}
			for _, f := range []program.Filter{{}, {Day: "2026-12-21"}, {Day: "2026-12-22"}, {Query: "深海"}, {Query: "华侨大学"}, {Query: "开放课 深海"}} {
				v := f.Values()
				v.Set("per_page", "100")
				if got, want := total(v.Encode()), len(expected(as, f)); got != want {
					t.Errorf("%s, %s: %d listed, database %d", step, v.Encode(), got, want)
				}
			}
		}
		check("before")
		values, f := approveOpenClass(t, e, camp)
		if got := total("q=" + url.QueryEscape("深海探测器开放课")); got != 1 {
			t.Errorf("the approved item is found %d times", got)
		}
		check("approved")

		values[filing.KeyTitle] = "海洋机器人开放课"
		values[filing.KeyStart], values[filing.KeyEnd] = "2026-12-22 14:00", "2026-12-22 16:00"
		uid := reopenAndSave(t, e, camp, f.ID, "深海探测器开放课", values)
		submitAndApprove(t, e, f.ID)
		if got := total("q=" + url.QueryEscape("深海探测器开放课")); got != 0 {
			t.Errorf("the old title is still found %d times", got)
		}
		if got := total("q=" + url.QueryEscape("海洋机器人开放课") + "&day=2026-12-22"); got != 1 {
			t.Errorf("the changed item is found %d times on its new day", got)
		}
		check("changed")

		if err := e.App.Filings.Reopen(asOrg(t, e, "hqu"), f.ID, mustFiling(t, e, f.ID).Version); err != nil {
			t.Fatal(err)
		}
		if err := e.App.Filings.DeleteItem(asOrg(t, e, "hqu"), f.ID, uid); err != nil {
			t.Fatal(err)
		}
		submitAndApprove(t, e, f.ID)
		if got := total("q=" + url.QueryEscape("海洋机器人开放课")); got != 0 {
			t.Errorf("the withdrawn item is still found %d times", got)
		}
		check("withdrawn")
	})
}

// approveOpenClass files one project of 华侨大学, 深海探测器开放课 on the
// week's first day, and approves it; it returns its values and filing.
func approveOpenClass(t *testing.T, e *apptest.Env, camp campaign.Campaign) (filing.Values, filing.Filing) {
	t.Helper()
	values := filing.Values{filing.KeyTitle: "深海探测器开放课", filing.KeyHost: "华侨大学", filing.KeyCategory: camp.Categories[0].Name, filing.KeyMode: "线下",
		filing.KeyStart: "2026-12-21 09:00", filing.KeyEnd: "2026-12-21 11:30", filing.KeyPlace: "华侨大学泉州校区",
		filing.KeyContent: "深海探测器的原理。", filing.KeyAudience: "青少年", filing.KeyExpected: "80", filing.KeyContact: "林老师", filing.KeyPhone: "13805950000"}
	f, err := e.App.Filings.ImportItems(account.AsSystem(context.Background()), camp, "hqu", 1, []filing.Values{values})
	if err != nil {
		t.Fatal(err)
	}
	submitAndApprove(t, e, f.ID)
	return values, f
}

// reopenAndSave reopens hqu's filing and saves over the item whose title
// holds old; it returns the item's uid.
func reopenAndSave(t *testing.T, e *apptest.Env, camp campaign.Campaign, filingID int64, old string, values filing.Values) string {
	t.Helper()
	if err := e.App.Filings.Reopen(asOrg(t, e, "hqu"), filingID, mustFiling(t, e, filingID).Version); err != nil {
		t.Fatal(err)
	}
	var uid string
	for _, it := range mustFiling(t, e, filingID).Items {
		if strings.Contains(it.Values[filing.KeyTitle], old) {
			uid = it.UID
		}
	}
	if _, _, _, err := e.App.Filings.SaveItem(asOrg(t, e, "hqu"), camp, "hqu", 1, uid, values); err != nil {
		t.Fatal(err)
	}
	return uid
}
