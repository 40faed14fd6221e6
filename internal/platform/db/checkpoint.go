package db

import (
	"context"
	"sync"
	"time"
)

// SQLite's write-ahead log is copied back into the database file by a
// checkpoint. SQLite runs one by itself in the commit of whichever write
// takes the log past 1,000 pages, before that write returns; with one
// writer, that commit is the serial part of every write, and in a
// booking rush a checkpoint came to 8–10% of the server's time in the
// writer's turn. The writer therefore runs none (wal_autocheckpoint 0):
// a goroutine of its own runs a passive checkpoint on a reading
// connection shortly after writes, which copies what it can without
// stopping the writer or any reader, and the next write after a complete
// checkpoint starts the log again from its beginning, so it does not grow.

// checkpointAfter is how long the checkpointer lets writes gather after
// one before it copies them.
const checkpointAfter = 100 * time.Millisecond

type checkpointer struct {
	wrote   chan struct{}
	stop    chan struct{}
	done    chan struct{}
	stopped sync.Once
}

// startCheckpoints starts the checkpointer of a SQLite database.
func (d *DB) startCheckpoints() {
	d.ckpt = &checkpointer{wrote: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go d.checkpoints()
}

// wrote tells the checkpointer that a write committed.
func (d *DB) wrote() {
	if d.ckpt == nil {
		return
	}
	select {
	case d.ckpt.wrote <- struct{}{}:
	default:
	}
}

func (d *DB) checkpoints() {
	c := d.ckpt
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		case <-c.wrote:
		}
		select {
		case <-c.stop:
			return
		case <-time.After(checkpointAfter):
		}
		var busy, log, copied int
		d.read.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied)
	}
}

// stopCheckpoints stops the checkpointer; closing the last connection
// checkpoints what is left.
func (d *DB) stopCheckpoints() {
	if d.ckpt == nil {
		return
	}
	d.ckpt.stopped.Do(func() { close(d.ckpt.stop) })
	<-d.ckpt.done
}
