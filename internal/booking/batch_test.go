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
	book := booker(e)
	release := holdTx(t, e, nil, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM booking_slots WHERE id = ?`, bad)
		return err
	})
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
	release()
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

// TestBatchJoinsWhileLocked holds a slot's row lock, as another server's
// batch would, while one booking of it waits in the writer's batch and
// more of it and of another slot queue: once the lock is free, the
// bookings of the locked slot that queued meanwhile are stored in the
// waiting batch's transaction, those of the other slot in the next one,
// and every booking is confirmed and counted once.
func TestBatchJoinsWhileLocked(t *testing.T) {
	e := apptest.OnPostgres(t, apptest.Options{})
	f := setup(t, e)
	locked, other := f.slot(t, f.project, 19, 10), f.slot(t, f.project, 20, 10)
	ctx := context.Background()
	book := booker(e)
	release := holdTx(t, e, func(tx *db.Tx) error {
		var n int
		return tx.QueryRow(ctx, `SELECT taken FROM booking_slots WHERE id = ? FOR UPDATE`, locked).Scan(&n)
	}, nil)
	var wg sync.WaitGroup
	results := make([]error, 9)
	wg.Add(1)
	go func() { defer wg.Done(); results[0] = book(locked, 0) }()
	// The writer's batch waits for the lock ...
	waitFor(t, func() bool {
		var n int
		err := e.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n)
		return err == nil && n == 1
	})
	for i := 1; i < len(results); i++ {
		slot := locked
		if i > 5 {
			slot = other
		}
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = book(slot, i) }()
	}
	// ... while the others queue.
	waitFor(t, func() bool { return e.App.Booking.Queued() == len(results)-1 })
	release()
	wg.Wait()
	for i, err := range results {
		if err != nil {
			t.Errorf("booking %d: %v", i, err)
		}
	}
	for slot, want := range map[int64]int{locked: 6, other: 3} {
		var taken, rows, txs int
		if err := e.App.DB.QueryRow(ctx, `SELECT taken, (SELECT COUNT(*) FROM bookings WHERE slot_id = ?), (SELECT COUNT(DISTINCT xmin::text) FROM bookings WHERE slot_id = ?)
			FROM booking_slots WHERE id = ?`, slot, slot, slot).Scan(&taken, &rows, &txs); err != nil {
			t.Fatal(err)
		}
		if taken != want || rows != want || txs != 1 {
			t.Errorf("slot %d: %d taken, %d bookings in %d transactions; want %d, %d in 1", slot, taken, rows, txs, want, want)
		}
	}
}

// booker books a slot for one person with the ith phone.
func booker(e *apptest.Env) func(slot int64, i int) error {
	return func(slot int64, i int) error {
		_, err := e.App.Booking.Book(context.Background(), slot, booking.Input{Name: "观众", Phone: fmt.Sprintf("1390000%04d", i), Party: 1, Consent: true})
		return err
	}
}

// holdTx runs first in a transaction and holds it open, with its locks,
// until release is called; release then runs then, commits, and fails the
// test on an error. Either function may be nil.
func holdTx(t *testing.T, e *apptest.Env, first, then func(tx *db.Tx) error) (release func()) {
	t.Helper()
	held, released := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- e.App.DB.InTx(context.Background(), func(tx *db.Tx) error {
			if first != nil {
				if err := first(tx); err != nil {
					close(held)
					return err
				}
			}
			close(held)
			<-released
			if then != nil {
				return then(tx)
			}
			return nil
		})
	}()
	<-held
	return func() {
		t.Helper()
		close(released)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// waitFor polls ok until it holds, for at most 20 seconds.
func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
	}
}
