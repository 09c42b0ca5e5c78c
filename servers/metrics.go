package servers

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsPrefix names every metric the reference server exports.
const metricsPrefix = "pushbench_server_"

// newMetricsRegistry builds the server's own Prometheus registry: its
// figures, read from the counters /stats reads at scrape time (so the
// broadcast path pays nothing for them), and the Go and process collectors.
// Each server has its own, so two servers in one process do not clash.
func newMetricsRegistry(s *Server) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newServerCollector(s),
	)
	return reg
}

// metricsHandler serves reg in the Prometheus text (or negotiated) format.
func metricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

// Metrics is the server's Prometheus registry, which GET /metrics serves.
func (s *Server) Metrics() prometheus.Gatherer { return s.metrics }
