package program_test

import (
	"context"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/filing"
)

type levelAnswer struct {
	Items []struct {
		Title    string
		Campaign string
		Province *struct{ Code string }
		City     *struct{ Code string }
	}
	Total   int
	Ignored []string `json:"ignored_filters"`
}

func getList(t *testing.T, e *apptest.Env, path string) levelAnswer {
	t.Helper()
	res := e.Client(t).Get(path)
	if res.Status != 200 {
		t.Fatalf("%s: %d %s", path, res.Status, res.Body)
	}
	var out levelAnswer
	res.JSON(t, &out)
	return out
}

// A parent's program lists its whole subtree, each activity naming its
// campaign, province and city, and narrows to a province or a city.
func TestProgramOfEveryLevel(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		quanzhou := getList(t, e, "/api/v1/campaigns/2026/activities?per_page=200")
		xiamen := getList(t, e, "/api/v1/campaigns/xm-2026/activities?per_page=200")
		province := getList(t, e, "/api/v1/campaigns/fj-2026/activities?per_page=200")
		national := getList(t, e, "/api/v1/campaigns/cn-2026/activities?per_page=200")
		if quanzhou.Total == 0 || xiamen.Total != 8 {
			t.Fatalf("cities: Quanzhou %d, Xiamen %d", quanzhou.Total, xiamen.Total)
		}
		if province.Total != quanzhou.Total+xiamen.Total || national.Total != province.Total {
			t.Fatalf("province %d, national %d, cities %d + %d", province.Total, national.Total, quanzhou.Total, xiamen.Total)
		}
		seen := map[string]bool{}
		for _, a := range national.Items {
			seen[a.Campaign] = true
			if a.Province == nil || a.Province.Code != "fujian" || a.City == nil || a.City.Code != map[string]string{"2026": "quanzhou", "xm-2026": "xiamen"}[a.Campaign] {
				t.Fatalf("%s of %s: province %v, city %v", a.Title, a.Campaign, a.Province, a.City)
			}
		}
		if !seen["2026"] || !seen["xm-2026"] {
			t.Errorf("campaigns named: %v", seen)
		}
		if got := getList(t, e, "/api/v1/campaigns/fj-2026/activities?city=xiamen&per_page=200"); got.Total != xiamen.Total {
			t.Errorf("city=xiamen: %d, want %d", got.Total, xiamen.Total)
		}
		if got := getList(t, e, "/api/v1/campaigns/cn-2026/activities?province=fujian&city=quanzhou&per_page=200"); got.Total != quanzhou.Total {
			t.Errorf("province=fujian&city=quanzhou: %d, want %d", got.Total, quanzhou.Total)
		}
		if got := getList(t, e, "/api/v1/campaigns/cn-2026/activities?city=atlantis"); got.Total != national.Total || len(got.Ignored) != 1 || got.Ignored[0] != "city" {
			t.Errorf("an unknown city: %d %v", got.Total, got.Ignored)
		}
		if got := getList(t, e, "/api/v1/campaigns/cn-2026/activities?q=白海豚"); got.Total != 1 || got.Items[0].Campaign != "xm-2026" {
			t.Errorf("search at the national level: %+v", got)
		}
		if got := getList(t, e, "/api/v1/campaigns/cn-2026/activities?district=fengze&category=cat1"); got.Total == 0 {
			t.Errorf("a district and a shared focus area at the national level found nothing")
		}
		e.Run(t, []apptest.Scenario{
			{Name: "the province's home is browsed by city", Path: "/campaigns/fj-2026/program", Status: 200,
				Contains: []string{"按城市浏览", `href="/campaigns/fj-2026/activities?city=xiamen"`, "泉州市科学技术局"}},
			{Name: "the province's list filtered by city", Path: "/campaigns/fj-2026/activities?city=xiamen", Status: 200,
				Contains: []string{"海洋生态保护科普日", "厦门市科学技术局", `<option value="xiamen" selected>`}, NotContains: []string{"防疫物资生产新技术展示"}},
			{Name: "a city's own list offers no city", Path: "/campaigns/2026/activities", Status: 200, NotContains: []string{`id="f-city"`}},
			{Name: "the national calendar of one city", Path: "/feeds/cn-2026/program.ics?city=xiamen", Status: 200,
				Contains: []string{"海洋生态保护科普日"}, NotContains: []string{"防疫物资生产新技术展示"}},
			{Name: "the national Atom feed", Path: "/feeds/cn-2026/program.atom", Status: 200, Contains: []string{"海洋生态保护科普日", "防疫物资生产新技术展示"}},
			{Name: "the province's open data", Path: "/opendata/fj-2026/activities.json", Status: 200,
				Contains: []string{`"campaign":"xm-2026"`, `"campaign":"2026"`, `"city":{"code":"xiamen"`}},
			{Name: "the province's open data as a table", Path: "/opendata/fj-2026/activities.csv", Status: 200, Contains: []string{"海洋生态保护科普日", "防疫物资生产新技术展示", ",xm-2026,fujian,xiamen"}},
			{Name: "the 2020 province lists both cities", Path: "/api/v1/campaigns/fj-2020/activities?city=xiamen", Status: 200,
				Contains: []string{`"campaign":"xm-2020"`}, NotContains: []string{`"campaign":"2020"`}},
		})

		// An approval in a city reaches the national program at once.
		sys := account.AsSystem(context.Background())
		var id int64
		if err := e.App.DB.QueryRow(sys, `SELECT f.id FROM filings f JOIN organisations o ON o.id = f.org_id JOIN campaigns c ON c.id = f.campaign_id
			WHERE o.code = 'qztc' AND f.table_no = 1 AND c.slug = '2026'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		f, err := e.App.Filings.Get(sys, id)
		if err != nil {
			t.Fatal(err)
		}
		for f.State == filing.StateSubmitted {
			if err := e.App.Filings.Approve(sys, f.ID, f.Version, ""); err != nil {
				t.Fatal(err)
			}
			if f, err = e.App.Filings.Get(sys, f.ID); err != nil {
				t.Fatal(err)
			}
		}
		after := getList(t, e, "/api/v1/campaigns/cn-2026/activities?city=quanzhou&per_page=200")
		if after.Total <= quanzhou.Total || !strings.Contains(e.Client(t).Get("/campaigns/cn-2026/activities?q=化学魔术").Body, "实验秀") {
			t.Errorf("after an approval in Quanzhou the national program lists %d, before %d", after.Total, quanzhou.Total)
		}
	})
}
