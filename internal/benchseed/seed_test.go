package benchseed

import (
	"context"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
)

// BenchmarkSeed seeds 50,000 activities of 10,000 units into SQLite; the
// time of 500,000 and 100,000 is about ten times it.
func BenchmarkSeed(b *testing.B) {
	for range b.N {
		b.StopTimer()
		e := apptest.Start(b, apptest.Options{NoDemo: true})
		b.StartTimer()
		if _, err := Seed(context.Background(), e.App, Options{Activities: 50000, Units: 10000}); err != nil {
			b.Fatal(err)
		}
	}
}
