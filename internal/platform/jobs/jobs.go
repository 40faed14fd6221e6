// Package jobs is sciweek's durable work queue: jobs are rows in the
// database, written in the same transaction as the change that causes them,
// claimed by one worker at a time under a lease, retried with back-off, and
// found again after a restart. Several sciweek processes may share one
// PostgreSQL database: each job still runs once at a time, and a job whose
// worker died runs again when its lease expires.
package jobs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// Job is one claimed unit of work.
type Job struct {
	ID          int64
	Kind        string
	Payload     json.RawMessage
	Attempt     int // 1 on the first run
	MaxAttempts int
}

// LastAttempt reports whether a failure now fails the job for good.
func (j Job) LastAttempt() bool { return j.Attempt >= j.MaxAttempts }

// Handler does the work of a job. An error retries the job later unless it
// is Permanent or the attempts are used up.
type Handler func(ctx context.Context, j Job) error

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as one that retrying cannot fix: the job fails now.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// Options change how a job is queued.
type Options struct {
	// RunAt delays the job; zero means now.
	RunAt time.Time
	// Key, when set, makes the job unique: a second job with the same key
	// is not queued, whichever process tries.
	Key string
	// MaxAttempts bounds the runs; zero means DefaultMaxAttempts.
	MaxAttempts int
}

// DefaultMaxAttempts is how often a job runs before it fails for good.
const DefaultMaxAttempts = 5

// Queue stores jobs and runs them.
type Queue struct {
	DB    *db.DB
	Clock clock.Clock
	Log   *slog.Logger
	// Lease is how long a claimed job belongs to its worker; a job still
	// running after that is taken to be lost and runs again.
	Lease time.Duration
	// Poll is how often an idle worker looks for due jobs.
	Poll time.Duration
	// Workers is how many jobs run at once in this process.
	Workers int
	// Backoff is the wait before the next attempt after a failed one.
	Backoff func(attempt int) time.Duration

	mu       sync.Mutex
	handlers map[string]Handler
	every    []schedule
	wake     chan struct{}
	worker   string
}

// Backoff doubles from 30 seconds up to an hour: 30s, 1m, 2m, 4m, …
func Backoff(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

func (q *Queue) init() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.handlers == nil {
		q.handlers = map[string]Handler{}
		q.wake = make(chan struct{}, 1)
		b := make([]byte, 6)
		rand.Read(b)
		q.worker = hex.EncodeToString(b)
	}
	if q.Clock == nil {
		q.Clock = clock.System{}
	}
	if q.Log == nil {
		q.Log = slog.Default()
	}
	if q.Lease <= 0 {
		q.Lease = 5 * time.Minute
	}
	if q.Poll <= 0 {
		q.Poll = time.Second
	}
	if q.Workers <= 0 {
		q.Workers = 2
	}
	if q.Backoff == nil {
		q.Backoff = Backoff
	}
}

// Handle registers the handler of a kind of job.
func (q *Queue) Handle(kind string, h Handler) {
	q.init()
	q.mu.Lock()
	q.handlers[kind] = h
	q.mu.Unlock()
}

func (q *Queue) handler(kind string) Handler {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.handlers[kind]
}

// Enqueue stores a job through x — a transaction, so that the job exists
// exactly when the change that asks for it commits. It returns the job's
// id, or 0 when a job with the same key already exists.
func (q *Queue) Enqueue(ctx context.Context, x db.Querier, kind string, payload any, o Options) (int64, error) {
	q.init()
	body, err := json.Marshal(payload)
	if err != nil {
		return 0, err
	}
	now := q.Clock.Now()
	runAt := o.RunAt
	if runAt.IsZero() {
		runAt = now
	}
	attempts := o.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	var key any
	if o.Key != "" {
		key = o.Key
	}
	if d, ok := x.(*db.DB); ok {
		var id int64
		err := d.InTx(ctx, func(tx *db.Tx) error {
			var err error
			id, err = q.Enqueue(ctx, tx, kind, payload, o)
			return err
		})
		return id, err
	}
	var id int64
	err = x.QueryRow(ctx, `INSERT INTO jobs (kind, payload, unique_key, max_attempts, run_at, created_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (unique_key) DO NOTHING RETURNING id`, kind, string(body), key, attempts, db.At(runAt), db.At(now)).Scan(&id)
	if errors.Is(err, errNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("queue %s job: %w", kind, err)
	}
	if tx, ok := x.(*db.Tx); ok {
		tx.AfterCommit(q.Wake)
	} else {
		q.Wake()
	}
	return id, nil
}

// Wake makes an idle worker look for jobs now.
func (q *Queue) Wake() {
	q.init()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// claim takes the next due job, or a running one whose lease expired.
// With look it first looks on the read pool, so an idle queue polling
// does not take the writer (SQLite has one) each time.
func (q *Queue) claim(ctx context.Context, look bool) (Job, bool, error) {
	now := q.Clock.Now()
	if look && !q.anyDue(ctx, now) {
		return Job{}, false, nil
	}
	lock := ""
	if q.DB.Dialect == db.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var j Job
	var payload string
	err := q.DB.InTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = ?, locked_until = ?
		WHERE id = (SELECT id FROM jobs WHERE (state = 'queued' AND run_at <= ?) OR (state = 'running' AND locked_until < ?)
			ORDER BY run_at, id LIMIT 1`+lock+`)
		RETURNING id, kind, payload, attempts, max_attempts`,
			q.worker, db.At(now.Add(q.Lease)), db.At(now), db.At(now)).Scan(&j.ID, &j.Kind, &payload, &j.Attempt, &j.MaxAttempts)
	})
	if errors.Is(err, errNoRows) {
		return j, false, nil
	}
	if err != nil {
		return j, false, fmt.Errorf("claim job: %w", err)
	}
	j.Payload = json.RawMessage(payload)
	return j, true, nil
}

// keepLease renews the lease of a job while it runs, so a long job is not
// taken for lost; the returned function stops renewing.
func (q *Queue) keepLease(ctx context.Context, j Job) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(q.Lease / 3):
			}
			if _, err := q.DB.Exec(ctx, `UPDATE jobs SET locked_until = ? WHERE id = ? AND locked_by = ? AND state = 'running'`,
				db.At(q.Clock.Now().Add(q.Lease)), j.ID, q.worker); err != nil {
				q.Log.Warn("renew job lease", "kind", j.Kind, "id", j.ID, "err", err)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// anyDue reports whether a job is due, reading without taking the writer.
func (q *Queue) anyDue(ctx context.Context, now time.Time) bool {
	var n int
	err := q.DB.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM jobs WHERE (state = 'queued' AND run_at <= ?) OR (state = 'running' AND locked_until < ?) LIMIT 1) d`,
		db.At(now), db.At(now)).Scan(&n)
	return err != nil || n > 0 // on doubt, claim
}

// run runs one claimed job and records its outcome. A panic in the
// handler fails the job and leaves the worker running.
func (q *Queue) run(ctx context.Context, j Job) {
	stop := q.keepLease(ctx, j)
	err := q.call(ctx, j)
	stop()
	now := q.Clock.Now()
	var res interface{ RowsAffected() (int64, error) }
	var dbErr error
	switch {
	case err == nil:
		res, dbErr = q.DB.Exec(ctx, `UPDATE jobs SET state = 'done', last_error = '', locked_until = NULL, finished_at = ? WHERE id = ? AND locked_by = ?`,
			db.At(now), j.ID, q.worker)
	case IsPermanent(err) || j.LastAttempt():
		q.Log.Warn("job failed", "kind", j.Kind, "id", j.ID, "attempt", j.Attempt, "err", err)
		res, dbErr = q.DB.Exec(ctx, `UPDATE jobs SET state = 'failed', last_error = ?, locked_until = NULL, finished_at = ? WHERE id = ? AND locked_by = ?`,
			clip(err.Error()), db.At(now), j.ID, q.worker)
	default:
		q.Log.Info("job will be retried", "kind", j.Kind, "id", j.ID, "attempt", j.Attempt, "err", err)
		res, dbErr = q.DB.Exec(ctx, `UPDATE jobs SET state = 'queued', last_error = ?, locked_until = NULL, run_at = ? WHERE id = ? AND locked_by = ?`,
			clip(err.Error()), db.At(now.Add(q.Backoff(j.Attempt))), j.ID, q.worker)
	}
	if dbErr != nil {
		q.Log.Error("record job outcome", "kind", j.Kind, "id", j.ID, "err", dbErr)
	} else if n, _ := res.RowsAffected(); n == 0 {
		q.Log.Warn("job outcome not recorded: its lease passed to another worker", "kind", j.Kind, "id", j.ID)
	}
}

func (q *Queue) call(ctx context.Context, j Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			q.Log.Error("job panicked", "kind", j.Kind, "id", j.ID, "panic", p, "stack", string(debug.Stack()))
			err = Permanent(fmt.Errorf("panic: %v", p))
		}
	}()
	h := q.handler(j.Kind)
	if h == nil {
		return Permanent(fmt.Errorf("no handler for job kind %q", j.Kind))
	}
	return h(ctx, j)
}

var errNoRows = sql.ErrNoRows

func clip(s string) string {
	if len(s) > 1000 {
		return s[:1000]
	}
	return s
}

// RunDue runs due jobs in this goroutine until none is left, and returns
// how many ran: for commands and tests that want the queue drained now.
func (q *Queue) RunDue(ctx context.Context) (int, error) {
	q.init()
	n := 0
	for {
		j, ok, err := q.claim(ctx, false)
		if err != nil || !ok {
			return n, err
		}
		q.run(ctx, j)
		n++
	}
}

// Run works the queue until ctx is cancelled, then waits for the jobs in
// hand to finish: a graceful stop. Jobs it did not get to stay queued.
func (q *Queue) Run(ctx context.Context) {
	q.init()
	var wg sync.WaitGroup
	// Jobs in hand finish on their own context, so a stop does not cut an
	// SMTP conversation in half.
	work := context.WithoutCancel(ctx)
	for range q.Workers {
		wg.Go(func() {
			look := false // busy or woken: claim at once; polling: look first
			for ctx.Err() == nil {
				j, ok, err := q.claim(ctx, look)
				if err != nil && ctx.Err() == nil {
					q.Log.Error("job queue", "err", err)
				}
				if ok {
					q.run(work, j)
					look = false
					continue
				}
				select {
				case <-ctx.Done():
				case <-q.wake:
					look = false
				case <-time.After(q.Poll):
					look = true
				}
			}
		})
	}
	wg.Go(func() { q.schedule(ctx) })
	wg.Wait()
}
