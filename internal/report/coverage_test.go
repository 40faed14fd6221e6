package report_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
)

// TestCoverageBroughtIn: what a unit recorded in the week's media coverage
// list comes into its summary report's form, once, without typing it again.
func TestCoverageBroughtIn(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		hqu := e.As(t, "hqu")
		entry := url.Values{"outlet": {"泉州晚报"}, "title": {"华侨大学开放实验室迎来市民"}, "date": {"2026-11-27"}, "link": {"https://www.qzwb.com/hqu"}}
		if res := hqu.PostForm("/campaigns/2026/coverage", entry); res.Status != 303 {
			t.Fatalf("record coverage: %d\n%s", res.Status, res.Body)
		}
		page := hqu.Get("/campaigns/2026/reports/hqu").Body
		if !strings.Contains(page, `value="华侨大学开放实验室迎来市民"`) || !strings.Contains(page, "已从本单位的媒体报道登记中带入") {
			t.Fatalf("the report form lacks the recorded coverage:\n%s", page)
		}
		if n := strings.Count(page, `value="华侨大学开放实验室迎来市民"`); n != 1 {
			t.Errorf("the entry appears %d times", n)
		}
		// Another unit's coverage stays out of it.
		if strings.Contains(e.As(t, "qztc").Get("/campaigns/2026/reports/qztc").Body, "华侨大学开放实验室迎来市民") {
			t.Error("another unit's report brings in hqu's coverage")
		}
	})
}
