package report

import (
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
)

func TestErrorLinesForForeignListenAndInterrupted(t *testing.T) {
	gap := results.NewHistogram()
	for range 10 {
		gap.Record(100 * time.Millisecond)
	}
	run := &results.Run{Transports: []*results.TransportResult{
		{Transport: "ws", Workload: results.Workload{Pattern: "echo", Duration: results.Duration(10 * time.Second)},
			Counters: results.Counters{Foreign: 11000}},
		{Transport: "sse",
			Counters:   results.Counters{ConnReady: 2, ConnEnded: 1, Received: 12, Expected: 12},
			Workload:   results.Workload{Pattern: "listen", Duration: results.Duration(10 * time.Second), Timestamp: "t:ms"},
			Histograms: map[string]*results.Histogram{results.HistGap: gap}, LatencyClock: results.ClockServer,
			Interrupted: true, Window: results.Duration(3 * time.Second)},
	}}
	got := strings.Join(ErrorLines(run), "\n")
	for _, want := range []string{
		"ws: 11000 foreign messages (not this run's: another format, topic or marker) were ignored, neither errors nor latency",
		"sse: listen: 12 messages on 2 connections (1 ended by the server, 0 dropped); gap between messages p50 100ms, p99 100ms, max 100ms; without --seq loss is not measured",
		"sse: latency is from each message's own timestamp, on the server's clock",
		"sse: interrupted after 3s of the 10s measured window",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("lines lack %q:\n%s", want, got)
		}
	}
}
