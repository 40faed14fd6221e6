package booking_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/sciweek/sciweek/internal/app"
	"github.com/sciweek/sciweek/internal/apptest"
)

// race sends many bookings at once to the slot through the given servers,
// the same phone number twice among them, and returns how many got 201.
func race(t *testing.T, bases []string, slot int64, n int) (created, duplicates int) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := clientFrom()
			phone := fmt.Sprintf("1380000%04d", i)
			if i == n-1 {
				phone = "13800000000" // the same phone as i == 0, at the same time
			}
			<-start
			status, body := post(t, c, bases[i%len(bases)], slot, bookingJSON("观众", phone, 1))
			mu.Lock()
			statuses[status]++
			mu.Unlock()
			if status != 201 && status != 409 {
				t.Errorf("booking %d: status %d %s", i, status, body)
			}
		}()
	}
	close(start)
	wg.Wait()
	return statuses[201], statuses[409]
}

// counts reads what the database holds for the slot.
func counts(t *testing.T, a *app.App, slot int64) (taken, rows, samePhone int) {
	t.Helper()
	ctx := context.Background()
	if err := a.DB.QueryRow(ctx, `SELECT taken FROM booking_slots WHERE id = ?`, slot).Scan(&taken); err != nil {
		t.Fatal(err)
	}
	if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM bookings WHERE slot_id = ? AND state = 'active'`, slot).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM bookings WHERE slot_id = ? AND phone_hash = ?`, slot, a.Booking.Keys.PhoneHash("13800000000")).Scan(&samePhone); err != nil {
		t.Fatal(err)
	}
	return
}

// TestNeverOverbook races 60 bookings, one phone twice among them, for a
// slot of 12 places: exactly 12 are sold, the stored rows say the same,
// and the phone holds one booking.
func TestNeverOverbook(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := setup(t, e)
		slot := f.slot(t, f.project, 8, 12)
		created, refused := race(t, []string{e.URL}, slot, 60)
		taken, rows, same := counts(t, e.App, slot)
		if created != 12 || taken != 12 || rows != 12 || refused != 48 {
			t.Errorf("sold %d, refused %d, slot counts %d taken, %d rows stored; want 12 of 12", created, refused, taken, rows)
		}
		if same > 1 {
			t.Errorf("the phone that booked twice at once holds %d bookings", same)
		}
	})
}

// TestRaceControl shows the test above would catch a race: with the
// read-then-write switched on, the same race oversells.
func TestRaceControl(t *testing.T) {
	e := apptest.New(t)
	f := setup(t, e)
	e.App.Booking.SetRacy(true)
	slot := f.slot(t, f.project, 8, 12)
	created, _ := race(t, []string{e.URL}, slot, 60)
	_, rows, _ := counts(t, e.App, slot)
	if created <= 12 && rows <= 12 {
		t.Fatalf("the racy read-then-write sold %d (%d rows) of 12: the concurrency test could not tell a race", created, rows)
	}
	t.Logf("racy variant sold %d places of 12, %d rows", created, rows)
}

// TestNeverOverbookTwoProcesses runs the race through two sciweek
// instances sharing one PostgreSQL database.
func TestNeverOverbookTwoProcesses(t *testing.T) {
	apps, bases := twoServers(t)
	f := setup(t, &apptest.Env{App: apps[0], URL: bases[0]})
	slot := f.slot(t, f.project, 8, 12)
	apps[1].Program.Invalidate()
	created, _ := race(t, bases, slot, 60)
	taken, rows, same := counts(t, apps[1], slot)
	if created != 12 || taken != 12 || rows != 12 || same > 1 {
		t.Errorf("two instances sold %d, slot %d taken, %d rows, same phone %d; want 12, 12, 12, 1", created, taken, rows, same)
	}
}

// twoServers starts two sciweek instances sharing one PostgreSQL database
// with the demo, and one secret, so a phone is the same booker on both;
// it skips without PostgreSQL.
func twoServers(t *testing.T) ([]*app.App, []string) {
	a, b := apptest.Pair(t, apptest.Options{Configure: func(c *app.Config) {
		c.SecretKey, c.BookingsPerClient = "two-instances-share-this-secret", 30
	}})
	return []*app.App{a.App, b.App}, []string{a.URL, b.URL}
}
