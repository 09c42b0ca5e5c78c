package report

import (
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
)

func TestErrorLinesShowEveryFault(t *testing.T) {
	d := func(v time.Duration) results.Duration { return results.Duration(v) }
	run := &results.Run{Transports: []*results.TransportResult{{
		Transport: "ws", Workload: results.Workload{Pattern: "fanout", Duration: d(10 * time.Second)},
		Events: []results.Event{
			{Name: "kill", At: d(3 * time.Second), Took: d(4 * time.Millisecond)},
			{Name: "stall 1s", At: d(-500 * time.Millisecond), Late: d(25 * time.Millisecond), Took: d(time.Second)},
			{Name: "drop 25%", At: d(8 * time.Second), Error: "POST http://x/admin/drop?percent=25: 401 Unauthorized"},
		},
	}}}
	got := strings.Join(ErrorLines(run), "\n")
	for _, want := range []string{
		"ws: fault kill at 3s: done in 4.00ms",
		"ws: fault stall 1s at -500ms (started 25.0ms late): done in 1.00s",
		"ws: fault drop 25% at 8s: failed: POST http://x/admin/drop?percent=25: 401 Unauthorized",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("lines lack %q:\n%s", want, got)
		}
	}
}
