package web

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the server's Prometheus metrics. Domains register their own
// (bookings, jobs, uploads) on Registry.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inflight prometheus.Gauge
	panics   prometheus.Counter
	series   sync.Map // seriesKey → series
}

// NewMetrics makes a registry with the HTTP metrics and the Go runtime's.
func NewMetrics() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sciweek_http_requests_total",
		Help: "HTTP requests answered, by route pattern, method and status code.",
	}, []string{"route", "method", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "sciweek_http_request_duration_seconds",
		Help:    "Time to answer HTTP requests, by route pattern.",
		Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route"})
	m.inflight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "sciweek_http_requests_in_flight",
		Help: "HTTP requests being answered now.",
	})
	m.panics = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "sciweek_http_panics_total",
		Help: "Handlers that panicked (answered 500 and logged).",
	})
	m.Registry.MustRegister(m.requests, m.latency, m.inflight, m.panics,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// observe records one answered request. route is the pattern that matched
// (never the raw path, so ids do not make new series).
func (m *Metrics) observe(route, method string, status int, took time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = "unmatched"
	}
	if status == 0 {
		status = http.StatusOK
	}
	k := seriesKey{route, method, status}
	sr, ok := m.series.Load(k)
	if !ok {
		sr, _ = m.series.LoadOrStore(k, series{
			requests: m.requests.WithLabelValues(route, method, strconv.Itoa(status)),
			latency:  m.latency.WithLabelValues(route),
		})
	}
	s := sr.(series)
	s.requests.Inc()
	s.latency.Observe(took.Seconds())
}

// seriesKey names the series one answer counts in; route is always a
// pattern of the mux, so there are as many keys as routes, methods and
// statuses, never one per path.
type seriesKey struct {
	route, method string
	status        int
}

// series are the metrics of one seriesKey, looked up once.
type series struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// notePattern keeps the pattern the mux matched, for the log and metrics.
func notePattern(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r) // the mux sets r.Pattern on the request it is given
		info(r.Context()).pattern = r.Pattern
	})
}
