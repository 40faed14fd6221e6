package filing_test

import (
	"net/url"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/platform/db/dbtest"
)

// Run with: go test -run XXX -bench Upward -benchtime 20x ./internal/filing/
//
// The demo chain of the upcoming week with Quanzhou's approved tables
// submitted to Fujian and Fujian's to the nation, each approved: the
// national organiser's board and export over the whole tree, through HTTP,
// on SQLite, or on PostgreSQL when SCIWEEK_TEST_POSTGRES_URL is set.
func upwardBenchEnv(b *testing.B) (*apptest.Env, *apptest.Client) {
	var o apptest.Options
	o.DatabaseURL, _ = dbtest.PostgresURL(b)
	e := apptest.Start(b, o)
	steps := []struct{ as, path, decide, decider string }{
		{"admin", "/campaigns/2026/upward/submit", "/campaigns/2026/upward/decide", "fjkjt"},
		{"fjkjt", "/campaigns/fj-2026/upward/submit", "/campaigns/fj-2026/upward/decide", "most"},
	}
	for _, s := range steps {
		if res := e.As(b, s.as).PostForm(s.path, url.Values{"version": {"0"}, "confirm": {"1"}}); res.Status != 303 {
			b.Fatalf("%s: %d", s.path, res.Status)
		}
		if res := e.As(b, s.decider).PostForm(s.decide, url.Values{"version": {"2"}, "decision": {"approve"}}); res.Status != 303 {
			b.Fatalf("%s: %d\n%s", s.decide, res.Status, res.Body)
		}
	}
	return e, e.As(b, "most")
}

func BenchmarkUpwardNationalBoard(b *testing.B) {
	_, most := upwardBenchEnv(b)
	for b.Loop() {
		if res := most.Get("/campaigns/cn-2026/board"); res.Status != 200 {
			b.Fatal(res.Status)
		}
	}
}

func BenchmarkUpwardNationalExport(b *testing.B) {
	_, most := upwardBenchEnv(b)
	for b.Loop() {
		if res := most.Get("/campaigns/cn-2026/exports/table1.xlsx"); res.Status != 200 {
			b.Fatal(res.Status)
		}
	}
}
