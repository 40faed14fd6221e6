package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// pgbenchScript is the shape of a booking on one popular slot as a bare
// transaction: count one place out of one row, store one row.
const pgbenchScript = `BEGIN;
UPDATE bookbench_slot SET taken = taken + 1 WHERE id = 1;
INSERT INTO bookbench_booking (slot_id, code) VALUES (1, md5(random()::text));
END;
`

// pgbench runs pgbenchScript with the given clients against the database
// for d, in tables of its own that it drops afterwards, and returns the
// transactions per second and the load average at the end.
func pgbench(ctx context.Context, databaseURL string, clients int, d time.Duration) (float64, string, error) {
	psql := func(sql string) error {
		out, err := exec.CommandContext(ctx, "psql", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql, databaseURL).CombinedOutput()
		if err != nil {
			return fmt.Errorf("psql: %v: %s", err, out)
		}
		return nil
	}
	if err := psql(`DROP TABLE IF EXISTS bookbench_booking, bookbench_slot;
		CREATE TABLE bookbench_slot (id INTEGER PRIMARY KEY, taken INTEGER NOT NULL);
		INSERT INTO bookbench_slot VALUES (1, 0);
		CREATE TABLE bookbench_booking (id BIGSERIAL PRIMARY KEY, slot_id INTEGER NOT NULL, code TEXT NOT NULL UNIQUE, created_at TIMESTAMPTZ NOT NULL DEFAULT now());`); err != nil {
		return 0, "", err
	}
	defer psql(`DROP TABLE IF EXISTS bookbench_booking, bookbench_slot`)
	dir, err := os.MkdirTemp("", "pgbench")
	if err != nil {
		return 0, "", err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "book.sql")
	if err := os.WriteFile(script, []byte(pgbenchScript), 0o600); err != nil {
		return 0, "", err
	}
	out, err := exec.CommandContext(ctx, "pgbench", "-n", "-c", strconv.Itoa(clients), "-j", "4", "-T", strconv.Itoa(int(d.Seconds())),
		"-f", script, databaseURL).CombinedOutput()
	load := loadAverage()
	if err != nil {
		return 0, "", fmt.Errorf("pgbench: %v: %s", err, out)
	}
	m := regexp.MustCompile(`tps = ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		return 0, "", fmt.Errorf("pgbench printed no rate: %s", out)
	}
	tps, err := strconv.ParseFloat(string(m[1]), 64)
	return tps, load, err
}

// loadAverage is the machine's load over the last 1, 5 and 15 minutes.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
