package booking_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/apptest"
)

// TestCheckinStaffHome: check-in staff land on their own activities with
// today's occupancy, never on the campaigns' filing and report tasks.
func TestCheckinStaffHome(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := setup(t, e)
		day := f.openDay.Sessions[0].Start
		e.Clock.Set(time.Date(day.Year(), day.Month(), day.Day(), 8, 0, 0, 0, day.Location()))
		staff := e.As(t, "qztc-checkin")
		res := staff.Get("/dashboard")
		if res.Status != 303 || res.Location() != "/booking" {
			t.Fatalf("check-in staff's dashboard: %d %s", res.Status, res.Location())
		}
		page := staff.Get("/booking").Body
		if !strings.Contains(page, f.openDay.Title) || !strings.Contains(page, "今日 ") || !strings.Contains(page, "已签到 0 人") {
			t.Errorf("check-in staff's home lacks their activity and today's occupancy:\n%s", page)
		}
		for _, other := range []string{f.other.Title, f.project.Title, "开放预约", "预约设置"} {
			if strings.Contains(page, other) {
				t.Errorf("check-in staff's home shows %q", other)
			}
		}
		if res := e.As(t, "qztc").Get("/dashboard"); res.Status != 200 {
			t.Errorf("a filer's dashboard: %d", res.Status)
		}
	})
}
