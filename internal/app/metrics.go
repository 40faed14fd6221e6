package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// dataCollector reports, when Prometheus scrapes, the bookings and the
// uploaded report media held in the database, so that a booking rush or a
// wave of uploads shows on the dashboards of every server alike.
type dataCollector struct{ a *App }

var (
	bookingsDesc = prometheus.NewDesc("sciweek_bookings", "Bookings by state (active, waiting, checked_in, cancelled).", []string{"state"}, nil)
	placesDesc   = prometheus.NewDesc("sciweek_booking_places", "Places of all slots: capacity, taken and checked in.", []string{"kind"}, nil)
	uploadsDesc  = prometheus.NewDesc("sciweek_uploads", "Files stored with summary reports, by kind, and their bytes.", []string{"kind", "measure"}, nil)
)

func (c dataCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- bookingsDesc
	ch <- placesDesc
	ch <- uploadsDesc
}

func (c dataCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d := c.a.DB
	if rows, err := d.Query(ctx, `SELECT state, COUNT(*) FROM bookings GROUP BY state`); err == nil {
		for rows.Next() {
			var state string
			var n int64
			if rows.Scan(&state, &n) == nil {
				ch <- prometheus.MustNewConstMetric(bookingsDesc, prometheus.GaugeValue, float64(n), state)
			}
		}
		rows.Close()
	}
	var capacity, taken, in int64
	if d.QueryRow(ctx, `SELECT COALESCE(SUM(capacity), 0), COALESCE(SUM(taken), 0), COALESCE(SUM(checked_in), 0) FROM booking_slots`).Scan(&capacity, &taken, &in) == nil {
		ch <- prometheus.MustNewConstMetric(placesDesc, prometheus.GaugeValue, float64(capacity), "capacity")
		ch <- prometheus.MustNewConstMetric(placesDesc, prometheus.GaugeValue, float64(taken), "taken")
		ch <- prometheus.MustNewConstMetric(placesDesc, prometheus.GaugeValue, float64(in), "checked_in")
	}
	counts := map[string][2]int64{"video": {}, "photo": {}, "document": {}}
	if rows, err := d.Query(ctx, `SELECT kind, COUNT(*), COALESCE(SUM(size), 0) FROM report_media GROUP BY kind`); err == nil {
		for rows.Next() {
			var kind string
			var n, size int64
			if rows.Scan(&kind, &n, &size) == nil {
				counts[kind] = [2]int64{n, size}
			}
		}
		rows.Close()
	}
	for kind, n := range counts {
		ch <- prometheus.MustNewConstMetric(uploadsDesc, prometheus.GaugeValue, float64(n[0]), kind, "files")
		ch <- prometheus.MustNewConstMetric(uploadsDesc, prometheus.GaugeValue, float64(n[1]), kind, "bytes")
	}
}
