package program_test

import (
	"net/http"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
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
