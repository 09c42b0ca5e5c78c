package results

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func runOf(name string, scenario string, trs ...*TransportResult) *Run {
	return &Run{Schema: SchemaVersion, Name: name, Scenario: json.RawMessage(scenario), Transports: trs}
}

func latencyResult(transport string, worker int, samples ...time.Duration) *TransportResult {
	h := NewHistogram()
	for _, d := range samples {
		h.Record(d)
	}
	return &TransportResult{
		Transport:  transport,
		Workload:   Workload{Pattern: "fanout", Rate: 10, PayloadBytes: 64, Duration: Duration(10 * time.Second)},
		Workers:    []Worker{{Index: worker, Count: 2}},
		Counters:   Counters{Expected: int64(len(samples)), Received: int64(len(samples))},
		Histograms: map[string]*Histogram{HistLatency: h},
	}
}

func TestMergeRuns(t *testing.T) {
	a := runOf("s", `{"name":"s"}`, latencyResult("ws", 0, time.Millisecond, 3*time.Millisecond), latencyResult("sse", 0, time.Millisecond))
	b := runOf("s", `{ "name": "s" }`, latencyResult("ws", 1, 2*time.Millisecond))
	m, err := MergeRuns(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Transports) != 2 || m.Transports[0].Transport != "ws" || m.Transports[0].Counters.Received != 3 || m.Transports[0].Hist(HistLatency).Quantile(0.5) != 2*time.Millisecond {
		t.Fatalf("merged %+v", m.Transports[0])
	}
	c := runOf("other", `{"name":"other"}`, latencyResult("ws", 1))
	if _, err := MergeRuns(a, c); !errors.Is(err, ErrIncompatible) {
		t.Fatalf("different scenarios merged: %v", err)
	}
	if _, err := MergeRuns(a, a); err == nil || !strings.Contains(err.Error(), "worker 0/2 appears in results 1 and 2") {
		t.Fatalf("a worker merged twice: %v", err)
	}
}

func TestCompareSignificance(t *testing.T) {
	mk := func(latency time.Duration, n int) []*Run {
		var runs []*Run
		for i := range n {
			// Slightly different each run, as real repeats are.
			runs = append(runs, runOf("s", `{}`, latencyResult("ws", 0, latency+time.Duration(i)*10*time.Microsecond)))
		}
		return runs
	}
	find := func(rows []Comparison, metric string) Comparison {
		for _, r := range rows {
			if r.Metric == metric && r.Transport == "ws" {
				return r
			}
		}
		t.Fatalf("no %s row", metric)
		return Comparison{}
	}
	tests := []struct {
		name       string
		base, next []*Run
		wantDelta  string
	}{
		{"clear regression", mk(10*time.Millisecond, 6), mk(20*time.Millisecond, 6), "+99."},
		{"same distribution", mk(10*time.Millisecond, 6), mk(10*time.Millisecond, 6), "~"},
		{"too few runs for a test", mk(10*time.Millisecond, 1), mk(20*time.Millisecond, 1), "+100.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := Compare(tt.base, tt.next)
			if err != nil {
				t.Fatal(err)
			}
			c := find(rows, "latency.p50")
			if !strings.HasPrefix(c.Delta, tt.wantDelta) {
				t.Fatalf("delta %q (%s), want %q", c.Delta, c.Test, tt.wantDelta)
			}
		})
	}
	rows, _ := Compare(mk(time.Millisecond, 1), mk(time.Millisecond, 1))
	if c := find(rows, "latency.p50"); !strings.Contains(c.Test, "single run") {
		t.Fatalf("single runs claim a test: %q", c.Test)
	}
}
