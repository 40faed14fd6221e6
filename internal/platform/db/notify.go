package db

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// Broadcast tells every sciweek process on the same PostgreSQL database
// that something named by channel changed (LISTEN/NOTIFY), so that each
// brings what it keeps in memory in line; payload (under 8,000 bytes)
// says what changed, for the listener to read. On SQLite, which one
// process serves, it does nothing.
func (d *DB) Broadcast(ctx context.Context, channel, payload string) error {
	if d.Dialect != Postgres {
		return nil
	}
	_, err := d.write.ExecContext(ctx, `SELECT pg_notify($1, $2)`, channel, payload)
	return err
}

// Listen calls fn with the payload of every Broadcast on channel, from
// this process or another, until ctx ends. It holds one connection of its
// own and, when that breaks, connects again; fn is also called with an
// empty payload after each connection, as a broadcast may have been
// missed meanwhile. On SQLite it returns at once.
func (d *DB) Listen(ctx context.Context, channel string, log *slog.Logger, fn func(payload string)) {
	if d.Dialect != Postgres {
		return
	}
	wait := time.Second
	for ctx.Err() == nil {
		err := d.listen(ctx, channel, fn)
		if ctx.Err() != nil {
			return
		}
		log.Warn("listening for changes from other servers", "channel", channel, "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, time.Minute)
	}
}

func (d *DB) listen(ctx context.Context, channel string, fn func(string)) error {
	conn, err := pgx.Connect(ctx, d.url)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	fn("")
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		fn(n.Payload)
	}
}
