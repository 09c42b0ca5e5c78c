package loadgen

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metricsDescs describe every generator metric; each is labelled by transport.
type metricsDescs struct {
	open, phase, latency *prometheus.Desc
	figures              []generatorFigure
}

// generatorFigure is one per-transport figure and how it is read from the
// transport's totals.
type generatorFigure struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(transportTotals) int64
}

func newMetricsDescs() metricsDescs {
	transport := []string{"transport"}
	fig := func(name, help string, kind prometheus.ValueType, value func(transportTotals) int64) generatorFigure {
		return generatorFigure{desc: prometheus.NewDesc(metricsPrefix+name, help, transport, nil), kind: kind, value: value}
	}
	counter, gauge := prometheus.CounterValue, prometheus.GaugeValue
	return metricsDescs{
		open: prometheus.NewDesc(metricsPrefix+"connections",
			"Held connections open now, by transport (0 once the transport's run ended).", transport, nil),
		phase: prometheus.NewDesc(metricsPrefix+"phase",
			"1 for the phase a running transport is in (connecting, warm-up, measuring, draining).", []string{"transport", "phase"}, nil),
		latency: prometheus.NewDesc(metricsPrefix+"latency_seconds",
			"Measured delivery latency (fan-out) or round-trip time (echo), a live view in fixed buckets of the HdrHistogram that result.json keeps exactly (bucket edges within 0.1%).",
			transport, nil),
		figures: []generatorFigure{
			fig("connections_attempted_total", "Held connections dialled (churn: measured connects started).", counter, func(t transportTotals) int64 { return t.attempted }),
			fig("connections_ready_total", "Connections that became ready.", counter, func(t transportTotals) int64 { return t.ready }),
			fig("connections_failed_total", "Connections that failed to become ready.", counter, func(t transportTotals) int64 { return t.failed }),
			fig("connections_dropped_total", "Ready connections lost to an error before the run ended.", counter, func(t transportTotals) int64 { return t.dropped }),
			fig("connections_ended_total", "Ready connections the server ended cleanly before the run ended.", counter, func(t transportTotals) int64 { return t.ended }),
			fig("reconnects_total", "Lost connections dialled again and ready (reconnect policy).", counter, func(t transportTotals) int64 { return t.reconnects }),
			fig("messages_sent_total", "Measured messages handed to the transport (fan-out publishes, echo sends), failed writes included: the result's sent + send_errors.", counter, func(t transportTotals) int64 { return t.sent }),
			fig("messages_received_total", "Measured messages received (each sequence number once).", counter, func(t transportTotals) int64 { return t.received }),
			fig("messages_lost", "Measured messages not received: while a transport runs, those due over a second ago (a late one may still come), then the result's lost.", gauge, func(t transportTotals) int64 { return t.lost }),
			fig("messages_duplicated_total", "Measured messages received again (counted per connection, added when the transport's run ends).", counter, func(t transportTotals) int64 { return t.duplicated }),
			fig("messages_out_of_order_total", "Measured messages received below the highest sequence number seen (added when the transport's run ends).", counter, func(t transportTotals) int64 { return t.outOfOrder }),
		},
	}
}

// Describe sends every metric's description.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.desc.open
	ch <- m.desc.phase
	ch <- m.desc.latency
	for _, f := range m.desc.figures {
		ch <- f.desc
	}
}

// Collect reads the figures now: finished runs' totals plus the latest
// snapshot of a running one.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	for transport, t := range m.totals() {
		ch <- prometheus.MustNewConstMetric(m.desc.open, prometheus.GaugeValue, float64(t.open), transport)
		if t.phase != "" {
			ch <- prometheus.MustNewConstMetric(m.desc.phase, prometheus.GaugeValue, 1, transport, t.phase)
		}
		for _, f := range m.desc.figures {
			ch <- prometheus.MustNewConstMetric(f.desc, f.kind, float64(f.value(t)), transport)
		}
		count, sum, buckets := t.latency.prometheus()
		ch <- prometheus.MustNewConstHistogram(m.desc.latency, count, sum, buckets, transport)
	}
}
