package booking_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
)

// TestCheckInOfAnotherUnitsTicketShowsNothing presents at one unit's door
// a ticket booked at another unit's activity: the refusal says only that
// the ticket is for another activity, nothing of who booked or how many.
func TestCheckInOfAnotherUnitsTicketShowsNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := setup(t, e)
		slots, _ := e.App.Booking.Slots(context.Background(), f.other.ID)
		status, b := book(t, e.URL, slots[len(slots)-1].ID, bookingJSON("欧阳娜娜", "13800138000", 4))
		if status != 201 {
			t.Fatalf("book: %d %+v", status, b)
		}
		path := fmt.Sprintf("/activities/%d/checkin", f.openDay.ID)
		for _, entry := range []string{b.Ticket, b.Code} {
			e.Run(t, []apptest.Scenario{{Name: "another unit's ticket", As: "qztc-checkin", Method: "POST", Path: path,
				Form: url.Values{"entry": {entry}}, Status: 404, Contains: []string{"其他活动"},
				NotContains: []string{"欧阳娜娜", `id="checkin-party"`, "checkin-result"}}})
		}
	})
}

// TestSlotsAndWindowWithinTheCampaign refuses slots dated far from the
// campaign's week and booking windows that close in 9999 or open years
// ahead.
func TestSlotsAndWindowWithinTheCampaign(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := setup(t, e)
		rules := fmt.Sprintf("/api/v1/activities/%d/booking-rules", f.openDay.ID)
		slots := fmt.Sprintf("/api/v1/activities/%d/slots", f.openDay.ID)
		win := func(opens, closes string) map[string]string {
			return map[string]string{"opens": opens, "closes": closes, "max_party": "5"}
		}
		day := func(d string) map[string]any {
			return map[string]any{"days": []string{d}, "from": "09:00", "to": "10:00", "capacity": "10"}
		}
		e.Run(t, []apptest.Scenario{
			{Name: "closing in 9999", As: "qztc", Method: "PUT", Path: rules, JSON: win("2026-11-01T09:00", "9999-12-31T23:59"), Status: 422, Contains: []string{`"closes"`, "预约截止时间不能晚于"}},
			{Name: "opening in 2000", As: "qztc", Method: "PUT", Path: rules, JSON: win("2000-01-01T09:00", "2026-12-20T09:00"), Status: 422, Contains: []string{`"opens"`}},
			{Name: "opening after the week", As: "qztc", Method: "PUT", Path: rules, JSON: win("2029-01-01T09:00", "2029-12-20T09:00"), Status: 422, Contains: []string{`"opens"`, `"closes"`}},
			{Name: "a window around the week", As: "qztc", Method: "PUT", Path: rules, JSON: win("2026-11-01T09:00", "2026-12-30T09:00"), Status: 200},
			{Name: "a slot in 2000", As: "qztc", Method: "POST", Path: slots, JSON: day("2000-12-20"), Status: 422, Contains: []string{`"days"`, "2000-12-20 不在本届活动周"}},
			{Name: "a slot in 2030", As: "qztc", Method: "POST", Path: slots, JSON: day("2030-12-20"), Status: 422, Contains: []string{`"days"`}},
			{Name: "a slot in the week", As: "qztc", Method: "POST", Path: slots, JSON: day("2026-12-21"), Status: 201},
			{Name: "a slot before the week", As: "qztc", Method: "POST", Path: slots, JSON: day("2026-11-27"), Status: 201},
		})
	})
}
