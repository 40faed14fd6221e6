package benchseed

import (
	"context"
	"strings"

	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/program"
)

// table is a table the seed writes, with its columns.
type table struct {
	name, columns string
	n             int
	index         int // in tables
}

var (
	tOrgs       = &table{name: "organisations", columns: "id, parent_id, code, name, kind, path, depth, created_at, updated_at", n: 9}
	tFilings    = &table{name: "filings", columns: "id, campaign_id, org_id, table_no, state, revision, approved_revision, version, submitted_at, created_at, updated_at", n: 11}
	tItems      = &table{name: "filing_items", columns: "filing_id, uid, position, data, created_at, updated_at", n: 6}
	tRevisions  = &table{name: "filing_revisions", columns: "filing_id, number, items, submitted_at", n: 4}
	tFigures    = &table{name: "filing_figures", columns: "filing_id, revision, category, mode, day, activities, expected", n: 7}
	tActivities = &table{name: "program_activities", columns: "id, " + program.BulkColumns, n: 36}
	// tables in the order their rows may be written: a row's references
	// are written before it.
	tables = []*table{tOrgs, tFilings, tItems, tRevisions, tFigures, tActivities}
	// seeded are the tables whose indexes are made after the load.
	seeded = []string{"filings", "filing_items", "filing_revisions", "program_activities"}
)

func init() {
	for i, t := range tables {
		t.index = i
	}
}

// rowsPer is how many rows one insert writes: as many as fit under both
// databases' limits on parameters, at most 500.
func (t *table) rowsPer() int { return min(500, 30000/t.n) }

func (t *table) insert(rows int) string {
	return "INSERT INTO " + t.name + " (" + t.columns + ") VALUES " + db.Rows(rows, t.n)
}

// writer buffers rows and writes them with multi-row inserts prepared
// once, in the transaction it holds.
type writer struct {
	d         *db.DB
	ctx       context.Context
	now       db.Time
	tx        *db.Tx
	done      chan error
	commitNow chan bool

	indexes                     []string // dropped for the load
	stmts                       map[*table]*db.Stmt
	pending                     map[*table][]any
	orgID, filingID, activityID int64
}

// ids reads where the ids of the seeded rows start and prepares the
// inserts (before any transaction holds SQLite's one writer connection).
func (w *writer) ids() error {
	for _, q := range []struct {
		dst   *int64
		table string
	}{{&w.orgID, "organisations"}, {&w.filingID, "filings"}, {&w.activityID, "program_activities"}} {
		if err := w.d.QueryRow(w.ctx, `SELECT COALESCE(MAX(id), 0) FROM `+q.table).Scan(q.dst); err != nil {
			return err
		}
	}
	w.stmts, w.pending = map[*table]*db.Stmt{}, map[*table][]any{}
	for _, t := range tables {
		s, err := w.d.Prepare(w.ctx, t.insert(t.rowsPer()))
		if err != nil {
			return err
		}
		w.stmts[t] = s
	}
	return nil
}

func (w *writer) nextOrg() int64 { w.orgID++; return w.orgID }

func (w *writer) org(id, parent int64, code, name, kind, path string, depth int) error {
	return w.add(tOrgs, id, parent, code, name, kind, path, depth, w.now, w.now)
}

// begin opens a transaction that stays open until commit: InTx runs in a
// goroutine of its own and waits for the word to commit or roll back.
func (w *writer) begin() error {
	started := make(chan *db.Tx)
	w.done, w.commitNow = make(chan error, 1), make(chan bool)
	go func() {
		w.done <- w.d.InTx(w.ctx, func(tx *db.Tx) error {
			if tx.Dialect() == db.SQLite {
				// Each table's rows are written when a statement's worth
				// is ready; references are checked at commit.
				if _, err := tx.Exec(w.ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
					return err
				}
			}
			started <- tx
			if !<-w.commitNow {
				return context.Canceled
			}
			return nil
		})
	}()
	select {
	case w.tx = <-started:
		return nil
	case err := <-w.done:
		return err
	}
}

func (w *writer) end(commit bool) error {
	if w.tx == nil {
		return nil
	}
	w.tx = nil
	w.commitNow <- commit
	return <-w.done
}

// commit writes what is buffered and commits.
func (w *writer) commit() error {
	if err := w.flushAll(); err != nil {
		w.end(false)
		return err
	}
	return w.end(true)
}

// rollback abandons the transaction, if one is open.
func (w *writer) rollback() { w.end(false) }

// add buffers a row; a full buffer writes every table's rows, in order.
func (w *writer) add(t *table, values ...any) error {
	w.pending[t] = append(w.pending[t], values...)
	if len(w.pending[t]) >= t.rowsPer()*t.n {
		return w.flushAll()
	}
	return nil
}

// addRows buffers rows the generator made. On SQLite, which checks
// references at commit, a table's rows are written a full statement at a
// time; PostgreSQL writes every table's, in order, when one is full.
func (w *writer) addRows(r *rows) error {
	full := false
	for _, t := range tables {
		if w.stmts[t] == nil || len(r.vals[t.index]) == 0 {
			continue
		}
		w.pending[t] = append(w.pending[t], r.vals[t.index]...)
		full = full || len(w.pending[t]) >= t.rowsPer()*t.n
	}
	if !full {
		return nil
	}
	if w.d.Dialect != db.SQLite {
		return w.flushAll()
	}
	for _, t := range tables {
		if err := w.flushFull(t); err != nil {
			return err
		}
	}
	return nil
}

// flushFull writes a table's buffered rows a full statement at a time and
// keeps the rest.
func (w *writer) flushFull(t *table) error {
	vals := w.pending[t]
	per := t.rowsPer() * t.n
	written := 0
	for len(vals)-written >= per {
		if _, err := w.tx.ExecStmt(w.ctx, w.stmts[t], vals[written:written+per]...); err != nil {
			return err
		}
		written += per
	}
	w.pending[t] = append(vals[:0], vals[written:]...)
	return nil
}

func (w *writer) flushAll() error {
	for _, t := range tables {
		if err := w.flushFull(t); err != nil {
			return err
		}
		if vals := w.pending[t]; len(vals) > 0 {
			if _, err := w.tx.Exec(w.ctx, t.insert(len(vals)/t.n), vals...); err != nil {
				return err
			}
		}
		w.pending[t] = w.pending[t][:0]
	}
	return nil
}

// dropIndexes drops the indexes of the tables the load fills, but those
// that keep values unique, and keeps them for finish to make again.
func (w *writer) dropIndexes() error {
	in := "'" + strings.Join(seeded, "', '") + "'"
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN (` + in + `)`
	if w.d.Dialect == db.Postgres {
		q = `SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = current_schema() AND tablename IN (` + in + `)
			AND indexdef NOT LIKE 'CREATE UNIQUE%' AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`
	}
	rs, err := w.d.Query(w.ctx, q)
	if err != nil {
		return err
	}
	var names []string
	for rs.Next() {
		var name, def string
		if err := rs.Scan(&name, &def); err != nil {
			rs.Close()
			return err
		}
		names, w.indexes = append(names, name), append(w.indexes, def)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return err
	}
	for _, name := range names {
		if _, err := w.d.Exec(w.ctx, `DROP INDEX `+name); err != nil {
			return err
		}
	}
	return nil
}

// finish makes the dropped indexes again, records the program as synced,
// moves PostgreSQL's id sequences past the seeded ids and brings both
// databases' statistics up to date.
func (w *writer) finish() error {
	for _, def := range w.indexes {
		if _, err := w.d.Exec(w.ctx, def); err != nil {
			return err
		}
	}
	// The program's rows are written from each filing's approved
	// revision, as the sync records.
	if _, err := w.d.Exec(w.ctx, `INSERT INTO program_synced (filing_id, revision) SELECT id, approved_revision FROM filings f
		WHERE approved_revision > 0 AND NOT EXISTS (SELECT 1 FROM program_synced s WHERE s.filing_id = f.id)`); err != nil {
		return err
	}
	if w.d.Dialect == db.Postgres {
		for _, t := range []string{"organisations", "filings", "program_activities"} {
			if _, err := w.d.Exec(w.ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), (SELECT MAX(id) FROM `+t+`))`); err != nil {
				return err
			}
		}
	}
	_, err := w.d.Exec(w.ctx, `ANALYZE`)
	return err
}
