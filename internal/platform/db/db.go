// Package db opens sciweek's database — SQLite by default, PostgreSQL when a
// postgres:// URL is configured — and hides the few differences between them
// (placeholders, the writer connection, time values) from the domain stores.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the SQL flavour of an open database.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database. Reads go to a pool of connections; writes and
// transactions go through Write, which on SQLite is a single connection so
// writers queue in Go instead of failing with SQLITE_BUSY.
type DB struct {
	Dialect Dialect
	url     string // PostgreSQL's, for connections of its own (Listen)
	read    *sql.DB
	write   *sql.DB
	// ckpt copies SQLite's log into its file, apart from the writer.
	ckpt *checkpointer
}

// Config says which database to open.
type Config struct {
	// URL is a postgres:// URL; empty means SQLite in DataDir.
	URL string
	// DataDir holds sciweek.db when URL is empty.
	DataDir string
}

// Open opens the database described by cfg and checks that it answers.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	var d *DB
	var err error
	switch {
	case strings.HasPrefix(cfg.URL, "postgres://"), strings.HasPrefix(cfg.URL, "postgresql://"):
		d, err = openPostgres(cfg.URL)
	case cfg.URL == "" || strings.HasPrefix(cfg.URL, "sqlite:"):
		path := strings.TrimPrefix(cfg.URL, "sqlite:")
		if path == "" {
			if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
				return nil, fmt.Errorf("create data directory: %w", err)
			}
			path = filepath.Join(cfg.DataDir, "sciweek.db")
		}
		d, err = openSQLite(path)
	default:
		return nil, fmt.Errorf("database URL must start with postgres:// or sqlite: (got %q)", redact(cfg.URL))
	}
	if err != nil {
		return nil, err
	}
	if err := d.Ping(ctx); err != nil {
		d.Close()
		return nil, err
	}
	if err := d.optimize(ctx, "PRAGMA optimize=0x10002"); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// optimize runs SQLite's PRAGMA optimize, as SQLite advises for
// long-lived connections: at open with mask 0x10002, which analyses every
// table whose statistics are missing or stale (the filing board's indexes
// are chosen only once they are analysed), and plain at close, which
// analyses what the connection's queries found worth it. Each is quick,
// since SQLite limits how many rows it reads. PostgreSQL analyses by itself.
func (d *DB) optimize(ctx context.Context, pragma string) error {
	if d.Dialect != SQLite {
		return nil
	}
	_, err := d.write.ExecContext(ctx, pragma)
	return err
}

func openSQLite(path string) (*DB, error) {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_time_format", "sqlite")
	read, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	read.SetMaxOpenConns(8)
	// Keep them all open: a new SQLite connection reads the schema again.
	read.SetMaxIdleConns(8)
	q.Set("_txlock", "immediate")
	q.Add("_pragma", "wal_autocheckpoint(0)")
	write, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		read.Close()
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	d := &DB{Dialect: SQLite, read: read, write: write}
	d.startCheckpoints()
	return d, nil
}

func openPostgres(u string) (*DB, error) {
	pool, err := sql.Open("pgx", u)
	if err != nil {
		return nil, err
	}
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(10)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{Dialect: Postgres, read: pool, write: pool, url: u}, nil
}

// redact hides a password in a database URL for messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.read.PingContext(ctx); err != nil {
		return fmt.Errorf("database does not answer: %w", err)
	}
	return nil
}

// Close closes every connection, SQLite's after its PRAGMA optimize (what
// that could not analyse, the next open does).
func (d *DB) Close() error {
	d.stopCheckpoints()
	d.optimize(context.Background(), "PRAGMA optimize")
	err := d.read.Close()
	if d.write != d.read {
		err = errors.Join(err, d.write.Close())
	}
	return err
}

// Querier runs statements written with ? placeholders; both *DB and *Tx are one.
type Querier interface {
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Query runs a read-only query on the read pool.
func (d *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return d.read.QueryContext(ctx, d.rebind(query), args...)
}

// QueryRow runs a read-only query that returns at most one row.
func (d *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return d.read.QueryRowContext(ctx, d.rebind(query), args...)
}

// Exec runs one statement on the writer connection.
func (d *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := d.write.ExecContext(ctx, d.rebind(query), args...)
	d.wrote()
	return res, err
}

// Tx is a transaction on the writer connection.
type Tx struct {
	tx          *sql.Tx
	dialect     Dialect
	afterCommit []func()
}

// AfterCommit runs fn once the transaction has committed, and never when
// it rolls back: a worker woken by fn then finds the rows just written.
func (t *Tx) AfterCommit(fn func()) { t.afterCommit = append(t.afterCommit, fn) }

// Query runs a query inside the transaction.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, rebind(t.dialect, query), args...)
}

// QueryRow runs a query that returns at most one row inside the transaction.
func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, rebind(t.dialect, query), args...)
}

// Exec runs a statement inside the transaction.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, rebind(t.dialect, query), args...)
}

// Dialect reports the SQL flavour the transaction speaks.
func (t *Tx) Dialect() Dialect { return t.dialect }

// InTx runs fn in a transaction, committing when fn returns nil and rolling
// back otherwise, so a failed request never leaves a half-written row.
func (d *DB) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqlTx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			sqlTx.Rollback()
		}
	}()
	tx := &Tx{tx: sqlTx, dialect: d.Dialect}
	if err = fn(tx); err != nil {
		return err
	}
	if err = sqlTx.Commit(); err != nil {
		return err
	}
	d.wrote()
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

func (d *DB) rebind(q string) string { return rebind(d.Dialect, q) }

// rebind turns ? placeholders into $1, $2 … for PostgreSQL, leaving quoted
// text alone.
func rebind(dialect Dialect, q string) string {
	if dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	inQuote := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			fmt.Fprintf(&b, "$%d", n)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// IsUniqueViolation reports whether err comes from a UNIQUE constraint.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// Snapshot writes a consistent copy of a SQLite database to path, which
// must not exist, while other connections and processes go on reading and
// writing. PostgreSQL is copied with pg_dump instead.
func (d *DB) Snapshot(ctx context.Context, path string) error {
	if d.Dialect != SQLite {
		return fmt.Errorf("snapshot: %s databases are copied with their own tools", d.Dialect)
	}
	// VACUUM INTO reads in one transaction, so the copy is of one moment;
	// on a read connection it does not hold up the writer.
	rows, err := d.read.QueryContext(ctx, `VACUUM INTO ?`, path)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	return rows.Close()
}

// IsUnavailable reports whether err means the database cannot take the
// request now — the disk is full, the database is read-only, or the server
// cannot be reached — rather than that the request is wrong. Such errors
// are answered with 503, and nothing is half-written: the transaction that
// met them is rolled back.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// disk_full, read_only_sql_transaction, insufficient resources,
		// connection exceptions, admin/crash shutdown, cannot connect now.
		return pe.Code == "53100" || pe.Code == "25006" || strings.HasPrefix(pe.Code, "53") || strings.HasPrefix(pe.Code, "08") ||
			pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ne net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.As(err, &ne) || errors.Is(err, syscall.ECONNREFUSED)
}

// Stmt is a statement parsed once and run many times, for the hot paths
// where parsing would cost more than running.
type Stmt struct {
	read, write *sql.Stmt
}

// Prepare parses query (with ? placeholders) on both pools.
func (d *DB) Prepare(ctx context.Context, query string) (*Stmt, error) {
	q := d.rebind(query)
	r, err := d.read.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	w := r
	if d.write != d.read {
		if w, err = d.write.PrepareContext(ctx, q); err != nil {
			r.Close()
			return nil, err
		}
	}
	return &Stmt{read: r, write: w}, nil
}

// Query runs a prepared read-only query.
func (s *Stmt) Query(ctx context.Context, args ...any) (*sql.Rows, error) {
	return s.read.QueryContext(ctx, args...)
}

// QueryRow runs a prepared read-only query that returns at most one row.
func (s *Stmt) QueryRow(ctx context.Context, args ...any) *sql.Row {
	return s.read.QueryRowContext(ctx, args...)
}

// ExecStmt runs a prepared statement inside the transaction.
func (t *Tx) ExecStmt(ctx context.Context, s *Stmt, args ...any) (sql.Result, error) {
	return t.tx.StmtContext(ctx, s.write).ExecContext(ctx, args...)
}

// QueryStmt runs a prepared query inside the transaction.
func (t *Tx) QueryStmt(ctx context.Context, s *Stmt, args ...any) (*sql.Rows, error) {
	return t.tx.StmtContext(ctx, s.write).QueryContext(ctx, args...)
}

// QueryRowStmt runs a prepared query that returns at most one row inside
// the transaction.
func (t *Tx) QueryRowStmt(ctx context.Context, s *Stmt, args ...any) *sql.Row {
	return t.tx.StmtContext(ctx, s.write).QueryRowContext(ctx, args...)
}
