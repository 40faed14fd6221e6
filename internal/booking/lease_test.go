package booking_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/app"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/booking"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// placesHeld reads a slot's count, its active bookings' places and what
// leases hold of it.
func placesHeld(t *testing.T, d *db.DB, slot int64) (taken, booked, leased, leases int) {
	t.Helper()
	err := d.QueryRow(context.Background(), `SELECT taken,
			(SELECT COALESCE(SUM(party), 0) FROM bookings WHERE slot_id = ? AND state = 'active'),
			(SELECT COALESCE(SUM(places), 0) FROM booking_leases WHERE slot_id = ?),
			(SELECT COUNT(*) FROM booking_leases WHERE slot_id = ?)
		FROM booking_slots WHERE id = ?`, slot, slot, slot, slot).Scan(&taken, &booked, &leased, &leases)
	if err != nil {
		t.Fatal(err)
	}
	return
}

// rush books the slot through the servers from clients visitors, each
// from its own address, each booking times one after the other with its
// own phone; it returns the statuses answered.
func rush(t *testing.T, bases []string, slot int64, clients, times int, phones string) map[int]int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := range clients {
		wg.Go(func() {
			c := clientFrom()
			for j := range times {
				status, body := post(t, c, bases[(i+j)%len(bases)], slot, bookingJSON("观众", fmt.Sprintf(phones, i*times+j), 1))
				if status != 201 && status != 429 && (status != 409 || testing.Verbose()) {
					t.Errorf("booking %d/%d: %d %s", i, j, status, body)
				}
				mu.Lock()
				statuses[status]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return statuses
}

// TestLeasesOnTwoServers books one slot in a rush through two servers
// sharing PostgreSQL: the servers book from leases, every booking
// confirmed is stored, the slot's count is its bookings plus what the
// leases hold at every step, and once idle the leases are handed back.
// One address booking through both servers at once gets exactly its
// share of the slot, which each server's lease alone would not bound.
func TestLeasesOnTwoServers(t *testing.T) {
	apps, bases := twoServers(t)
	for _, a := range apps {
		a.Booking.Guard = booking.Guard{AddressPercent: 2}
		a.Booking.SetLeases(true, 2*time.Second)
	}
	f := setup(t, &apptest.Env{App: apps[0], URL: bases[0]})
	slot := f.slot(t, f.other, 21, 1000)
	apps[1].Program.Invalidate()

	var wg sync.WaitGroup
	var crowd, one map[int]int
	wg.Go(func() { crowd = rush(t, bases, slot, 32, 10, "1371%07d") })
	wg.Go(func() { one = rush(t, bases, slot, 1, 50, "1372%07d") })
	// Watch the leases while the rush goes on.
	seen := 0
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for watching := true; watching; {
		select {
		case <-done:
			watching = false
		case <-time.After(5 * time.Millisecond):
			_, _, _, n := placesHeld(t, apps[0].DB, slot)
			seen = max(seen, n)
		}
	}
	if crowd[201] != 320 {
		t.Errorf("the crowd got %v; want 320 × 201", crowd)
	}
	// 2% of 1,000 places: 20 for the one address, 30 refused.
	if one[201] != 20 || one[429] != 30 {
		t.Errorf("one address through both servers got %v; want 20 × 201 and 30 × 429", one)
	}
	taken, booked, leased, _ := placesHeld(t, apps[0].DB, slot)
	if booked != 340 || taken != booked+leased || taken > 1000 {
		t.Errorf("slot: %d taken, %d booked, %d leased; want 340 booked and taken = booked + leased", taken, booked, leased)
	}
	if seen == 0 {
		t.Error("no lease was held during the rush: the servers locked the slot's row for every batch")
	}
	waitFor(t, func() bool {
		taken, booked, _, n := placesHeld(t, apps[0].DB, slot)
		return n == 0 && taken == booked
	})
}

// TestLeaseReclaimedUnderItsServer takes a running server's lease away,
// as another server does once it has expired: the server's next batch
// finds its lease gone and stores its bookings under the slot's lock, so
// every count stays right.
func TestLeaseReclaimedUnderItsServer(t *testing.T) {
	e := apptest.OnPostgres(t, apptest.Options{Configure: func(c *app.Config) { c.BookingsPerClient = 1000 }})
	e.App.Booking.SetLeases(true, time.Hour)
	f := setup(t, e)
	slot := f.slot(t, f.other, 21, 5000)
	ctx := context.Background()
	// A rush long enough that bookings are queued when batches commit,
	// so the server takes places ahead.
	total := 0
	for round := 0; ; round++ {
		total += 288
		if s := rush(t, []string{e.URL}, slot, 48, 6, fmt.Sprintf("13%d%%07d", 70+round)); s[201] != 288 {
			t.Fatalf("round %d: %v", round, s)
		}
		if _, _, leased, _ := placesHeld(t, e.App.DB, slot); leased > 0 {
			break
		}
		if round == 5 {
			t.Fatal("no places held ahead after five rushes")
		}
	}
	if _, err := e.App.DB.Exec(ctx, `UPDATE booking_leases SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	n, err := e.App.Booking.ReclaimLeases(ctx)
	if err != nil || n == 0 {
		t.Fatalf("reclaimed %d places: %v", n, err)
	}
	taken, booked, leased, _ := placesHeld(t, e.App.DB, slot)
	if leased != 0 || taken != booked {
		t.Fatalf("after reclaiming: %d taken, %d booked, %d leased", taken, booked, leased)
	}
	if s := rush(t, []string{e.URL}, slot, 48, 6, "1380%07d"); s[201] != 288 {
		t.Fatalf("after the lease was taken away: %v", s)
	}
	total += 288
	taken, booked, leased, _ = placesHeld(t, e.App.DB, slot)
	if taken != booked+leased || booked != total {
		t.Errorf("after the rush: %d taken, %d booked, %d leased", taken, booked, leased)
	}
}

// TestLeaseOfAStoppedServer leaves on a full slot the lease of a server
// that stopped without handing it back: nothing reclaims it before it
// expires; then its places return to the slot and go to the waiting list.
func TestLeaseOfAStoppedServer(t *testing.T) {
	e := apptest.OnPostgres(t, apptest.Options{})
	f := setup(t, e)
	slot := f.slot(t, f.other, 21, 10)
	ctx := context.Background()
	for i := range 8 {
		if err := booker(e)(slot, i); err != nil {
			t.Fatal(err)
		}
	}
	// What a server killed while holding two places leaves behind.
	err := e.App.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE booking_slots SET taken = taken + 2 WHERE id = ?`, slot); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO booking_leases (slot_id, holder, places, expires_at) VALUES (?, 'stopped', 2, now() + interval '1 hour')`, slot)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var waiting []booking.Booking
	for i := range 3 {
		b, err := e.App.Booking.Book(ctx, slot, booking.Input{Name: "候补", Phone: fmt.Sprintf("1391000%04d", i), Party: 1, Consent: true, Waitlist: true})
		if err != nil || b.State != booking.StateWaiting {
			t.Fatalf("booking a full slot with the waiting list: %+v %v", b, err)
		}
		waiting = append(waiting, b)
	}
	if n, err := e.App.Booking.ReclaimLeases(ctx); n != 0 || err != nil {
		t.Fatalf("a lease that has not expired was reclaimed: %d %v", n, err)
	}
	if _, err := e.App.DB.Exec(ctx, `UPDATE booking_leases SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	if n, err := e.App.Booking.ReclaimLeases(ctx); n != 2 || err != nil {
		t.Fatalf("reclaimed %d places of the stopped server's 2: %v", n, err)
	}
	states := map[string]string{}
	rows, err := e.App.DB.Query(ctx, `SELECT code, state FROM bookings WHERE slot_id = ?`, slot)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var code, state string
		rows.Scan(&code, &state)
		states[code] = state
	}
	rows.Close()
	if states[waiting[0].Code] != "active" || states[waiting[1].Code] != "active" || states[waiting[2].Code] != "waiting" {
		t.Errorf("after the places came back the waiting list is %s, %s, %s; want active, active, waiting",
			states[waiting[0].Code], states[waiting[1].Code], states[waiting[2].Code])
	}
	taken, booked, leased, _ := placesHeld(t, e.App.DB, slot)
	if taken != 10 || booked != 10 || leased != 0 {
		t.Errorf("slot: %d taken, %d booked, %d leased; want 10, 10, 0", taken, booked, leased)
	}
}
