package booking_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/platform/db/dbtest"
)

// eachDatabase runs fn once on SQLite and, when a server is given, once
// on PostgreSQL, each with an empty database of its own.
func eachDatabase(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	urls := []string{""}
	if u, ok := dbtest.PostgresURL(t); ok {
		urls = append(urls, u)
	}
	for _, u := range urls {
		name := "sqlite"
		if u != "" {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) {
			d, err := db.Open(context.Background(), db.Config{URL: u, DataDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			fn(t, d)
		})
	}
}

// oldOpenDays brings d to migration 12, before venues belonged to their
// unit, and fills it: two units' three activities sharing the venue 7 by
// its name, each with one slot (ids 1 to 3) of 10 places.
func oldOpenDays(t *testing.T, d *db.DB) {
	ctx := context.Background()
	if _, err := d.MigrateTo(ctx, 12); err != nil {
		t.Fatal(err)
	}
	now := db.At(time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC))
	start := db.At(time.Date(2026, 12, 24, 11, 0, 0, 0, time.UTC))
	for _, s := range []struct {
		q    string
		args []any
	}{
		{`INSERT INTO organisations (id, code, name, kind, path, depth, created_at, updated_at) VALUES (1, 'qzkjj', '泉州市科学技术局', 'bureau', '/1/', 0, ?, ?)`, []any{now, now}},
		{`INSERT INTO organisations (id, parent_id, code, name, kind, path, depth, created_at, updated_at) VALUES (2, 1, 'qztc', '泉州师范学院', 'unit', '/1/2/', 1, ?, ?)`, []any{now, now}},
		{`INSERT INTO organisations (id, parent_id, code, name, kind, path, depth, created_at, updated_at) VALUES (3, 1, 'yeu', '仰恩大学', 'unit', '/1/3/', 1, ?, ?)`, []any{now, now}},
		{`INSERT INTO campaigns (id, owner_org_id, slug, year, title, theme, start_date, end_date, filing_deadline, summary_deadline, state, notice_md, created_at, updated_at)
			VALUES (1, 1, '2026', 2026, '2026年科技活动周', '', '2026-12-19', '2026-12-25', ?, ?, 'published', '', ?, ?)`, []any{now, now, now, now}},
		{`INSERT INTO filings (id, campaign_id, org_id, table_no, created_at, updated_at) VALUES (1, 1, 2, 2, ?, ?)`, []any{now, now}},
		{`INSERT INTO filings (id, campaign_id, org_id, table_no, created_at, updated_at) VALUES (2, 1, 3, 2, ?, ?)`, []any{now, now}},
		{`INSERT INTO program_activities (id, campaign_id, filing_id, item_uid, table_no, title, unit_code, unit_name, mode, start_at, end_at, days, updated_at)
			VALUES (1, 1, 1, 'a', 2, '开放日', 'qztc', '泉州师范学院', 'onsite', ?, ?, '', ?)`, []any{start, start, now}},
		{`INSERT INTO program_activities (id, campaign_id, filing_id, item_uid, table_no, title, unit_code, unit_name, mode, start_at, end_at, days, updated_at)
			VALUES (2, 1, 2, 'b', 2, '开放日', 'yeu', '仰恩大学', 'onsite', ?, ?, '', ?)`, []any{start, start, now}},
		{`INSERT INTO program_activities (id, campaign_id, filing_id, item_uid, table_no, title, unit_code, unit_name, mode, start_at, end_at, days, updated_at)
			VALUES (3, 1, 2, 'c', 2, '讲座', 'yeu', '仰恩大学', 'onsite', ?, ?, '', ?)`, []any{start, start, now}},
		{`INSERT INTO booking_venues (id, campaign_id, name, capacity) VALUES (7, 1, '礼堂', 1)`, nil},
		{`INSERT INTO booking_rules (activity_id, campaign_id, opens_at, closes_at, max_party, venue_id, updated_at) VALUES (1, 1, ?, ?, 5, 7, ?)`, []any{now, start, now}},
		{`INSERT INTO booking_rules (activity_id, campaign_id, opens_at, closes_at, max_party, venue_id, updated_at) VALUES (2, 1, ?, ?, 5, 7, ?)`, []any{now, start, now}},
		{`INSERT INTO booking_rules (activity_id, campaign_id, opens_at, closes_at, max_party, venue_id, updated_at) VALUES (3, 1, ?, ?, 5, 7, ?)`, []any{now, start, now}},
		{`INSERT INTO booking_slots (activity_id, campaign_id, start_at, end_at, capacity, taken) VALUES (1, 1, ?, ?, 10, 1)`, []any{start, start}},
		{`INSERT INTO booking_slots (activity_id, campaign_id, start_at, end_at, capacity, taken) VALUES (2, 1, ?, ?, 10, 3)`, []any{start, start}},
		{`INSERT INTO booking_slots (activity_id, campaign_id, start_at, end_at, capacity, taken) VALUES (3, 1, ?, ?, 10, 4)`, []any{start, start}},
		{`INSERT INTO booking_venue_times (venue_id, start_at, taken) VALUES (7, ?, 8)`, []any{start}},
	} {
		if _, err := d.Exec(ctx, s.q, s.args...); err != nil {
			t.Fatalf("%s: %v", s.q, err)
		}
	}
}

// TestVenuesSplitPerUnit fills a database as it stood before venues
// belonged to their unit, with two units' activities sharing a venue by
// its name, then upgrades it: each unit gets its own venue with the old
// capacity, and each venue counts only its own activities' places.
func TestVenuesSplitPerUnit(t *testing.T) {
	eachDatabase(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		oldOpenDays(t, d)
		if _, err := d.Migrate(ctx); err != nil {
			t.Fatalf("upgrade: %v", err)
		}
		rows, err := d.Query(ctx, `SELECT r.activity_id, v.org_code, v.name, v.capacity, t.taken FROM booking_rules r
		JOIN booking_venues v ON v.id = r.venue_id JOIN booking_venue_times t ON t.venue_id = v.id ORDER BY r.activity_id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		type row struct {
			activity        int64
			org, name       string
			capacity, taken int
		}
		var got []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.activity, &r.org, &r.name, &r.capacity, &r.taken); err != nil {
				t.Fatal(err)
			}
			got = append(got, r)
		}
		want := []row{{1, "qztc", "礼堂", 1, 1}, {2, "yeu", "礼堂", 1, 7}, {3, "yeu", "礼堂", 1, 7}}
		if len(got) != len(want) {
			t.Fatalf("after the upgrade: %+v", got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("after the upgrade: %+v, want %+v", got[i], want[i])
			}
		}
	})
}

// TestOnePhoneIndex upgrades a database holding bookings to the one index
// by phone and slot (migration 29): a phone still holds a slot once while
// its booking is not cancelled, and a unique violation names the code only
// when two bookings share a code, which is how Book tells a code collision
// from a phone that booked already.
func TestOnePhoneIndex(t *testing.T) {
	eachDatabase(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		oldOpenDays(t, d)
		if _, err := d.MigrateTo(ctx, 28); err != nil {
			t.Fatal(err)
		}
		insert := func(code string, slot int64, state, phone string) error {
			_, err := d.Exec(ctx, `INSERT INTO bookings (code, slot_id, activity_id, campaign_id, state, party, name_enc, phone_enc, phone_hash, phone_masked, created_at)
				VALUES (?, ?, ?, 1, ?, 1, '', '', ?, '', ?)`, code, slot, slot, state, phone, db.At(time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC)))
			return err
		}
		for _, b := range []struct {
			code  string
			slot  int64
			state string
		}{{"AAAA1", 1, "active"}, {"AAAA2", 1, "cancelled"}, {"AAAA3", 2, "waiting"}} {
			if err := insert(b.code, b.slot, b.state, "phone 1"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.Migrate(ctx); err != nil {
			t.Fatalf("upgrade: %v", err)
		}
		if err := insert("BBBB1", 1, "active", "phone 1"); !db.IsUniqueViolation(err) || strings.Contains(err.Error(), "code") {
			t.Errorf("a second booking of a slot by one phone: %v, want a unique violation that does not name the code", err)
		}
		if err := insert("AAAA1", 3, "active", "phone 2"); !db.IsUniqueViolation(err) || !strings.Contains(err.Error(), "code") {
			t.Errorf("a second booking with one code: %v, want a unique violation naming the code", err)
		}
		for _, code := range []string{"BBBB2", "BBBB3"} {
			if err := insert(code, 1, "cancelled", "phone 1"); err != nil {
				t.Errorf("a cancelled booking beside the phone's booking of the slot: %v", err)
			}
		}
		if err := insert("BBBB4", 3, "active", "phone 1"); err != nil {
			t.Errorf("the phone's booking of another slot: %v", err)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM bookings WHERE phone_hash = ? AND state <> 'cancelled'`, "phone 1").Scan(&n); err != nil || n != 3 {
			t.Errorf("the phone's bookings not cancelled: %d (%v), want 3", n, err)
		}
	})
}
