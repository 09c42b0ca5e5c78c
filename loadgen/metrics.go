package loadgen

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pushbench/pushbench/results"
)

// metricsPrefix names every metric the load generator exports.
const metricsPrefix = "pushbench_generator_"

// Metrics is the load generator's live view for Prometheus (pushbench run
// --metrics-addr), so a Grafana user can watch a long run. It adds nothing to
// the per-message path: a running transport's figures are the progress
// snapshot the runner already takes once a second (Observe, the Progress
// callback), and a finished transport's are its result's counters and latency
// histogram (Finish). Figures are summed per transport over every run of the
// process, so counters only grow. The HdrHistogram in result.json stays the
// exact record; the Prometheus histogram is a live view of it in fixed
// buckets (LatencyBuckets), which is what a coordinated run's workers send
// their coordinator, so its view is the exact sum of theirs.
type Metrics struct {
	mu       sync.Mutex
	finished map[string]*transportTotals // summed over the transport's finished runs
	running  map[string]Progress         // the latest snapshot of a transport still running

	desc metricsDescs
}

// transportTotals are one transport's figures as Prometheus shows them.
type transportTotals struct {
	phase                                  string // "" once finished
	open                                   int64
	attempted, ready, failed, dropped      int64
	ended, reconnects, sent                int64
	received, lost, duplicated, outOfOrder int64
	latency                                LatencyBuckets
}

// NewMetrics returns an empty live view; register it with a registry and pass
// Observe as (or from) loadgen.Config.Progress.
func NewMetrics() *Metrics {
	return &Metrics{finished: map[string]*transportTotals{}, running: map[string]Progress{}, desc: newMetricsDescs()}
}

// Observe takes a running transport's progress snapshot; a nil Metrics
// takes nothing.
func (m *Metrics) Observe(p Progress) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.running[p.Transport] = p
}

// Finish ends a transport's run: its result's counters and latency replace
// the live snapshot (a nil Metrics takes nothing). A nil result (the run could not be completed) drops the
// snapshot and adds nothing.
func (m *Metrics) Finish(transport string, res *results.TransportResult) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.running, transport)
	if res == nil {
		return
	}
	t := m.finished[transport]
	if t == nil {
		t = &transportTotals{latency: NewLatencyBuckets(nil)}
		m.finished[transport] = t
	}
	c := res.Counters
	t.attempted += c.ConnAttempted
	t.ready += c.ConnReady
	t.failed += c.ConnFailed
	t.dropped += c.ConnDropped
	t.ended += c.ConnEnded
	t.reconnects += c.Reconnects
	t.sent += c.Sent + c.SendErrors
	t.received += c.Received
	t.lost += c.Lost
	t.duplicated += c.Duplicated
	t.outOfOrder += c.OutOfOrder
	t.latency.Add(NewLatencyBuckets(res.Histograms[results.HistLatency]))
}

// totals sums each transport's finished runs and its running one, if any.
func (m *Metrics) totals() map[string]transportTotals {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]transportTotals{}
	for name, t := range m.finished {
		sum := *t
		sum.latency = NewLatencyBuckets(nil)
		sum.latency.Add(t.latency)
		out[name] = sum
	}
	for name, p := range m.running {
		sum, ok := out[name]
		if !ok {
			sum.latency = NewLatencyBuckets(nil)
		}
		sum.phase = p.Phase
		sum.open = p.Open
		sum.attempted += p.Attempted
		sum.ready += p.Ready
		sum.failed += p.Failed
		sum.dropped += p.Dropped
		sum.ended += p.Ended
		sum.reconnects += p.Reconnects
		sum.sent += p.Sent
		sum.received += p.Received
		sum.lost += p.Missing
		sum.latency.Add(p.latencyBuckets())
		out[name] = sum
	}
	return out
}

var _ prometheus.Collector = (*Metrics)(nil)
