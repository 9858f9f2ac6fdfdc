package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/credo-registry/credo/ingest"
)

// metrics are the API's Prometheus metrics, in a registry of their own so
// that handlers (and tests) never share global state.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec   // route, method, status
	latency  *prometheus.HistogramVec // route, method
	ingested *prometheus.CounterVec   // kind (records, subjects), status (created, exists, refused)
	handler  http.Handler
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credo_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "credo_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"route", "method"}),
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credo_ingested_total",
			Help: "Submitted records and subject versions, by kind and outcome (created, exists, refused).",
		}, []string{"kind", "status"}),
	}
	m.registry.MustRegister(
		m.requests, m.latency, m.ingested,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.handler = promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
	return m
}

func (m *metrics) observeRequest(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

// observeIngest counts the outcomes of one submission.
func (m *metrics) observeIngest(kind string, results []ingest.Result) {
	counts := map[string]int{}
	for _, r := range results {
		counts[r.Status]++
	}
	for status, n := range counts {
		m.ingested.WithLabelValues(kind, status).Add(float64(n))
	}
}

// getMetrics answers GET /metrics in the Prometheus exposition format.
func (s *Server) getMetrics(w http.ResponseWriter, r *http.Request) error {
	s.metrics.handler.ServeHTTP(w, r)
	return nil
}
