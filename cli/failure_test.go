package cli

import (
	"testing"

	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

func TestFailureReason(t *testing.T) {
	tests := []struct {
		name    string
		pattern workload.Pattern
		c       results.Counters
		want    string
	}{
		{"healthy fanout", workload.Fanout, results.Counters{ConnAttempted: 50, ConnReady: 50, Expected: 5000, Received: 4990, Lost: 10}, ""},
		{"fanout received nothing", workload.Fanout, results.Counters{ConnAttempted: 50, ConnReady: 50, Expected: 5000, Lost: 5000},
			"ws: 0 of 5000 expected messages received; is the publish endpoint right? see --publish (and --publish-body for the server's own format) or --pattern listen"},
		{"fanout published nothing", workload.Fanout, results.Counters{ConnAttempted: 50, ConnReady: 50},
			"ws: no messages received; is the publish endpoint right? see --publish (and --publish-body for the server's own format) or --pattern listen"},
		{"echo received nothing", workload.Echo, results.Counters{ConnAttempted: 5, ConnReady: 5, Expected: 50, Lost: 50},
			"ws: 0 of 50 expected messages received; does the server echo each message back on the same connection? see --echo-body for its format, or --pattern listen"},
		{"listen received nothing", workload.Listen, results.Counters{ConnAttempted: 5, ConnReady: 5},
			"ws: no messages received; does the server send anything at this URL? check --url and the event filters (--sse-event, --sio-event, --sio-namespace skip other events), and `pushbench probe URL` to see what it says"},
		{"no connection ready", workload.Fanout, results.Counters{ConnAttempted: 50, ConnFailed: 50},
			"ws: 0 of 50 connections became ready; see the errors above, or check --target and --url"},
		{"idle, none ready", workload.Idle, results.Counters{ConnAttempted: 50, ConnFailed: 50},
			"ws: 0 of 50 connections became ready; see the errors above, or check --target and --url"},
		{"idle expects no messages", workload.Idle, results.Counters{ConnAttempted: 50, ConnReady: 50}, ""},
		{"churn, some ready", workload.Churn, results.Counters{ConnAttempted: 50, ConnReady: 3}, ""},
		{"a worker given no connections", workload.Fanout, results.Counters{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &results.TransportResult{Transport: "ws", Counters: tt.c}
			if got := failureReason(tt.pattern, tr); got != tt.want {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
