package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sciweek/sciweek/internal/report"
)

// dataCollector reports, when Prometheus scrapes, the bookings and the
// uploaded report media held in the database, so that a booking rush or a
// wave of uploads shows on the dashboards of every server alike.
type dataCollector struct{ a *App }

var (
	bookingsDesc = prometheus.NewDesc("sciweek_bookings", "Bookings by state (active, waiting, checked_in, cancelled).", []string{"state"}, nil)
	placesDesc   = prometheus.NewDesc("sciweek_booking_places", "Places of all slots: capacity, taken and checked in.", []string{"kind"}, nil)
	uploadsDesc  = prometheus.NewDesc("sciweek_uploads", "Files stored with summary reports, by kind, and their bytes.", []string{"kind", "measure"}, nil)
	indexDesc    = prometheus.NewDesc("sciweek_program_indexes_total", "The public program's indexes: built from the database, loaded from a snapshot, patched with a changed filing, rebuilt because the stored program moved.", []string{"how"}, nil)
)

func (c dataCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- bookingsDesc
	ch <- placesDesc
	ch <- uploadsDesc
	ch <- indexDesc
}

func (c dataCollector) Collect(ch chan<- prometheus.Metric) {
	ix := c.a.Program.Indexing()
	ch <- prometheus.MustNewConstMetric(indexDesc, prometheus.CounterValue, float64(ix.Built), "built")
	ch <- prometheus.MustNewConstMetric(indexDesc, prometheus.CounterValue, float64(ix.Loaded), "loaded")
	ch <- prometheus.MustNewConstMetric(indexDesc, prometheus.CounterValue, float64(ix.Patched), "patched")
	ch <- prometheus.MustNewConstMetric(indexDesc, prometheus.CounterValue, float64(ix.Rebuilt), "rebuilt")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if states, err := c.a.Booking.CountByState(ctx); err == nil {
		for state, n := range states {
			ch <- prometheus.MustNewConstMetric(bookingsDesc, prometheus.GaugeValue, float64(n), state)
		}
	}
	if p, err := c.a.Booking.TotalPlaces(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(placesDesc, prometheus.GaugeValue, float64(p.Capacity), "capacity")
		ch <- prometheus.MustNewConstMetric(placesDesc, prometheus.GaugeValue, float64(p.Taken), "taken")
		ch <- prometheus.MustNewConstMetric(placesDesc, prometheus.GaugeValue, float64(p.CheckedIn), "checked_in")
	}
	counts := map[string]report.MediaUsage{"video": {}, "photo": {}, "document": {}}
	if usage, err := c.a.Reports.MediaByKind(ctx); err == nil {
		for kind, u := range usage {
			counts[kind] = u
		}
	}
	for kind, n := range counts {
		ch <- prometheus.MustNewConstMetric(uploadsDesc, prometheus.GaugeValue, float64(n.Files), kind, "files")
		ch <- prometheus.MustNewConstMetric(uploadsDesc, prometheus.GaugeValue, float64(n.Bytes), kind, "bytes")
	}
}
