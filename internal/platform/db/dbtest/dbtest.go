// Package dbtest opens real, migrated, throw-away databases for tests: SQLite
// always, and PostgreSQL when SCIWEEK_TEST_POSTGRES_URL names a server.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/sciweek/sciweek/internal/platform/db"
)

// PostgresURLEnv names the variable that points tests at a PostgreSQL server.
const PostgresURLEnv = "SCIWEEK_TEST_POSTGRES_URL"

// Each runs fn as a subtest once per available database, each freshly
// created and migrated.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if os.Getenv(PostgresURLEnv) != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
	}
}

// SQLite opens a migrated SQLite database in a temporary directory.
func SQLite(tb testing.TB) *db.DB {
	tb.Helper()
	d, err := db.Open(context.Background(), db.Config{DataDir: tb.TempDir()})
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	tb.Cleanup(func() { d.Close() })
	migrate(tb, d)
	return d
}

// Postgres creates a new database on the server named by
// SCIWEEK_TEST_POSTGRES_URL, migrates it and drops it when the test ends.
// It skips the test when the variable is unset.
func Postgres(tb testing.TB) *db.DB {
	tb.Helper()
	u, ok := PostgresURL(tb)
	if !ok {
		tb.Skipf("%s is not set: PostgreSQL tests skipped", PostgresURLEnv)
	}
	d, err := db.Open(context.Background(), db.Config{URL: u})
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	tb.Cleanup(func() { d.Close() })
	migrate(tb, d)
	return d
}

// PostgresURL creates an empty database on the test server and returns its
// URL; the database is dropped when the test ends.
func PostgresURL(tb testing.TB) (string, bool) {
	tb.Helper()
	base := os.Getenv(PostgresURLEnv)
	if base == "" {
		return "", false
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	buf := make([]byte, 6)
	rand.Read(buf)
	name := "sciweek_test_" + hex.EncodeToString(buf)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	pu, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse %s: %v", PostgresURLEnv, err)
	}
	pu.Path = "/" + name
	return pu.String(), true
}

func migrate(tb testing.TB, d *db.DB) {
	tb.Helper()
	if _, err := d.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
}
