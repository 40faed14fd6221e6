package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/sciweek/sciweek/internal/platform/db"
)

// Task is work done on a schedule, such as sending the reminders that have
// come due or erasing visitors' phone numbers after a campaign.
type Task func(ctx context.Context, now time.Time) error

type schedule struct {
	name  string
	every time.Duration
}

// Every runs task once per period of length every, counted from the Unix
// epoch, in whichever process gets there first: each period's run is a job
// with a unique key, so two processes sharing a database do not both run
// it, and a failed run is retried like any job. Register tasks before Run.
func (q *Queue) Every(name string, every time.Duration, task Task) {
	q.init()
	kind := "every:" + name
	q.Handle(kind, func(ctx context.Context, j Job) error {
		return task(ctx, q.Clock.Now())
	})
	q.mu.Lock()
	q.every = append(q.every, schedule{name: name, every: every})
	q.mu.Unlock()
}

// Tick queues the run of every scheduled task whose period has begun and
// not yet been queued.
func (q *Queue) Tick(ctx context.Context) error {
	q.init()
	q.mu.Lock()
	tasks := append([]schedule(nil), q.every...)
	q.mu.Unlock()
	now := q.Clock.Now()
	for _, s := range tasks {
		slot := now.Truncate(s.every)
		key := fmt.Sprintf("every:%s@%d", s.name, slot.Unix())
		if _, err := q.Enqueue(ctx, q.DB, "every:"+s.name, struct{}{}, Options{Key: key, MaxAttempts: 3}); err != nil {
			return err
		}
	}
	return nil
}

// schedule ticks once a minute until ctx ends.
func (q *Queue) schedule(ctx context.Context) {
	for {
		if err := q.Tick(ctx); err != nil && ctx.Err() == nil {
			q.Log.Error("schedule jobs", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Minute):
		}
	}
}

// Prune deletes finished jobs older than before; failed ones stay for
// whoever looks into them.
func (q *Queue) Prune(ctx context.Context, before time.Time) (int64, error) {
	res, err := q.DB.Exec(ctx, `DELETE FROM jobs WHERE state = 'done' AND finished_at < ?`, db.At(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Counts tells how many jobs stand in each state.
func (q *Queue) Counts(ctx context.Context) (map[string]int, error) {
	rows, err := q.DB.Query(ctx, `SELECT state, COUNT(*) FROM jobs GROUP BY state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{"queued": 0, "running": 0, "done": 0, "failed": 0}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, err
		}
		out[state] = n
	}
	return out, rows.Err()
}
