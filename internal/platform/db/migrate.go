package db

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFS embed.FS

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the embedded migrations for the dialect, oldest first.
func Migrations(d Dialect) ([]Migration, error) {
	dir := "migrations/" + string(d)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", name)
		}
		body, err := fs.ReadFile(migrationFS, dir+"/"+name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// MigrationStatus says where a database stands.
type MigrationStatus struct {
	Applied []int
	Pending []Migration
	// Unknown are applied versions this build has no migration for: the
	// database was written by a newer sciweek.
	Unknown []int
	// Latest is the newest migration this build knows.
	Latest int
}

// Current is the newest applied version, 0 for an empty database.
func (st MigrationStatus) Current() int {
	n := 0
	for _, v := range append(st.Applied, st.Unknown...) {
		n = max(n, v)
	}
	return n
}

// ErrNewerSchema is wrapped by the error Migrate returns for a database
// written by a newer sciweek.
var ErrNewerSchema = errors.New("the database was written by a newer sciweek")

// Status reports which migrations are applied and which are pending.
func (d *DB) Status(ctx context.Context) (MigrationStatus, error) {
	var st MigrationStatus
	if err := d.ensureMigrationTable(ctx); err != nil {
		return st, err
	}
	applied, err := d.appliedVersions(ctx)
	if err != nil {
		return st, err
	}
	ms, err := Migrations(d.Dialect)
	if err != nil {
		return st, err
	}
	known := map[int]bool{}
	for _, m := range ms {
		known[m.Version] = true
		st.Latest = max(st.Latest, m.Version)
		if applied[m.Version] {
			st.Applied = append(st.Applied, m.Version)
		} else {
			st.Pending = append(st.Pending, m)
		}
	}
	for v := range applied {
		if !known[v] {
			st.Unknown = append(st.Unknown, v)
		}
	}
	sort.Ints(st.Unknown)
	return st, nil
}

// Migrate applies every pending migration, each in its own transaction, and
// returns how many it applied. Migrations only move forward.
func (d *DB) Migrate(ctx context.Context) (int, error) { return d.MigrateTo(ctx, -1) }

// MigrateTo applies the pending migrations up to and including version
// (all of them when version < 0).
func (d *DB) MigrateTo(ctx context.Context, version int) (int, error) {
	st, err := d.Status(ctx)
	if err != nil {
		return 0, err
	}
	if len(st.Unknown) > 0 {
		return 0, fmt.Errorf("%w: its schema is at version %d, this sciweek knows up to %d; run the newer sciweek or restore a backup made by this version",
			ErrNewerSchema, st.Current(), st.Latest)
	}
	applied := 0
	for _, m := range st.Pending {
		if version >= 0 && m.Version > version {
			break
		}
		err := d.InTx(ctx, func(tx *Tx) error {
			if d.Dialect == Postgres {
				// Two servers starting together take turns.
				if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7215001)`); err != nil {
					return err
				}
			}
			// Another process may have applied it meanwhile.
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES (?, ?)`, m.Version, m.Name)
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		applied++
	}
	return applied, nil
}

func (d *DB) ensureMigrationTable(ctx context.Context) error {
	_, err := d.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL
	)`)
	return err
}

func (d *DB) appliedVersions(ctx context.Context) (map[int]bool, error) {
	rows, err := d.write.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out[v] = true
	}
	return out, rows.Err()
}
