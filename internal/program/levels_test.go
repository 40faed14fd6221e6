package program_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/program"
)

// TestListNarrowsItsLevels checks that a list page offers the cities of
// the chosen province and the districts of the chosen city only, and
// says so, in both languages; a city's own list offers all its districts.
func TestListNarrowsItsLevels(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		english := http.Header{"Accept-Language": {"en"}}
		e.Run(t, []apptest.Scenario{
			{Name: "the national list offers its cities, and districts once a city is chosen", Path: "/campaigns/cn-2026/activities", Status: 200,
				Contains:    []string{`id="f-city"`, `<option value="quanzhou">`, `<option value="xiamen">`, `aria-describedby="f-city-hint"`, "选定城市并筛选后，可按其区县筛选。"},
				NotContains: []string{`id="f-district"`}},
			{Name: "in English", Path: "/campaigns/cn-2026/activities", Header: english, Status: 200,
				Contains: []string{"Choose a city and apply to filter by its districts."}},
			{Name: "a city chosen lists its districts only", Path: "/campaigns/cn-2026/activities?city=quanzhou", Status: 200,
				Contains:    []string{`<option value="quanzhou" selected>`, `id="f-district"`, `<option value="fengze">`},
				NotContains: []string{`f-city-hint`, `<option value="siming">`}},
			{Name: "a district chosen names its city's districts", Path: "/campaigns/cn-2026/activities?district=fengze", Status: 200,
				Contains: []string{`<option value="fengze" selected>`, `id="f-district"`}},
			{Name: "a city's own list offers all its districts", Path: "/campaigns/2026/activities", Status: 200,
				Contains: []string{`id="f-district"`, `<option value="fengze">`}, NotContains: []string{`f-city-hint`, `id="f-city"`}},
		})
	})
}

// TestDayOrderPlacesOpenDaysBySession checks that, on a day, an open day
// whose session that day is not its first is placed by that session, in
// the order the stored program sorted by start that day gives, page by
// page.
func TestDayOrderPlacesOpenDaysBySession(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		sys := account.AsSystem(ctx)
		// Index the program first, so the open day comes in as a patch.
		camp := indexed(t, e, "2026")
		first, second := camp.Start, camp.Start.AddDate(0, 0, 1)
		slot := func(day time.Time, h int) string {
			return filing.Slot{Start: day.Add(time.Duration(h) * time.Hour), End: day.Add(time.Duration(h)*time.Hour + time.Hour)}.String()
		}
		values := filing.Values{filing.KeyUnitName: "华侨大学", filing.KeyOpenContent: "两天的开放日。", filing.KeyAddress: "华侨大学泉州校区",
			filing.KeyContact: "林老师", filing.KeyPhone: "13805950000", filing.KeySlots: slot(first, 16) + "\n" + slot(second, 20), filing.KeyCapacity: "30"}
		f, err := e.App.Filings.ImportItems(sys, camp, "hqu", 2, []filing.Values{values})
		if err != nil {
			t.Fatal(err)
		}
		submitAndApprove(t, e, f.ID)
		as := stored(t, e, camp.ID)
		client := e.Client(t)
		for _, day := range []string{first.Format("2006-01-02"), second.Format("2006-01-02")} {
			want := expected(as, program.Filter{Day: day})
			for page := 1; page <= len(want)/3+1; page++ {
				var got struct {
					Items []struct{ ID int64 }
					Total int
				}
				client.Get(fmt.Sprintf("/api/v1/campaigns/2026/activities?day=%s&per_page=3&page=%d", day, page)).JSON(t, &got)
				var ids []int64
				for _, it := range got.Items {
					ids = append(ids, it.ID)
				}
				from, to := min(len(want), (page-1)*3), min(len(want), page*3)
				if got.Total != len(want) || !slices.Equal(ids, want[from:to]) && !(len(ids) == 0 && from == to) {
					t.Errorf("%s page %d: %d %v, database %d %v", day, page, got.Total, ids, len(want), want[from:to])
				}
			}
		}
	})
}

// indexed is the demo's campaign with its program's index built.
func indexed(t *testing.T, e *apptest.Env, slug string) campaign.Campaign {
	t.Helper()
	ctx := context.Background()
	c, err := e.App.Campaigns.Get(account.AsSystem(ctx), slug)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Program.Overview(ctx, c); err != nil {
		t.Fatal(err)
	}
	return c
}
