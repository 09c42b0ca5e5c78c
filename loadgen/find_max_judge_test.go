package loadgen_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
)

func TestJudgeFindMaxStep(t *testing.T) {
	crit := loadgen.FindMaxCriteria{Metric: "latency.p99", Below: float64(100 * time.Millisecond), LossBelow: 0.001}
	result := func(p99 time.Duration, expected, lost, failed int64, saturated bool) *results.TransportResult {
		return resultAt(p99, expected, lost, failed, saturated, 0)
	}
	tests := []struct {
		name    string
		tr      *results.TransportResult
		outcome string
		reason  string
	}{
		{"pass", result(20*time.Millisecond, 1000, 0, 0, false), results.StepPass, ""},
		{"p99 above", result(150*time.Millisecond, 1000, 0, 0, false), results.StepFail, "latency.p99 150ms > 100ms"},
		{"loss above", result(20*time.Millisecond, 1000, 5, 0, false), results.StepFail, "loss 0.5% > 0.1%"},
		{"loss at the limit passes", result(20*time.Millisecond, 1000, 1, 0, false), results.StepPass, ""},
		{"connection failures", result(20*time.Millisecond, 1000, 0, 3, false), results.StepFail, "3 connections failed"},
		{"no samples", result(0, 1000, 1000, 0, false), results.StepFail, "no samples"},
		{"saturated generator wins over failures", result(150*time.Millisecond, 1000, 5, 0, true), results.StepGeneratorLimited, "generator saturated: used 95%"},
		// 1000 received in 10s is 100/s; 20 connections x 5/s asked for 100/s.
		{"saturated generator, passing and at the rate: upper bounds that pass", resultAt(20*time.Millisecond, 1000, 0, 0, true, 20), results.StepPass, "upper bounds"},
		{"saturated generator, passing but short of the rate", resultAt(20*time.Millisecond, 1000, 0, 0, true, 40), results.StepGeneratorLimited, "generator saturated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := loadgen.JudgeFindMaxStep(tt.tr, crit)
			if st.Outcome != tt.outcome || !strings.Contains(st.Reason, tt.reason) {
				t.Errorf("got %s %q, want %s containing %q", st.Outcome, st.Reason, tt.outcome, tt.reason)
			}
			if st.Rate != 5 || st.Achieved != float64(tt.tr.Counters.Received)/10 {
				t.Errorf("rate %g achieved %g", st.Rate, st.Achieved)
			}
		})
	}
}

// resultAt is a step's result: latency p99, messages expected, lost,
// connections failed, whether the generator saturated, and connections at 5/s.
func resultAt(p99 time.Duration, expected, lost, failed int64, saturated bool, conns int) *results.TransportResult {
	h := results.NewHistogram()
	if p99 > 0 {
		for range 100 {
			h.Record(p99)
		}
	}
	return &results.TransportResult{
		Workload:   results.Workload{Rate: 5, Connections: conns, Duration: results.Duration(10 * time.Second)},
		Counters:   results.Counters{Expected: expected, Received: expected - lost, Lost: lost, ConnFailed: failed},
		Histograms: map[string]*results.Histogram{results.HistLatency: h},
		Generator:  []results.Generator{{Saturated: saturated, Reasons: []string{"used 95% of 2 cores"}}},
	}
}
