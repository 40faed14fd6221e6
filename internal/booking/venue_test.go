package booking_test

import (
	"context"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/booking"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/web"
)

// TestVenueCapacityIsShared holds two activities of one unit at one venue
// at the same time: the venue's limit caps them together, and a
// cancellation frees the venue's places too.
func TestVenueCapacityIsShared(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := setup(t, e)
		ctx := account.AsSystem(context.Background())
		rules := booking.RulesInput{Opens: "2026-11-01T09:00", Closes: "2026-12-30T09:00", MaxParty: "5", Venue: "东海大街礼堂", VenueCapacity: "5"}
		var slots []int64
		first, next := f.sameUnit(t)
		for _, a := range []int64{first.ID, next.ID} {
			if err := e.App.Booking.SetRules(ctx, a, rules); err != nil {
				t.Fatal(err)
			}
			if _, err := e.App.Booking.AddSlots(ctx, a, booking.SlotsInput{Days: []string{"2026-12-24"}, From: "19:00", To: "20:00", Capacity: "5"}); err != nil {
				t.Fatal(err)
			}
			all, _ := e.App.Booking.Slots(ctx, a)
			slots = append(slots, all[len(all)-1].ID)
		}
		if status, _ := book(t, e.URL, slots[0], bookingJSON("甲", "13800000001", 3)); status != 201 {
			t.Fatalf("first activity: %d", status)
		}
		if status, a := book(t, e.URL, slots[1], bookingJSON("乙", "13800000002", 3)); status != 409 || a.Error.Code != "full" {
			t.Errorf("past the venue's limit: %d %+v", status, a)
		}
		status, second := book(t, e.URL, slots[1], bookingJSON("乙", "13800000003", 2))
		if status != 201 {
			t.Fatalf("within the venue's limit: %d", status)
		}
		if sl, _ := e.App.Booking.Slot(ctx, slots[1]); sl.Taken != 2 {
			t.Errorf("a refused booking left places taken in the slot: %d", sl.Taken)
		}
		if _, err := e.App.Booking.Cancel(ctx, second.Ticket); err != nil {
			t.Fatal(err)
		}
		if status, _ := book(t, e.URL, slots[1], bookingJSON("丙", "13800000004", 2)); status != 201 {
			t.Errorf("after a cancellation the venue has room again: %d", status)
		}
		occ, err := e.App.Booking.Occupancy(ctx, next.ID)
		if err != nil || occ.Venue == nil || len(occ.VenueTimes) == 0 || occ.VenueTimes[len(occ.VenueTimes)-1].Taken != 5 {
			t.Errorf("venue occupancy: %+v %v", occ, err)
		}
	})
}

// TestGateSheds refuses at once, with 503 and Retry-After, what does not
// fit in the booking requests in flight.
func TestGateSheds(t *testing.T) {
	g := booking.NewGate(1, 10*time.Millisecond)
	leave, err := g.Enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = g.Enter(context.Background())
	e, ok := errs.As(err)
	if !ok || web.Status(e.Code) != 503 || e.RetryAfter <= 0 || time.Since(start) > time.Second {
		t.Errorf("a full gate answers %v after %s", err, time.Since(start))
	}
	leave()
	if leave, err := g.Enter(context.Background()); err != nil {
		t.Errorf("a free gate refuses: %v", err)
	} else {
		leave()
	}
}
