package db_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/platform/db"
)

// TestLogCopiedApartFromTheWriter writes SQLite's log full over and over,
// pausing between rounds as a server does: the writer checkpoints none of
// it itself, yet the log is copied back and starts again, so it stays the
// size of a round rather than of all the writes.
func TestLogCopiedApartFromTheWriter(t *testing.T) {
	dir := t.TempDir()
	d, err := db.Open(context.Background(), db.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	if _, err := d.Exec(ctx, `CREATE TABLE pages (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("科", 1400) // a page of its own for every row
	const rounds, perRound = 12, 300
	for range rounds {
		for range perRound {
			if _, err := d.Exec(ctx, `INSERT INTO pages (body) VALUES (?)`, body); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	fi, err := os.Stat(filepath.Join(dir, "sciweek.db-wal"))
	if err != nil {
		t.Fatal(err)
	}
	// Every round writes about 300 pages of 4 kB, 1.2 MB; all of them 14 MB.
	if fi.Size() > 4<<20 {
		t.Errorf("the log is %d bytes after %d rounds of %d pages: it is not copied back and started again", fi.Size(), rounds, perRound)
	}
	var n int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM pages`).Scan(&n); err != nil || n != rounds*perRound {
		t.Fatalf("%d rows, %v", n, err)
	}
}
