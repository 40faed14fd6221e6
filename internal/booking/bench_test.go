package booking_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/booking"
	"github.com/sciweek/sciweek/internal/platform/db/dbtest"
)

// BenchmarkBook measures the service alone taking bookings of one slot in
// parallel on SQLite (and PostgreSQL when SCIWEEK_TEST_POSTGRES_URL is
// set), without HTTP: in batches, and one transaction per booking.
//
//	go test ./internal/booking/ -run '^$' -bench 'Book$' -cpu 64
func BenchmarkBook(b *testing.B) {
	for _, pg := range []bool{false, true} {
		for _, one := range []bool{false, true} {
			name := map[bool]string{false: "sqlite", true: "postgres"}[pg] + map[bool]string{false: "/batched", true: "/one-by-one"}[one]
			b.Run(name, func(b *testing.B) {
				var o apptest.Options
				if pg {
					u, ok := dbtest.PostgresURL(b)
					if !ok {
						b.Skip("SCIWEEK_TEST_POSTGRES_URL is not set")
					}
					o.DatabaseURL = u
				}
				benchBook(b, apptest.Start(b, o), one)
			})
		}
	}
}

func benchBook(b *testing.B, e *apptest.Env, one bool) {
	e.App.Booking.SetOneByOne(one)
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
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "bookings/s")
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
