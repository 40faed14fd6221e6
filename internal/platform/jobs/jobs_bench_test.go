package jobs

import (
	"context"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/platform/db/dbtest"
)

// BenchmarkJobs measures how many trivial jobs a queue with the default
// two workers claims, runs and records per second; jobs are queued
// before the timer starts.
func BenchmarkJobs(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchJobs(b, dbtest.SQLite(b)) })
	if os.Getenv(dbtest.PostgresURLEnv) != "" {
		b.Run("postgres", func(b *testing.B) { benchJobs(b, dbtest.Postgres(b)) })
	}
}

func benchJobs(b *testing.B, d *db.DB) {
	ctx := context.Background()
	q := newQueue(d, clock.System{})
	var done atomic.Int64
	q.Handle("noop", func(ctx context.Context, j Job) error { done.Add(1); return nil })
	n := b.N
	err := d.InTx(ctx, func(tx *db.Tx) error {
		for i := range n {
			if _, err := q.Enqueue(ctx, tx, "noop", i, Options{}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	b.ResetTimer()
	start := time.Now()
	go func() { q.Run(runCtx); close(stopped) }()
	for done.Load() < int64(n) {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	<-stopped
	b.ReportMetric(float64(n)/elapsed.Seconds(), "jobs/s")
}
