package results

import (
	"strings"
	"testing"
	"time"
)

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
