package campaign_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/apptest"
)

var heroRe = regexp.MustCompile(`(?s)<section class="hero">.*?<h1><a href="/campaigns/([^"]+)">`)
var earlierRe = regexp.MustCompile(`(?s)往届活动周</h2>(.*?)</section>`)

// home returns the slug the public home features and the earlier weeks it
// lists.
func home(t *testing.T, e *apptest.Env) (string, string) {
	t.Helper()
	body := e.Client(t).Get("/").Body
	m := heroRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the home features no campaign:\n%s", body)
	}
	earlier := ""
	if x := earlierRe.FindStringSubmatch(body); x != nil {
		earlier = x[1]
	}
	return m[1], earlier
}

// TestHomeFeaturesTheRightWeek: the running week, else the next with a
// published program, else the latest; a week with no published
// activities never wins over one with them; only ended weeks are earlier
// weeks. The campaign's mode follows the online switch.
func TestHomeFeaturesTheRightWeek(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.As(t, "admin")
		if res := admin.PostForm("/admin/campaigns/2026/copy", url.Values{"slug": {"2027"}}); res.Status != 303 {
			t.Fatalf("copy: %d\n%s", res.Status, res.Body)
		}
		if res := admin.PostForm("/admin/campaigns/2027/state", url.Values{"state": {"published"}}); res.Status != 303 {
			t.Fatalf("publish: %d\n%s", res.Status, res.Body)
		}
		featured, earlier := home(t, e)
		if featured != "2026" {
			t.Errorf("before the week the home features %s, not the next week with a program", featured)
		}
		if !strings.Contains(earlier, `href="/campaigns/2020"`) || strings.Contains(earlier, "/campaigns/2027") || strings.Contains(earlier, "/campaigns/2026") {
			t.Errorf("earlier weeks list a week not yet held:\n%s", earlier)
		}

		e.Clock.Set(time.Date(2026, 12, 20, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)))
		if featured, _ := home(t, e); featured != "2026" {
			t.Errorf("in the week the home features %s", featured)
		}
		e.Clock.Set(time.Date(2027, 1, 20, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)))
		featured, earlier = home(t, e)
		if featured != "2026" {
			t.Errorf("after the week the home features %s over the latest week with a program", featured)
		}
		if !strings.Contains(earlier, "/campaigns/2020") || strings.Contains(earlier, "/campaigns/2027") {
			t.Errorf("earlier weeks after the 2026 week:\n%s", earlier)
		}

		e.Clock.Set(apptest.Now)
		admin = e.As(t, "admin")
		if res := admin.PostForm("/admin/campaigns/2026/online", url.Values{"reason": {"疫情防控需要"}}); res.Status != 303 {
			t.Fatalf("moving the week online: %d\n%s", res.Status, res.Body)
		}
		page := e.Client(t).Get("/campaigns/2026").Body
		if !strings.Contains(page, "网络科技活动周（线上） · 原因：疫情防控需要") {
			t.Errorf("the campaign's mode does not follow the online switch:\n%s", page)
		}
	})
}
