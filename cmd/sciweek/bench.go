package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"time"

	"github.com/sciweek/sciweek/internal/benchseed"
)

// benchSeed fills an empty database with the national data set.
func benchSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o benchseed.Options
	var start string
	a, _, err := open(ctx, "bench seed", args, stderr, func(fs *flag.FlagSet) func() error {
		fs.IntVar(&o.Activities, "activities", 500000, "approved activities")
		fs.IntVar(&o.Units, "units", 100000, "units that file them")
		fs.StringVar(&start, "start", "", "first day of the campaign's week, YYYY-MM-DD (default: three weeks from today)")
		fs.BoolVar(&o.Flat, "flat", false, "one national campaign over the whole tree instead of the campaign chain (for the organiser pages' figures)")
		return func() error {
			if o.Activities < 0 || o.Units < 1 {
				return errors.New("--activities must be 0 or more and --units 1 or more")
			}
			if start != "" {
				t, err := time.Parse("2006-01-02", start)
				if err != nil {
					return fmt.Errorf("--start: %w", err)
				}
				o.Start = t
			}
			return nil
		}
	})
	if err != nil {
		return err
	}
	defer a.Close()
	// The load allocates much and keeps little: collect less often.
	debug.SetGCPercent(400)
	o.Progress = func(format string, args ...any) { fmt.Fprintf(stdout, format+"\n", args...) }
	res, err := benchseed.Seed(ctx, a, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "campaign %s: %d provinces, %d cities, %d districts, %d units; %d filings, %d approved activities in %s\n",
		res.Campaign, res.Provinces, res.Cities, res.Districts, res.Units, res.Filings, res.Activities, res.Took.Round(time.Millisecond))
	return nil
}
