package booking_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/booking"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// TestBatchWithOneBadBooking queues, behind a transaction that holds
// SQLite's writer, four bookings of one slot and one of a slot that the
// held transaction then deletes: the batch that holds all five fails on
// the deleted slot, and each booking is then stored on its own, so the
// four are confirmed, the fifth is refused, and the counts agree.
func TestBatchWithOneBadBooking(t *testing.T) {
	e := apptest.New(t)
	f := setup(t, e)
	good, bad := f.slot(t, f.project, 8, 10), f.slot(t, f.project, 9, 10)
	ctx := context.Background()
	book := func(slot int64, i int) error {
		_, err := e.App.Booking.Book(ctx, slot, booking.Input{Name: "观众", Phone: fmt.Sprintf("1390000%04d", i), Party: 1, Consent: true})
		return err
	}
	held, release := make(chan struct{}), make(chan struct{})
	heldDone := make(chan error, 1)
	go func() {
		heldDone <- e.App.DB.InTx(ctx, func(tx *db.Tx) error {
			close(held)
			<-release
			_, err := tx.Exec(ctx, `DELETE FROM booking_slots WHERE id = ?`, bad)
			return err
		})
	}()
	<-held
	var wg sync.WaitGroup
	results := make([]error, 6)
	// The first booking is taken alone by the writer, which then waits
	// for the held transaction; the next five queue behind it.
	wg.Add(1)
	go func() { defer wg.Done(); results[0] = book(good, 0) }()
	time.Sleep(100 * time.Millisecond)
	for i := 1; i <= 5; i++ {
		slot := good
		if i == 5 {
			slot = bad
		}
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = book(slot, i) }()
	}
	time.Sleep(300 * time.Millisecond)
	close(release)
	if err := <-heldDone; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, err := range results[:5] {
		if err != nil {
			t.Errorf("booking %d of the good slot: %v", i, err)
		}
	}
	if !errs.Is(results[5], errs.Full) {
		t.Errorf("booking of the deleted slot: %v; want full", results[5])
	}
	var taken, rows int
	if err := e.App.DB.QueryRow(ctx, `SELECT taken, (SELECT COUNT(*) FROM bookings WHERE slot_id = ?) FROM booking_slots WHERE id = ?`, good, good).Scan(&taken, &rows); err != nil {
		t.Fatal(err)
	}
	if taken != 5 || rows != 5 {
		t.Errorf("the good slot counts %d taken and %d bookings; want 5 and 5", taken, rows)
	}
}

// TestPhoneLimitInBatches books six slots at once with one phone, under a
// limit of three bookings per phone: the batches count the phone's
// bookings, stored and in the same batch, so three are confirmed and the
// others are refused with the phone's limit.
func TestPhoneLimitInBatches(t *testing.T) {
	e := apptest.New(t)
	f := setup(t, e)
	e.App.Booking.Guard = booking.Guard{PhoneMax: 3}
	ctx := context.Background()
	var wg sync.WaitGroup
	results := make([]error, 6)
	for i := range results {
		slot := f.slot(t, f.project, 16+i, 10)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, results[i] = e.App.Booking.Book(ctx, slot, booking.Input{Name: "观众", Phone: "13900001111", Party: 1, Consent: true})
		}()
	}
	wg.Wait()
	var ok, limited int
	for _, err := range results {
		switch {
		case err == nil:
			ok++
		case errs.Is(err, errs.RateLimited):
			limited++
		default:
			t.Errorf("booking: %v", err)
		}
	}
	if ok != 3 || limited != 3 {
		t.Errorf("%d confirmed and %d limited; want 3 and 3", ok, limited)
	}
	if _, err := e.App.Booking.Book(ctx, f.slot(t, f.project, 22, 10), booking.Input{Name: "观众", Phone: "13900001111", Party: 1, Consent: true}); !errs.Is(err, errs.RateLimited) {
		t.Errorf("a later booking of the phone: %v; want limited", err)
	}
}
