package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/benchseed"
)

// TestMeasure runs the side-by-side figures against a server on a small
// national data set: every kind of request is answered, none fails, and
// the table names each with its ratio to the static file.
func TestMeasure(t *testing.T) {
	e := apptest.Start(t, apptest.Options{NoDemo: true})
	if _, err := benchseed.Seed(account.AsSystem(context.Background()), e.App, benchseed.Options{Activities: 600, Units: 300}); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := measure(&out, measureOptions{base: e.URL + "," + e.URL + "/", campaign: "national", pids: []int{os.Getpid()}, duration: 300 * time.Millisecond, clients: 2, rate: 20}); err != nil {
		t.Fatalf("measure: %v\n%s", err, &out)
	}
	for _, want := range []string{"on 2 server(s)", "7 days", "static file", "new filters", "cached list", "searches 20/s", "RSS", "load average"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the figures lack %q:\n%s", want, &out)
		}
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(line); len(f) > 0 && (f[0] == "static" || f[0] == "new" || f[0] == "cached" || f[0] == "searches") && f[len(f)-1] != "0" {
			t.Errorf("requests failed: %s", line)
		}
	}
}
