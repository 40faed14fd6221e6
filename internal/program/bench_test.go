package program_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/app"
	"github.com/sciweek/sciweek/internal/benchseed"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/program"
)

// The benchmarks read a national data set of SCIWEEK_BENCH_ACTIVITIES
// activities (100,000 unless set) on SQLite, seeded once into
// SCIWEEK_BENCH_DATA (a temporary directory unless set, so a second run
// can reuse a seeded one):
//
//	SCIWEEK_BENCH_DATA=/tmp/bench-100k go test ./internal/program/ -run '^$' -bench . -benchmem
var bench struct {
	once sync.Once
	app  *app.App
	c    campaign.Campaign
	err  error
}

func benchApp(b *testing.B) (*app.App, campaign.Campaign) {
	b.Helper()
	bench.once.Do(func() {
		n, _ := strconv.Atoi(os.Getenv("SCIWEEK_BENCH_ACTIVITIES"))
		if n == 0 {
			n = 100000
		}
		dir := os.Getenv("SCIWEEK_BENCH_DATA")
		if dir == "" {
			dir, bench.err = os.MkdirTemp("", "sciweek-bench")
			if bench.err != nil {
				return
			}
		}
		_, statErr := os.Stat(filepath.Join(dir, "seeded"))
		ctx := context.Background()
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		if bench.app, bench.err = app.Open(ctx, app.Config{DataDir: dir, Addr: "127.0.0.1:0"}, log, nil); bench.err != nil {
			return
		}
		if statErr != nil {
			started := time.Now()
			if _, bench.err = benchseed.Seed(ctx, bench.app, benchseed.Options{Activities: n, Units: max(1, n/5)}); bench.err != nil {
				return
			}
			fmt.Fprintf(os.Stderr, "seeded %d activities in %s\n", n, time.Since(started).Round(time.Millisecond))
			os.WriteFile(filepath.Join(dir, "seeded"), nil, 0o644)
		}
		bench.c, bench.err = bench.app.Campaigns.Get(account.AsSystem(ctx), benchseed.Slug)
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.app, bench.c
}

// fresh is a program service holding nothing yet, over the app's database.
func fresh(a *app.App, termBytes int) *program.Service {
	p := a.Program
	return &program.Service{DB: p.DB, Accounts: p.Accounts, Campaigns: p.Campaigns, Filings: p.Filings, Audit: p.Audit, Clock: p.Clock,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Bookings: p.Bookings, TermCacheBytes: termBytes}
}

// BenchmarkIndexBuild reads the whole national program into a new index,
// and reports the heap it holds.
func BenchmarkIndexBuild(b *testing.B) {
	a, c := benchApp(b)
	ctx := context.Background()
	var s *program.Service
	for b.Loop() {
		s = fresh(a, 0)
		if _, err := s.Overview(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapAlloc)/(1<<20), "heap-MiB")
	runtime.KeepAlive(s)
}

// BenchmarkListNewFilter answers a list page with a combination of
// filters the previous answer did not have.
func BenchmarkListNewFilter(b *testing.B) {
	a, c := benchApp(b)
	ctx := context.Background()
	s := fresh(a, 0)
	o, err := s.Overview(ctx, c)
	if err != nil {
		b.Fatal(err)
	}
	days := c.Days()
	i := 0
	for b.Loop() {
		i++
		f := program.Filter{Day: days[i%len(days)].Format("2006-01-02"), Category: c.Categories[i%len(c.Categories)].Code,
			District: o.Districts[i%len(o.Districts)].Code, Mode: program.Modes[i%len(program.Modes)]}
		if i%4 == 0 {
			f.District = ""
		}
		if _, _, err := s.ListPage(ctx, c, f, 1+i%3, program.PerPage); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearch searches for words common and rare, each found anew in
// the character lists (no per-word results held: a first search) and
// then held.
func BenchmarkSearch(b *testing.B) {
	a, c := benchApp(b)
	ctx := context.Background()
	for _, held := range []bool{false, true} {
		termBytes := -1
		if held {
			termBytes = 0
		}
		s := fresh(a, termBytes)
		if _, err := s.Overview(ctx, c); err != nil {
			b.Fatal(err)
		}
		for _, q := range []struct{ name, q string }{{"one", "科"}, {"two", "科技"}, {"rare", "量子计算机器人"}, {"none", "不存在的词语"},
			{"unit", "华侨大学"}, {"long", strings.Repeat("科技周！", 250)}, {"punct", "！？。，"}} {
			name := q.name + "/first"
			if held {
				name = q.name + "/held"
			}
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					if _, _, err := s.ListPage(ctx, c, program.Filter{Query: q.q}, 1, program.PerPage); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkListPageHTTP is a list page through the whole handler, the
// page rendered, compressed and its ETag made, with a new combination of
// filters each time as programload measure draws them: each filter set
// or not, to a value that exists, and a page among the first fifty.
func BenchmarkListPageHTTP(b *testing.B) {
	a, c := benchApp(b)
	o, err := a.Program.Overview(context.Background(), c)
	if err != nil {
		b.Fatal(err)
	}
	values := map[string][]string{"mode": {"onsite", "online", "both"}}
	for _, d := range c.Days() {
		values["day"] = append(values["day"], d.Format("2006-01-02"))
	}
	for key, levels := range map[string][]program.District{"district": o.Districts, "province": o.Provinces, "city": o.Cities} {
		for _, d := range levels {
			values[key] = append(values[key], d.Code)
		}
	}
	for key, terms := range map[string][]campaign.Term{"category": c.Categories, "audience": c.Audiences} {
		for _, t := range terms {
			values[key] = append(values[key], t.Code)
		}
	}
	keys := []string{"day", "district", "province", "city", "category", "audience", "mode"}
	h := a.Handler()
	r := rand.New(rand.NewPCG(1, 17))
	i := 0
	for b.Loop() {
		i++
		q := url.Values{}
		for _, k := range keys {
			if len(values[k]) > 0 && r.IntN(3) == 0 {
				q.Set(k, values[k][r.IntN(len(values[k]))])
			}
		}
		for _, flag := range []string{"open_day", "bookable"} {
			if r.IntN(5) == 0 {
				q.Set(flag, "true")
			}
		}
		q.Set("page", strconv.Itoa(1+r.IntN(50)))
		u := "/campaigns/" + c.Slug + "/activities?" + q.Encode()
		req := httptest.NewRequest("GET", u, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		req.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:1234", i>>16&255, i>>8&255, i&255)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("%s: %d", u, rec.Code)
		}
		b.ReportMetric(float64(rec.Body.Len()), "bytes")
	}
}
