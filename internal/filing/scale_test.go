package filing_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/benchseed"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/platform/db/dbtest"
)

// organiserPassword is the password of the national organiser's account
// the scale tests log in with.
const organiserPassword = "Organiser-2026-scale"

// seeded starts sciweek on the capacity data set, one national campaign
// over the whole tree, with an organiser account "most" of the ministry.
// With dir set (SQLite), a data set already seeded there is opened again.
func seeded(tb testing.TB, databaseURL, dir string, activities, units int) *apptest.Env {
	tb.Helper()
	marker := filepath.Join(dir, "seeded")
	if dir != "" {
		if _, err := os.Stat(marker); err == nil {
			return apptest.Start(tb, apptest.Options{NoDemo: true, DataDir: dir})
		}
		os.RemoveAll(dir)
		os.MkdirAll(dir, 0o700)
	}
	e := apptest.Start(tb, apptest.Options{NoDemo: true, DatabaseURL: databaseURL, DataDir: dir})
	ctx := account.AsSystem(context.Background())
	if _, err := benchseed.Seed(ctx, e.App, benchseed.Options{Activities: activities, Units: units, Flat: true}); err != nil {
		tb.Fatal(err)
	}
	if _, err := e.App.Accounts.CreateAccount(ctx, account.AccountInput{OrgCode: "cn", Username: "most", DisplayName: "科技部活动周管理员",
		Password: organiserPassword, Roles: []account.Role{account.RoleAdmin}}); err != nil {
		tb.Fatal(err)
	}
	if dir != "" {
		os.WriteFile(marker, nil, 0o600)
	}
	return e
}

var boardRow = regexp.MustCompile(`<tr id="board-`)

// TestBoardAtScale checks the board of an organiser over a national tree:
// it lists a page of organisations at a time, filtered by level and state,
// with the counts of the whole board and links to the pages around.
func TestBoardAtScale(t *testing.T) {
	run := func(t *testing.T, databaseURL string) {
		e := seeded(t, databaseURL, "", 400, 600)
		c := e.Client(t)
		c.Login("most", organiserPassword)
		page := func(query string) (string, int) {
			t.Helper()
			res := c.Get("/campaigns/national/board?" + query)
			if res.Status != http.StatusOK {
				t.Fatalf("board?%s: %d", query, res.Status)
			}
			return res.Body, len(boardRow.FindAllString(res.Body, -1))
		}
		body, rows := page("level=4")
		if rows != 100 || !strings.Contains(body, "共 600 个单位") || !strings.Contains(body, `href="/campaigns/national/board?level=4&amp;page=2" rel="next"`) ||
			strings.Contains(body, `rel="prev"`) {
			t.Errorf("the units' first page lists %d rows:\n%s", rows, body)
		}
		if body, rows = page("level=4&page=6"); rows != 100 || strings.Contains(body, `rel="next"`) || !strings.Contains(body, `rel="prev"`) {
			t.Errorf("the units' last page lists %d rows", rows)
		}
		if _, rows = page("level=4&page=7"); rows != 0 {
			t.Errorf("a page past the end lists %d rows", rows)
		}
		if body, rows = page("level=1"); rows != 31 || !strings.Contains(body, "共 31 个单位") || strings.Contains(body, `rel="next"`) {
			t.Errorf("the provinces' page lists %d rows", rows)
		}
		// Each of the first 400 units filed one activity; the rest none.
		if body, _ = page("level=4&state=approved"); !strings.Contains(body, "共 400 个单位") {
			t.Errorf("approved units: %s", body)
		}
		if body, _ = page("level=4&state=not_started&table=1"); !strings.Contains(body, fmt.Sprintf("共 %d 个单位", 600-tableOneFilers(t, e))) {
			t.Errorf("units that have not started table 1: %s", body)
		}
		// The statistics count every activity; the export holds every
		// approved item of the table, one row each under the header.
		if res := c.Get("/campaigns/national/stats"); res.Status != http.StatusOK || !strings.Contains(res.Body, ">400<") {
			t.Errorf("stats: %d", res.Status)
		}
		res := c.Get("/campaigns/national/exports/table1.xlsx")
		f, err := excelize.OpenReader(strings.NewReader(res.Body))
		if err != nil {
			t.Fatalf("export: %d %v", res.Status, err)
		}
		defer f.Close()
		sheet := f.GetSheetName(0)
		xrows, _ := f.GetRows(sheet)
		var items int
		e.App.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM filing_items i JOIN filings f ON f.id = i.filing_id WHERE f.table_no = 1`).Scan(&items)
		if got := len(xrows) - 4; items == 0 || got != items {
			t.Errorf("the export holds %d rows; %d items are approved", got, items)
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, "") })
	if u, ok := dbtest.PostgresURL(t); ok {
		t.Run("postgres", func(t *testing.T) { run(t, u) })
	}
}

func tableOneFilers(t *testing.T, e *apptest.Env) int {
	var n int
	if err := e.App.DB.QueryRow(context.Background(), `SELECT COUNT(DISTINCT org_id) FROM filings WHERE table_no = 1`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// benchSize is the size of the data set of the benchmarks: 50,000
// activities of 10,000 units unless SCIWEEK_BENCH_ACTIVITIES and
// SCIWEEK_BENCH_UNITS say otherwise. It is seeded once into a directory
// of the temporary directory and opened again by each benchmark.
func benchSize() (activities, units int, dir string) {
	activities, units = 50000, 10000
	if n, err := strconv.Atoi(os.Getenv("SCIWEEK_BENCH_ACTIVITIES")); err == nil {
		activities = n
	}
	if n, err := strconv.Atoi(os.Getenv("SCIWEEK_BENCH_UNITS")); err == nil {
		units = n
	}
	return activities, units, filepath.Join(os.TempDir(), fmt.Sprintf("sciweek-bench-%d-%d", activities, units))
}

func benchEnv(b *testing.B) (*apptest.Env, *apptest.Client) {
	activities, units, dir := benchSize()
	e := seeded(b, "", dir, activities, units)
	c := e.Client(b)
	c.Login("most", organiserPassword)
	return e, c
}

// timed asks for the page path(i) gives, b.N times, and reports the 50th
// and 99th percentiles of the answers' times.
func timed(b *testing.B, c *apptest.Client, path func(i int) string) { timedBetween(b, c, path, nil) }

// timedBetween is timed with before(i), when set, run before the i-th
// request and outside its time. It also reports the CPU time of the whole
// process while the requests ran, per request (the server answers in
// this process).
func timedBetween(b *testing.B, c *apptest.Client, path func(i int) string, before func(i int)) {
	took := make([]time.Duration, 0, b.N)
	var cpu time.Duration
	b.ResetTimer()
	for i := range b.N {
		if before != nil {
			b.StopTimer()
			before(i)
			b.StartTimer()
		}
		start, used := time.Now(), cpuTime()
		if res := c.Get(path(i)); res.Status != http.StatusOK {
			b.Fatalf("%s: %d", path(i), res.Status)
		}
		took, cpu = append(took, time.Since(start)), cpu+cpuTime()-used
	}
	b.StopTimer()
	slices.Sort(took)
	at := func(p float64) float64 { return float64(took[int(p*float64(len(took)-1))].Microseconds()) / 1000 }
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/req")
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var u syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// settled waits until the server has done what it does in the
// background when it starts (building its program's index and the
// index's character lists): until the process uses under a tenth of a
// core for half a second. It then counts the board once. What the
// board's benchmarks time then shares the cores with nothing else of the
// server's.
func settled(b *testing.B, c *apptest.Client) {
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); {
		used := cpuTime()
		if time.Sleep(500 * time.Millisecond); cpuTime()-used < 50*time.Millisecond {
			break
		}
	}
	if res := c.Get("/campaigns/national/board"); res.Status != http.StatusOK {
		b.Fatalf("board: %d", res.Status)
	}
}

// BenchmarkBoardPage asks for a page of the national board, a different
// level, state and page each time.
func BenchmarkBoardPage(b *testing.B) {
	_, c := benchEnv(b)
	settled(b, c)
	queries := []string{"level=4", "level=4&state=not_started&page=7", "level=4&state=approved&table=1&page=3", "level=3&state=late",
		"level=2", "state=submitted", "level=4&page=50", "level=1"}
	timed(b, c, func(i int) string { return "/campaigns/national/board?" + queries[i%len(queries)] })
}

// BenchmarkBoardPageChanging is BenchmarkBoardPage in the filing weeks:
// before every fourth request a unit saves an item of its table 2, so the
// board always has a change to follow.
func BenchmarkBoardPageChanging(b *testing.B) {
	e, c := benchEnv(b)
	ctx := account.AsSystem(context.Background())
	national, err := e.App.Campaigns.Get(ctx, "national")
	if err != nil {
		b.Fatal(err)
	}
	// Units that have not started table 2, a new one for each change.
	var units []string
	rows, err := e.App.DB.Query(ctx, `SELECT o.code FROM organisations o WHERE o.depth = 4 AND NOT EXISTS
		(SELECT 1 FROM filings f WHERE f.campaign_id = ? AND f.org_id = o.id AND f.table_no = 2) ORDER BY o.id DESC LIMIT ?`, national.ID, b.N/4+1)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var code string
		rows.Scan(&code)
		units = append(units, code)
	}
	rows.Close()
	settled(b, c)
	queries := []string{"level=4", "level=4&state=not_started&page=7", "level=4&state=approved&table=1&page=3", "level=3&state=late",
		"level=2", "state=submitted", "level=4&page=50", "level=1"}
	timedBetween(b, c, func(i int) string { return "/campaigns/national/board?" + queries[i%len(queries)] }, func(i int) {
		if i%4 != 0 || i/4 >= len(units) {
			return
		}
		if _, _, _, err := e.App.Filings.SaveItem(ctx, national, units[i/4], 2, "", filing.Values{filing.KeyTitle: fmt.Sprintf("科普讲座 %d", i)}); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkStats asks for the national statistics.
func BenchmarkStats(b *testing.B) {
	_, c := benchEnv(b)
	timed(b, c, func(int) string { return "/campaigns/national/stats" })
}

// BenchmarkStatsAfterChange asks for the national statistics after one
// filing changed: reopened, submitted again and approved, so that its
// approved revision is a new one each time and the statistics count it
// (and read again what tells them nothing else changed).
func BenchmarkStatsAfterChange(b *testing.B) {
	e, c := benchEnv(b)
	sys := account.AsSystem(context.Background())
	var id int64
	if err := e.App.DB.QueryRow(sys, `SELECT MAX(id) FROM filings WHERE table_no = 1 AND state = 'approved'`).Scan(&id); err != nil {
		b.Fatal(err)
	}
	// The first request counts what a change does not: start from there.
	if res := c.Get("/campaigns/national/stats"); res.Status != http.StatusOK {
		b.Fatalf("stats: %d", res.Status)
	}
	timedBetween(b, c, func(int) string { return "/campaigns/national/stats" }, func(int) {
		f, err := e.App.Filings.Get(sys, id)
		if err == nil {
			err = e.App.Filings.Reopen(sys, id, f.Version)
		}
		if err == nil {
			f, err = e.App.Filings.Get(sys, id)
		}
		if err == nil {
			f, err = e.App.Filings.Submit(sys, id, f.Version)
		}
		for err == nil && f.State == filing.StateSubmitted {
			if err = e.App.Filings.Approve(sys, id, f.Version, ""); err == nil {
				f, err = e.App.Filings.Get(sys, id)
			}
		}
		if err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkExport downloads the national export of table 1; compare its
// time with BenchmarkBareStreamWriter's, which writes the same cells.
func BenchmarkExport(b *testing.B) {
	_, c := benchEnv(b)
	settled(b, c)
	b.ResetTimer()
	for range b.N {
		if res := c.Get("/campaigns/national/exports/table1.xlsx"); res.Status != http.StatusOK || len(res.Body) < 1000 {
			b.Fatalf("export: %d", res.Status)
		}
	}
}

// BenchmarkBareStreamWriter writes the cells of the national export of
// table 1 with a bare excelize StreamWriter: no styles, no database.
func BenchmarkBareStreamWriter(b *testing.B) {
	_, c := benchEnv(b)
	settled(b, c)
	res := c.Get("/campaigns/national/exports/table1.xlsx")
	f, err := excelize.OpenReader(strings.NewReader(res.Body))
	if err != nil {
		b.Fatal(err)
	}
	cells, err := f.GetRows(f.GetSheetName(0))
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(cells)), "rows")
	b.ResetTimer()
	for range b.N {
		out := excelize.NewFile()
		sw, err := out.NewStreamWriter("Sheet1")
		if err != nil {
			b.Fatal(err)
		}
		for i, row := range cells {
			vals := make([]any, len(row))
			for j, v := range row {
				vals[j] = v
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := sw.SetRow(cell, vals); err != nil {
				b.Fatal(err)
			}
		}
		if err := sw.Flush(); err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := out.Write(&buf); err != nil {
			b.Fatal(err)
		}
		out.Close()
	}
}
