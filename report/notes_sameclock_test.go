package report

import (
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
)

// TestWorkerLinesOneClock: workers on the coordinator's machine read its
// clock: the note says so instead of offsets and never warns about a clock
// bound; a run that mixes them with workers elsewhere counts them.
func TestWorkerLinesOneClock(t *testing.T) {
	lat := results.NewHistogram()
	lat.Record(20 * time.Microsecond) // a p50 any measured offset would dwarf
	same := func(i int) results.Worker {
		return results.Worker{Index: i, Count: 3, Host: "box", PID: 100 + i, SameClock: true}
	}
	far := results.Worker{Index: 2, Count: 3, Host: "far", PID: 7, ClockOffset: results.Duration(time.Millisecond),
		ClockUncertainty: results.Duration(40 * time.Microsecond), ClockDrift: results.Duration(time.Microsecond)}
	hist := map[string]*results.Histogram{results.HistLatency: lat}
	for _, tt := range []struct {
		name    string
		workers []results.Worker
		want    string
		not     string
	}{
		{"all local", []results.Worker{same(0), same(1), same(2)}, "ws: 3 workers; one clock (same machine): no clock offset applied", "not negligible"},
		{"mixed", []results.Worker{same(0), same(1), far}, "ws: 3 workers; clock offsets to the coordinator +0 to +1.00ms, uncertainty at most ±40µs, drift at most 1µs (2 of them on the coordinator's machine: one clock, offset 0)", "one clock (same machine)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := &results.TransportResult{Transport: "ws", Workload: results.Workload{Pattern: "fanout"}, Histograms: hist, Workers: tt.workers}
			got := strings.Join(workerLines(tr), "\n")
			if !strings.Contains(got, tt.want) || strings.Contains(got, tt.not) {
				t.Fatalf("lines:\n%s\nwant %q, not %q", got, tt.want, tt.not)
			}
		})
	}
}
