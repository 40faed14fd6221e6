package booking_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/app"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/booking"
	"github.com/sciweek/sciweek/internal/errs"
)

// bookParty books party places of the slot with the nth phone.
func bookParty(a *app.App, slot int64, n, party int) error {
	_, err := a.Booking.Book(context.Background(), slot, booking.Input{Name: "观众", Phone: fmt.Sprintf("1381234%04d", n), Party: party, Consent: true})
	return err
}

// setMaxParty changes the activity's largest party, keeping its other rules.
func setMaxParty(t *testing.T, a *app.App, activityID int64, party int) {
	t.Helper()
	ctx := account.AsSystem(context.Background())
	r, _, err := a.Booking.Rules(ctx, activityID)
	if err != nil {
		t.Fatal(err)
	}
	in := booking.InputOf(r)
	in.MaxParty = fmt.Sprint(party)
	if err := a.Booking.SetRules(ctx, activityID, in); err != nil {
		t.Fatal(err)
	}
}

// TestRulesChangeReachesBookingAtOnce: the slot and its rules are held in
// memory once booked, and a change to the rules or to the activity's
// place online applies to the very next booking.
func TestRulesChangeReachesBookingAtOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := setup(t, e)
		ctx := account.AsSystem(context.Background())
		slot := f.slot(t, f.project, 8, 10)
		if err := bookParty(e.App, slot, 1, 2); err != nil {
			t.Fatalf("party of 2 before the change: %v", err)
		}
		setMaxParty(t, e.App, f.project.ID, 1)
		if err := bookParty(e.App, slot, 2, 2); !errs.Is(err, errs.Invalid) {
			t.Errorf("party of 2 after the largest party became 1: %v, want Invalid", err)
		}
		if err := bookParty(e.App, slot, 3, 1); err != nil {
			t.Errorf("party of 1: %v", err)
		}
		if err := e.App.Booking.SetOnline(ctx, f.project.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := bookParty(e.App, slot, 4, 1); !errs.Is(err, errs.Conflict) {
			t.Errorf("booking after the activity moved online: %v, want Conflict", err)
		}
		if err := e.App.Booking.SetOnline(ctx, f.project.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := bookParty(e.App, slot, 5, 1); err != nil {
			t.Errorf("booking back on site: %v", err)
		}
	})
}

// TestRulesChangeReachesOtherServer: a rules change made on one server
// reaches the slots another server holds in memory through the change
// notice, within a moment and without a restart.
func TestRulesChangeReachesOtherServer(t *testing.T) {
	apps, bases := twoServers(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go apps[1].RunJobs(ctx)
	f := setup(t, &apptest.Env{App: apps[0], URL: bases[0]})
	slot := f.slot(t, f.project, 8, 1000)
	if err := bookParty(apps[1], slot, 1, 2); err != nil {
		t.Fatalf("party of 2 on the second server: %v", err)
	}
	setMaxParty(t, apps[0], f.project.ID, 1)
	deadline := time.Now().Add(5 * time.Second)
	for n := 2; ; n++ {
		err := bookParty(apps[1], slot, n, 2)
		if errs.Is(err, errs.Invalid) {
			return
		}
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("party of 2 on the second server after the change on the first: %v, want Invalid within 5 s", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
