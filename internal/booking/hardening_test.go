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
