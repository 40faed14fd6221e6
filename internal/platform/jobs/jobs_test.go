package jobs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/platform/db/dbtest"
)

var start = time.Date(2026, 12, 5, 9, 0, 0, 0, clock.Zone)

func newQueue(d *db.DB, clk clock.Clock) *Queue {
	return &Queue{DB: d, Clock: clk, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Poll: 20 * time.Millisecond}
}

type row struct {
	State    string
	Attempts int
	Error    string
}

func jobRow(t *testing.T, d *db.DB, id int64) row {
	t.Helper()
	var r row
	if err := d.QueryRow(context.Background(), `SELECT state, attempts, last_error FROM jobs WHERE id = ?`, id).Scan(&r.State, &r.Attempts, &r.Error); err != nil {
		t.Fatal(err)
	}
	return r
}

func mustEnqueue(t testing.TB, q *Queue, kind string, payload any, o Options) int64 {
	t.Helper()
	id, err := q.Enqueue(context.Background(), q.DB, kind, payload, o)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func runDue(t *testing.T, q *Queue) int {
	t.Helper()
	n, err := q.RunDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRetriesWithBackoff(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clk := clock.NewFixed(start)
		q := newQueue(d, clk)
		calls := 0
		q.Handle("flaky", func(ctx context.Context, j Job) error {
			calls++
			if j.Attempt < 3 {
				return errors.New("connection refused")
			}
			return nil
		})
		id := mustEnqueue(t, q, "flaky", map[string]int{"n": 1}, Options{})
		if n := runDue(t, q); n != 1 {
			t.Fatalf("ran %d jobs, want 1", n)
		}
		if r := jobRow(t, d, id); r.State != "queued" || r.Attempts != 1 || r.Error != "connection refused" {
			t.Fatalf("after a failure: %+v", r)
		}
		clk.Advance(29 * time.Second)
		if n := runDue(t, q); n != 0 {
			t.Fatal("the retry ran before its back-off")
		}
		clk.Advance(time.Second)
		runDue(t, q)
		clk.Advance(time.Minute) // the second wait is twice the first
		runDue(t, q)
		if r := jobRow(t, d, id); r.State != "done" || r.Attempts != 3 || calls != 3 {
			t.Fatalf("after three runs: %+v, %d calls", r, calls)
		}
	})
}

func TestFailures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clk := clock.NewFixed(start)
		q := newQueue(d, clk)
		q.Handle("down", func(ctx context.Context, j Job) error { return errors.New("server down") })
		q.Handle("refused", func(ctx context.Context, j Job) error { return Permanent(errors.New("550 no such mailbox")) })
		q.Handle("panics", func(ctx context.Context, j Job) error { panic("nil map") })
		ok := 0
		q.Handle("fine", func(ctx context.Context, j Job) error { ok++; return nil })

		down := mustEnqueue(t, q, "down", nil, Options{MaxAttempts: 2})
		refused := mustEnqueue(t, q, "refused", nil, Options{})
		panics := mustEnqueue(t, q, "panics", nil, Options{})
		unknown := mustEnqueue(t, q, "nobody-handles-this", nil, Options{})
		fine := mustEnqueue(t, q, "fine", nil, Options{})
		runDue(t, q)
		clk.Advance(time.Hour)
		runDue(t, q)

		for _, c := range []struct {
			id       int64
			attempts int
			err      string
		}{{down, 2, "server down"}, {refused, 1, "550 no such mailbox"}, {panics, 1, "panic: nil map"}, {unknown, 1, `no handler for job kind "nobody-handles-this"`}} {
			if r := jobRow(t, d, c.id); r.State != "failed" || r.Attempts != c.attempts || r.Error != c.err {
				t.Errorf("job %d: %+v, want failed after %d attempt(s) with %q", c.id, r, c.attempts, c.err)
			}
		}
		if r := jobRow(t, d, fine); r.State != "done" || ok != 1 {
			t.Errorf("the job after a panic: %+v", r)
		}
	})
}

func TestUniqueKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		q := newQueue(d, clock.NewFixed(start))
		if id := mustEnqueue(t, q, "x", nil, Options{Key: "remind:hqu:7"}); id == 0 {
			t.Fatal("first job not queued")
		}
		if id := mustEnqueue(t, q, "x", nil, Options{Key: "remind:hqu:7"}); id != 0 {
			t.Fatal("a second job with the same key was queued")
		}
	})
}

// TestKilledWorkerLosesNothing claims a job as a worker that then dies:
// nobody else takes it while the lease holds; once it expires the job runs
// again elsewhere, and the dead worker's late word is ignored.
func TestKilledWorkerLosesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clk := clock.NewFixed(start)
		dead, alive := newQueue(d, clk), newQueue(d, clk)
		runs := 0
		for _, q := range []*Queue{dead, alive} {
			q.Handle("send", func(ctx context.Context, j Job) error { runs++; return nil })
		}
		id := mustEnqueue(t, dead, "send", nil, Options{})
		j, ok, err := dead.claim(context.Background(), true)
		if err != nil || !ok || j.ID != id {
			t.Fatalf("claim: %v %v %v", j, ok, err)
		}
		if n := runDue(t, alive); n != 0 {
			t.Fatal("a job under lease ran twice")
		}
		clk.Advance(dead.Lease + time.Second)
		if n := runDue(t, alive); n != 1 || runs != 1 {
			t.Fatalf("after the lease: %d jobs ran", n)
		}
		dead.run(context.Background(), Job{ID: id, Kind: "boom-not-registered", Attempt: 1, MaxAttempts: 5})
		if r := jobRow(t, d, id); r.State != "done" || r.Attempts != 2 {
			t.Fatalf("job: %+v, want done after two claims", r)
		}
	})
}

func TestQueuedJobsSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	open := func() *db.DB {
		d, err := db.Open(ctx, db.Config{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := open()
	q := newQueue(d, clock.System{})
	for range 3 {
		mustEnqueue(t, q, "later", nil, Options{})
	}
	d.Close()

	d = open()
	defer d.Close()
	q = newQueue(d, clock.System{})
	ran := 0
	q.Handle("later", func(ctx context.Context, j Job) error { ran++; return nil })
	if n := runDue(t, q); n != 3 || ran != 3 {
		t.Fatalf("after a restart %d jobs ran", n)
	}
}

func TestGracefulStop(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		q := newQueue(d, clock.System{})
		started, release := make(chan struct{}), make(chan struct{})
		q.Handle("slow", func(ctx context.Context, j Job) error {
			close(started)
			<-release
			return ctx.Err()
		})
		id := mustEnqueue(t, q, "slow", nil, Options{})
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		go func() { q.Run(ctx); close(stopped) }()
		<-started
		cancel()
		select {
		case <-stopped:
			t.Fatal("Run returned with a job in hand")
		case <-time.After(100 * time.Millisecond):
		}
		close(release)
		<-stopped
		if r := jobRow(t, d, id); r.State != "done" {
			t.Fatalf("the job in hand: %+v", r)
		}
	})
}

// TestTwoProcessesRunEachJobOnce runs two queues with their own
// connection pools on one PostgreSQL database, as two servers would.
func TestTwoProcessesRunEachJobOnce(t *testing.T) {
	u, ok := dbtest.PostgresURL(t)
	if !ok {
		t.Skip("PostgreSQL not configured")
	}
	ctx := context.Background()
	var dbs []*db.DB
	for range 2 {
		d, err := db.Open(ctx, db.Config{URL: u})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if _, err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		dbs = append(dbs, d)
	}
	const n = 200
	var mu sync.Mutex
	runs := map[int64]int{}
	var done atomic.Int64
	var queues []*Queue
	for _, d := range dbs {
		q := newQueue(d, clock.System{})
		q.Workers = 3
		q.Handle("count", func(ctx context.Context, j Job) error {
			mu.Lock()
			runs[j.ID]++
			mu.Unlock()
			done.Add(1)
			return nil
		})
		queues = append(queues, q)
	}
	for i := range n {
		mustEnqueue(t, queues[i%2], "count", i, Options{})
	}
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, q := range queues {
		wg.Go(func() { q.Run(runCtx) })
	}
	deadline := time.Now().Add(20 * time.Second)
	for done.Load() < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // let any double run show itself
	cancel()
	wg.Wait()
	if len(runs) != n {
		t.Fatalf("%d of %d jobs ran", len(runs), n)
	}
	for id, c := range runs {
		if c != 1 {
			t.Errorf("job %d ran %d times", id, c)
		}
	}
}

func TestEveryRunsOncePerPeriod(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clk := clock.NewFixed(start)
		ran := 0
		a, b := newQueue(d, clk), newQueue(d, clk)
		for _, q := range []*Queue{a, b} {
			q.Every("reminders", time.Hour, func(ctx context.Context, now time.Time) error { ran++; return nil })
			if err := q.Tick(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		runDue(t, a)
		runDue(t, b)
		clk.Advance(10 * time.Minute)
		a.Tick(context.Background())
		runDue(t, a)
		if ran != 1 {
			t.Fatalf("the task ran %d times in one hour, want once", ran)
		}
		clk.Advance(time.Hour)
		b.Tick(context.Background())
		runDue(t, b)
		if ran != 2 {
			t.Fatalf("the task ran %d times in two hours, want twice", ran)
		}
	})
}

// TestLongJobKeepsItsLease: a job that runs past its lease renews it, so
// no other worker takes it for lost.
func TestLongJobKeepsItsLease(t *testing.T) {
	d := dbtest.SQLite(t)
	q := newQueue(d, clock.System{})
	q.Lease = 300 * time.Millisecond
	other := newQueue(d, clock.System{})
	runs := 0
	q.Handle("long", func(ctx context.Context, j Job) error {
		time.Sleep(time.Second)
		if n, _ := other.RunDue(ctx); n != 0 {
			return errors.New("another worker took the job")
		}
		return nil
	})
	other.Handle("long", func(ctx context.Context, j Job) error { runs++; return nil })
	id := mustEnqueue(t, q, "long", nil, Options{})
	runDue(t, q)
	if r := jobRow(t, d, id); r.State != "done" || runs != 0 {
		t.Fatalf("long job: %+v, taken %d times by the other worker", r, runs)
	}
}
