package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/platform/db/dbtest"
)

func TestMigrateAndTime(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st, err := d.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Pending) != 0 || len(st.Applied) == 0 {
			t.Fatalf("after migrate: applied %v, pending %d", st.Applied, len(st.Pending))
		}
		if n, err := d.Migrate(ctx); err != nil || n != 0 {
			t.Fatalf("second migrate applied %d, err %v", n, err)
		}

		at := time.Date(2020, 7, 24, 23, 59, 59, 0, time.FixedZone("CST", 8*3600))
		var id int64
		err = d.QueryRow(ctx, `INSERT INTO audit_events (at, action) VALUES (?, 'test') RETURNING id`, db.At(at)).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		var got db.Time
		if err := d.QueryRow(ctx, `SELECT at FROM audit_events WHERE id = ?`, id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(at) {
			t.Fatalf("time round trip: got %v, want %v", got.Time, at)
		}
	})
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Exec(ctx, `INSERT INTO audit_events (at, action) VALUES (?, 'login')`, db.At(time.Now())); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `UPDATE audit_events SET action = 'forged'`); err == nil {
			t.Fatal("UPDATE of the audit log succeeded")
		}
		if _, err := d.Exec(ctx, `DELETE FROM audit_events`); err == nil {
			t.Fatal("DELETE from the audit log succeeded")
		}
	})
}

func TestInTxRollsBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO audit_events (at, action) VALUES (?, 'half')`, db.At(time.Now())); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		var n int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events WHERE action = 'half'`).Scan(&n)
		if n != 0 {
			t.Fatalf("rolled-back row is stored (%d)", n)
		}
	})
}
