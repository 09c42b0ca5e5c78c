package cluster_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
	"github.com/pushbench/pushbench/workload"
)

// scrapeLatency GETs url's /metrics and returns the ws latency histogram's
// sample count and messages_received_total.
func scrapeLatency(t *testing.T, url string) (latency, received uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	req.Header.Set("Accept", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	if f := families["pushbench_generator_latency_seconds"]; f != nil && len(f.GetMetric()) == 1 {
		latency = f.GetMetric()[0].GetHistogram().GetSampleCount()
	}
	if f := families["pushbench_generator_messages_received_total"]; f != nil && len(f.GetMetric()) == 1 {
		received = uint64(f.GetMetric()[0].GetCounter().GetValue())
	}
	return latency, received
}

// TestCoordinatedLiveLatency: the coordinator's live metrics, fed its
// combined progress, show a latency histogram that is the workers' merged
// one while the run goes on (a fan-out sample per received message, so its
// count is the received count in every scrape), and once the merged result
// is in, the result's.
func TestCoordinatedLiveLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("a 3 s coordinated run")
	}
	_, base := servertest.Start(t, servers.Config{})
	m := loadgen.NewMetrics()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	defer srv.Close()

	job := fanoutJob(base, 20)
	job.Workload.Duration = workload.Duration(3 * time.Second)
	type scraped struct{ latency, received uint64 }
	var live []scraped
	out := runCoordinated(t, 2, job, func(p loadgen.Progress) {
		m.Observe(p)
		lat, rcv := scrapeLatency(t, srv.URL)
		live = append(live, scraped{lat, rcv})
	})
	filled := false
	for i, s := range live {
		if s.latency != s.received {
			t.Errorf("scrape %d during the run: %d latency samples, %d messages received; want equal", i, s.latency, s.received)
		}
		filled = filled || s.latency > 0
	}
	if !filled {
		t.Fatalf("no scrape during the run showed latency samples: %+v", live)
	}
	m.Finish("ws", out.Merged)
	lat, rcv := scrapeLatency(t, srv.URL)
	if want := out.Merged.Hist(results.HistLatency).Count(); int64(lat) != want || int64(rcv) != out.Merged.Counters.Received || want != 20*150 {
		t.Fatalf("after the run: %d latency samples, %d received; the result has %d samples, %d received, want %d",
			lat, rcv, want, out.Merged.Counters.Received, 20*150)
	}
	for _, s := range live {
		if s.latency > lat {
			t.Errorf("a live count %d above the final %d", s.latency, lat)
		}
	}
}
