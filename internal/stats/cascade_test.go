package stats_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
)

// A province's statistics count its whole subtree, a row per city.
func TestStatisticsRollUp(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		page := e.As(t, "fjkjt").Get("/campaigns/fj-2020/stats")
		if page.Status != 200 {
			t.Fatalf("province stats: %d\n%s", page.Status, page.Body)
		}
		table := regexp.MustCompile(`(?s)<table class="stats-districts">.*?</table>`).FindString(page.Body)
		for _, city := range []string{"泉州市科学技术局", "厦门市科学技术局"} {
			if !strings.Contains(table, city) {
				t.Errorf("the province's table lacks %s", city)
			}
		}
		if strings.Contains(table, "丰泽区工业信息化和科技局") {
			t.Error("the province's table breaks down by district, not by city")
		}
		// Quanzhou's 35 key projects and Xiamen's 7.
		total := regexp.MustCompile(`(?s)<tfoot><tr><th scope="row">合计</th><td>(\d+)</td>`).FindStringSubmatch(table)
		if total == nil || total[1] != "42" {
			t.Errorf("the province's total: %v", total)
		}
		city := e.As(t, "xmkjj").Get("/campaigns/xm-2020/stats")
		if city.Status != 200 || !strings.Contains(city.Body, "思明区科技和工业信息化局") {
			t.Errorf("Xiamen's own statistics: %d", city.Status)
		}
	})
}
