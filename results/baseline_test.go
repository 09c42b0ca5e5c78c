package results

import (
	"errors"
	"strings"
	"testing"
)

func TestBaselineMetrics(t *testing.T) {
	r := &TransportResult{Baseline: []Baseline{
		{Worker: 0, GeneratorBefore: Usage{FDs: 10, Goroutines: 5, RSS: 100}, GeneratorAfter: Usage{FDs: 12, Goroutines: 5, RSS: 90},
			ServerBefore: &Usage{FDs: 7, RSS: 1000}, ServerAfter: &Usage{FDs: 7, RSS: 1500}},
		{Worker: 1, GeneratorBefore: Usage{FDs: 10, Goroutines: 5, RSS: 100}, GeneratorAfter: Usage{FDs: 11, Goroutines: 9, RSS: 150}},
	}}
	tests := []struct {
		metric string
		want   float64
		unit   Unit
	}{
		{"generator_fd_growth", 2, UnitCount},        // the larger of the two workers
		{"generator_goroutine_growth", 4, UnitCount}, // worker 1
		{"generator_rss_growth", 50, UnitBytes},      // worker 0 ended below: 0, not -10
		{"server_fd_growth", 0, UnitCount},
		{"server_rss_growth", 500, UnitBytes},
	}
	for _, tt := range tests {
		t.Run(tt.metric, func(t *testing.T) {
			got, unit, err := MetricValue(r, tt.metric)
			if err != nil || got != tt.want || unit != tt.unit {
				t.Fatalf("%s = %v %v %v, want %v", tt.metric, got, unit, err, tt.want)
			}
		})
	}
	if _, _, err := MetricValue(&TransportResult{}, "generator_fd_growth"); !errors.Is(err, ErrNotRecorded) {
		t.Fatalf("no check: err %v, want ErrNotRecorded", err)
	}
}

func TestLostWhileConnected(t *testing.T) {
	r := &TransportResult{Counters: Counters{Expected: 100, Received: 90, Lost: 10, LostAcrossReconnect: 7}}
	if v, _, err := MetricValue(r, "lost_while_connected"); err != nil || v != 3 {
		t.Fatalf("lost_while_connected = %v (%v), want 3: 10 lost, 7 of them across reconnects", v, err)
	}
}

// TestServerNotMeasuredFails: a check that could not read the server (not
// local, restarted) is an error naming why, not a pass by omission.
func TestServerNotMeasuredFails(t *testing.T) {
	r := &TransportResult{Baseline: []Baseline{{ServerNote: "the server was restarted during the run (pid 1, then 2): two processes are not compared"}}}
	_, _, err := MetricValue(r, "server_fd_growth")
	if !errors.Is(err, ErrNotMeasured) || !strings.Contains(err.Error(), "restarted") {
		t.Fatalf("err %v, want ErrNotMeasured saying the server restarted", err)
	}
	if _, _, err := MetricValue(r, "generator_fd_growth"); err != nil {
		t.Fatalf("generator metric: %v", err)
	}
}
