package booking_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/booking"
	"github.com/sciweek/sciweek/internal/program"
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

// sameUnit returns two public on-site activities of one unit.
func (f fixture) sameUnit(t *testing.T) (program.Activity, program.Activity) {
	t.Helper()
	ctx := account.AsSystem(context.Background())
	c, err := f.e.App.Campaigns.Get(ctx, "2026")
	if err != nil {
		t.Fatal(err)
	}
	as, err := f.e.App.Program.List(ctx, c, program.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]program.Activity{}
	for _, a := range as {
		if !a.Onsite() || len(a.Days) == 0 {
			continue
		}
		if b, ok := seen[a.UnitCode]; ok {
			return b, a
		}
		seen[a.UnitCode] = a
	}
	t.Fatal("no unit with two on-site activities")
	return program.Activity{}, program.Activity{}
}

// TestVenueOfAnotherUnit has a unit declare, for its own activity, a venue
// with the name of another unit's venue and a capacity of 1: the other
// unit's venue keeps its capacity and its bookings go on.
func TestVenueOfAnotherUnit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := setup(t, e)
		ctx := account.AsSystem(context.Background())
		rules := booking.RulesInput{Opens: "2026-11-01T09:00", Closes: "2026-12-30T09:00", MaxParty: "5", Venue: "东海大街礼堂", VenueCapacity: "50"}
		if err := e.App.Booking.SetRules(ctx, f.other.ID, rules); err != nil {
			t.Fatal(err)
		}
		day := map[string]any{"days": []string{"2026-12-24"}, "from": "19:00", "to": "20:00", "capacity": "20"}
		e.Run(t, []apptest.Scenario{
			{Name: "qztc declares yeu's venue name for its own open day", As: "qztc", Method: "PUT", Path: fmt.Sprintf("/api/v1/activities/%d/booking-rules", f.openDay.ID),
				JSON: map[string]string{"opens": "2026-11-01T09:00", "closes": "2026-12-30T09:00", "max_party": "5", "venue": "东海大街礼堂", "venue_capacity": "1"}, Status: 200},
			{Name: "and adds a slot at the same time", As: "qztc", Method: "POST", Path: fmt.Sprintf("/api/v1/activities/%d/slots", f.openDay.ID), JSON: day, Status: 201},
		})
		if _, err := e.App.Booking.AddSlots(ctx, f.other.ID, booking.SlotsInput{Days: []string{"2026-12-24"}, From: "19:00", To: "20:00", Capacity: "20"}); err != nil {
			t.Fatal(err)
		}
		all, _ := e.App.Booking.Slots(ctx, f.other.ID)
		slot := all[len(all)-1].ID
		for i, party := range []int{5, 5, 3} {
			if status, a := book(t, e.URL, slot, bookingJSON("访客", fmt.Sprintf("1380013800%d", i), party)); status != 201 {
				t.Errorf("booking %d at yeu's venue: %d %+v", i, status, a)
			}
		}
		theirs, _, _ := e.App.Booking.Rules(ctx, f.other.ID)
		mine, _, _ := e.App.Booking.Rules(ctx, f.openDay.ID)
		if theirs.Venue == nil || theirs.Venue.Capacity != 50 || mine.Venue == nil || mine.Venue.ID == theirs.Venue.ID || mine.Venue.Capacity != 1 {
			t.Errorf("venues: theirs %+v, mine %+v", theirs.Venue, mine.Venue)
		}
	})
}

// TestOneAddressCannotTakeASlot has one address rush a slot of 40 places
// with made-up numbers, as a script would: it gets its share and no more,
// every answer is 201, 409, 422 or 429, and the unit sees the burst on the
// activity's booking page and cancels it in one action.
func TestOneAddressCannotTakeASlot(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := setup(t, e)
		ctx := account.AsSystem(context.Background())
		slot := f.slot(t, f.openDay, 8, 40)
		waiting, _ := book(t, e.URL, slot, `{"name": "先到者", "phone": "13700137000", "party_size": 2, "consent": true}`)
		if waiting != 201 {
			t.Fatalf("first booking: %d", waiting)
		}

		script := clientFrom()
		var mu sync.Mutex
		statuses := map[int]int{}
		var wg sync.WaitGroup
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				status, _ := post(t, script, e.URL, slot, bookingJSON("机器人", fmt.Sprintf("1391234%04d", i), 1))
				mu.Lock()
				statuses[status]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		for status := range statuses {
			if status != 201 && status != 409 && status != 422 && status != 429 {
				t.Errorf("answered %d: %v", status, statuses)
			}
		}
		share := booking.DefaultGuard.AddressShare(40, 5)
		if statuses[201] == 0 || statuses[201] > share || statuses[429] < 40-share {
			t.Errorf("one address booked %d places of 40 (share %d): %v", statuses[201], share, statuses)
		}
		if sl, _ := e.App.Booking.Slot(ctx, slot); sl.Taken != 2+statuses[201] {
			t.Errorf("slot taken %d", sl.Taken)
		}

		// Made-up numbers are refused as such; real ones, landlines too, pass.
		for _, phone := range []string{"12345678901", "19412345678", "14012345678", "16012345678", "1380013800", "00000000000", "0595-1234567", "010-0234567", "138001380001"} {
			status, a := book(t, e.URL, slot, bookingJSON("王五", phone, 1))
			if status != 422 || a.Error.Fields["phone"] == "" {
				t.Errorf("%s: %d %+v", phone, status, a)
			}
		}
		for _, phone := range []string{"0595-22579330", "(010) 8765 4321", "+86 199 1234 5678", "+86 595 2257 9331", "166-1234-5678"} {
			if status, a := book(t, e.URL, slot, bookingJSON("王五", phone, 1)); status != 201 {
				t.Errorf("%s: %d %+v", phone, status, a)
			}
		}

		// The unit sees the burst and cancels it.
		page := fmt.Sprintf("/activities/%d/booking", f.openDay.ID)
		res := e.As(t, "qztc").Get(page)
		m := regexp.MustCompile(`name="address" value="([0-9a-f]+)"`).FindStringSubmatch(res.Body)
		if res.Status != 200 || !strings.Contains(res.Body, "可疑的集中预约") || !strings.Contains(res.Body, "127.0.") || m == nil {
			t.Fatalf("the booking page shows no burst: %d", res.Status)
		}
		if strings.Count(res.Body, `name="address"`) != 1 {
			t.Errorf("more than the one burst shown")
		}
		if res := e.As(t, "hqu").PostForm(page+"/bursts/cancel", url.Values{"address": {m[1]}}); res.Status != 403 {
			t.Errorf("another unit cancels the burst: %d", res.Status)
		}
		if res := e.As(t, "qztc").PostForm(page+"/bursts/cancel", url.Values{"address": {m[1]}}); res.Status != 303 {
			t.Fatalf("cancel the burst: %d %s", res.Status, res.Body)
		}
		if sl, _ := e.App.Booking.Slot(ctx, slot); sl.Taken != 2+5 {
			t.Errorf("after the burst's cancellation the slot has %d taken, want 7", sl.Taken)
		}
		var audited int
		e.App.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_events WHERE action = 'booking.burst_cancel'`).Scan(&audited)
		if audited != 1 {
			t.Errorf("audit events: %d", audited)
		}
		if res := e.As(t, "qztc").Get(page); strings.Contains(res.Body, "可疑的集中预约") {
			t.Errorf("the cancelled burst is still shown")
		}

		// After the week the addresses go with the rest of the personal data.
		if _, err := e.App.Booking.EraseExpired(ctx, time.Date(2027, 3, 1, 0, 0, 0, 0, apptest.Now.Location())); err != nil {
			t.Fatal(err)
		}
		var kept int
		e.App.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM bookings WHERE client_key <> '' OR client_label <> ''`).Scan(&kept)
		if kept != 0 {
			t.Errorf("%d bookings keep their address after the erasure", kept)
		}
	})
}
