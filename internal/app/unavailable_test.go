package app_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
)

// TestDiskFull fills the database's room mid-work, then makes it read-only:
// saving answers 503 with a plain message, nothing is half-written, and
// work goes on once there is room again.
func TestDiskFull(t *testing.T) {
	e := apptest.Start(t, apptest.Options{NoDemoFilings: true})
	ctx := context.Background()
	hqu := e.As(t, "hqu")
	item := url.Values{"f_title": {"人工智能科普展"}, "f_host": {"华侨大学"}, "f_category": {"展示科技创新成就"}, "f_mode": {"线下"},
		"f_start": {"2026-12-20T09:00"}, "f_end": {"2026-12-20T17:00"}, "f_place": {"泉州市丰泽区城华北路269号"},
		"f_content":  {strings.Repeat("展示人工智能与机器人的最新成果。", 250)},
		"f_audience": {"青少年"}, "f_expected": {"300"}, "f_contact": {"林老师"}, "f_phone": {"0595-22692114"}}
	const items = "/campaigns/2026/filings/hqu/1/items"
	if res := hqu.PostForm(items, item); res.Status != 303 {
		t.Fatalf("first item: %d\n%s", res.Status, res.Body)
	}
	count := func() (n int) {
		if err := e.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM filing_items`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()

	// The writer may not grow the file any more: what SQLite answers when
	// the disk is full.
	var pages int
	if err := e.App.DB.QueryRow(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.DB.Exec(ctx, `PRAGMA max_page_count = `+strconv.Itoa(pages)); err != nil {
		t.Fatal(err)
	}
	res := hqu.PostForm(items, item)
	if res.Status != 503 || !strings.Contains(res.Body, "服务暂时无法保存或读取数据") || res.Header.Get("Retry-After") == "" {
		t.Fatalf("saving on a full disk: %d\n%s", res.Status, res.Body)
	}
	api := hqu.Do("GET", "/api/v1/campaigns/2026/filings", nil, nil)
	if api.Status != 200 {
		t.Errorf("reading on a full disk: %d", api.Status)
	}
	if n := count(); n != before {
		t.Errorf("items after the failed save: %d, before: %d", n, before)
	}
	var check string
	if err := e.App.DB.QueryRow(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity after the failed save: %q %v", check, err)
	}

	if _, err := e.App.DB.Exec(ctx, `PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	if res := hqu.PostForm(items, item); res.Status != 303 || count() != before+1 {
		t.Errorf("saving once there is room: %d, %d items", res.Status, count())
	}

	// The database turns read-only: the same clean 503, nothing written.
	if _, err := e.App.DB.Exec(ctx, `PRAGMA query_only = ON`); err != nil {
		t.Fatal(err)
	}
	res = hqu.PostForm(items, item)
	if res.Status != 503 || !strings.Contains(res.Body, "服务暂时无法保存或读取数据") {
		t.Errorf("saving to a read-only database: %d\n%s", res.Status, res.Body)
	}
	if n := count(); n != before+1 {
		t.Errorf("items after the refused save: %d", n)
	}
	if _, err := e.App.DB.Exec(ctx, `PRAGMA query_only = OFF`); err != nil {
		t.Fatal(err)
	}
}
