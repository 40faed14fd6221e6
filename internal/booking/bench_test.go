package booking_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/booking"
)

// BenchmarkBook measures the service alone taking bookings in parallel on
// SQLite, without HTTP.
func BenchmarkBook(b *testing.B) {
	e := apptest.New(b)
	f := setupTB(b, e)
	slot := f.slotTB(b, f.openDay, 8, 100000)
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if _, err := e.App.Booking.Book(context.Background(), slot, booking.Input{Name: "观众", Phone: fmt.Sprintf("13%09d", i), Party: 1, Consent: true}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkBookHTTP measures bookings through the whole HTTP stack.
func BenchmarkBookHTTP(b *testing.B) {
	e := apptest.New(b)
	f := setupTB(b, e)
	slot := f.slotTB(b, f.openDay, 8, 100000)
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := clientFrom()
		k := 0
		for pb.Next() {
			if k++; k%25 == 0 {
				c = clientFrom()
			}
			i := n.Add(1)
			if status, body := post(b, c, e.URL, slot, bookingJSON("观众", fmt.Sprintf("13%09d", i), 1)); status != 201 {
				b.Errorf("%d %s", status, body)
				return
			}
		}
	})
}
