package loadgen_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/workload"
)

// scrape GETs url and parses the Prometheus text it returns.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	req.Header.Set("Accept", "text/plain") // the text format, not protobuf
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return families
}

// value is the value of family name for transport (counter or gauge); ok is
// false when there is none.
func value(families map[string]*dto.MetricFamily, name, transport string) (float64, bool) {
	f := families[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "transport" && l.GetValue() == transport {
				switch {
				case m.Counter != nil:
					return m.GetCounter().GetValue(), true
				case m.Gauge != nil:
					return m.GetGauge().GetValue(), true
				case m.Histogram != nil:
					return float64(m.GetHistogram().GetSampleCount()), true
				}
			}
		}
	}
	return 0, false
}

// TestMetricsDuringAndAfterARun: a scrape while an echo run goes on shows its
// live figures; once the run is finished the figures equal the result's.
func TestMetricsDuringAndAfterARun(t *testing.T) {
	base := startReference(t, servers.Config{})
	cfg := smallLoad("ws", endpoint(base, "ws"), "")
	cfg.Workload.Pattern = workload.Echo
	cfg.Workload.Rate = 20
	cfg.Workload.Duration = workload.Duration(3 * time.Second)
	m := loadgen.NewMetrics()
	cfg.Progress = m.Observe
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	defer srv.Close()

	type outcome struct {
		res *results.TransportResult
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := loadgen.Run(context.Background(), cfg, quiet)
		done <- outcome{res, err}
	}()

	// While it runs: connections open and messages arriving.
	var live map[string]*dto.MetricFamily
	deadline := time.After(20 * time.Second)
	for got := false; !got; {
		select {
		case <-deadline:
			t.Fatal("no live messages on /metrics within 20s")
		case out := <-done:
			t.Fatalf("run ended (err %v) before a scrape saw messages", out.err)
		case <-time.After(200 * time.Millisecond):
		}
		live = scrape(t, srv.URL)
		n, _ := value(live, "pushbench_generator_messages_received_total", "ws")
		got = n > 0
	}
	if open, _ := value(live, "pushbench_generator_connections", "ws"); open != 20 {
		t.Errorf("connections open during the run = %v, want 20", open)
	}
	if f := live["pushbench_generator_phase"]; f == nil || len(f.GetMetric()) != 1 {
		t.Errorf("phase during the run: %v, want one phase", f)
	}

	var out outcome
	select {
	case out = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("run did not end within 60s")
	}
	if out.err != nil {
		t.Fatal(out.err)
	}
	m.Finish("ws", out.res)
	final := scrape(t, srv.URL)
	c := out.res.Counters
	for _, w := range []struct {
		name string
		want int64
	}{
		{"pushbench_generator_connections", 0},
		{"pushbench_generator_connections_attempted_total", c.ConnAttempted},
		{"pushbench_generator_connections_ready_total", c.ConnReady},
		{"pushbench_generator_connections_failed_total", c.ConnFailed},
		{"pushbench_generator_connections_dropped_total", c.ConnDropped},
		{"pushbench_generator_reconnects_total", c.Reconnects},
		{"pushbench_generator_messages_sent_total", c.Sent + c.SendErrors},
		{"pushbench_generator_messages_received_total", c.Received},
		{"pushbench_generator_messages_lost", c.Lost},
		{"pushbench_generator_messages_duplicated_total", c.Duplicated},
		{"pushbench_generator_latency_seconds", out.res.Histograms[results.HistLatency].Count()},
	} {
		got, ok := value(final, w.name, "ws")
		if !ok || got != float64(w.want) {
			t.Errorf("%s = %v (present %v), want the result's %d", w.name, got, ok, w.want)
		}
	}
	if c.Received == 0 {
		t.Fatal("the run received nothing: the comparison above proves little")
	}
	if f := final["pushbench_generator_phase"]; f != nil {
		t.Errorf("phase after the run: %v, want none", f)
	}
	checkBuckets(t, final["pushbench_generator_latency_seconds"].GetMetric()[0].GetHistogram(), out.res.Histograms[results.HistLatency])
}

// checkBuckets: the cumulative buckets never fall, the +Inf count is every
// sample, and the bucket holding the median agrees with the HdrHistogram's.
func checkBuckets(t *testing.T, h *dto.Histogram, exact *results.Histogram) {
	t.Helper()
	var prev uint64
	median := exact.Quantile(0.5).Seconds()
	half := uint64(exact.Count()+1) / 2
	for _, b := range h.GetBucket() {
		if b.GetCumulativeCount() < prev {
			t.Fatalf("bucket le=%g count %d below the previous %d", b.GetUpperBound(), b.GetCumulativeCount(), prev)
		}
		// Below the median's bucket fewer than half the samples; at or above it, at least half.
		if b.GetUpperBound() < median*0.999 && b.GetCumulativeCount() > half {
			t.Errorf("bucket le=%g holds %d of %d samples, but the median is %gs", b.GetUpperBound(), b.GetCumulativeCount(), exact.Count(), median)
		}
		if b.GetUpperBound() >= median*1.001 && b.GetCumulativeCount() < half {
			t.Errorf("bucket le=%g holds %d of %d samples, but the median is %gs", b.GetUpperBound(), b.GetCumulativeCount(), exact.Count(), median)
		}
		prev = b.GetCumulativeCount()
	}
	if h.GetSampleCount() != uint64(exact.Count()) || prev != uint64(exact.Count()) {
		t.Errorf("sample count %d, last bucket %d, want %d", h.GetSampleCount(), prev, exact.Count())
	}
}

// TestMetricsSumOverRuns: counters keep growing across two runs of one
// transport, and a nil result adds nothing.
func TestMetricsSumOverRuns(t *testing.T) {
	m := loadgen.NewMetrics()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	defer srv.Close()
	lat := results.NewHistogram()
	lat.Record(3 * time.Millisecond)
	res := &results.TransportResult{Counters: results.Counters{ConnReady: 5, Received: 7, Lost: 1},
		Histograms: map[string]*results.Histogram{results.HistLatency: lat}}
	m.Observe(loadgen.Progress{Transport: "sse", Phase: loadgen.PhaseMeasuring, Ready: 5, Open: 5, Received: 3})
	m.Finish("sse", res)
	m.Observe(loadgen.Progress{Transport: "sse", Phase: loadgen.PhaseMeasuring, Ready: 5, Open: 4, Received: 2, Missing: 2, Latency: lat})
	families := scrape(t, srv.URL)
	for name, want := range map[string]float64{
		"pushbench_generator_connections":             4,
		"pushbench_generator_connections_ready_total": 10,
		"pushbench_generator_messages_received_total": 9,
		"pushbench_generator_messages_lost":           3,
		"pushbench_generator_latency_seconds":         2,
	} {
		if got, _ := value(families, name, "sse"); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	m.Finish("sse", nil)
	families = scrape(t, srv.URL)
	if got, _ := value(families, "pushbench_generator_messages_received_total", "sse"); got != 7 {
		t.Errorf("after a nil result: received %v, want the first run's 7", got)
	}
	var nilMetrics *loadgen.Metrics
	nilMetrics.Observe(loadgen.Progress{}) // a nil Metrics takes nothing
	nilMetrics.Finish("sse", res)
}
