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

// TestErrorLinesForCoordinatedWorkers: a coordinated run's notes give the
// workers' clock offsets, uncertainty and drift, warn when that bound is not
// negligible next to latency, and say a partial result is partial.
func TestErrorLinesForCoordinatedWorkers(t *testing.T) {
	lat := results.NewHistogram()
	for range 10 {
		lat.Record(3 * time.Millisecond)
	}
	worker := func(i int, off, unc, drift time.Duration) results.Worker {
		return results.Worker{Index: i, Count: 3, Host: "box", PID: 100 + i, ClockOffset: results.Duration(off),
			ClockUncertainty: results.Duration(unc), ClockDrift: results.Duration(drift)}
	}
	run := &results.Run{Transports: []*results.TransportResult{
		{Transport: "ws", Workload: results.Workload{Pattern: "fanout"}, Histograms: map[string]*results.Histogram{results.HistLatency: lat},
			Workers: []results.Worker{worker(0, -20*time.Microsecond, 40*time.Microsecond, 5*time.Microsecond), worker(1, 3*time.Second, 30*time.Microsecond, 0), worker(2, 0, 10*time.Microsecond, 0)}},
		{Transport: "sse", Workload: results.Workload{Pattern: "fanout"}, Histograms: map[string]*results.Histogram{results.HistLatency: lat},
			Workers: []results.Worker{worker(0, time.Millisecond, 2*time.Millisecond, 0), worker(2, 0, time.Millisecond, 100*time.Microsecond)},
			Partial: true, MissingWorkers: []int{1}},
		{Transport: "chunked", Workload: results.Workload{Pattern: "fanout"}, Workers: []results.Worker{{Index: 0, Count: 1}}},
	}}
	got := strings.Join(ErrorLines(run), "\n")
	for _, want := range []string{
		"ws: 3 workers; clock offsets to the coordinator -20µs to +3.00s, uncertainty at most ±40µs, drift at most 5µs\n",
		"sse: PARTIAL result: worker(s) [1] of 3 missing (lost or not ready; workers.allow_partial): their connections and messages are not counted",
		"sse: 2 workers; clock offsets to the coordinator +0 to +1.00ms, uncertainty at most ±2.00ms, drift at most 100µs; latency is exact only to ±4.10ms (clock uncertainty and drift), not negligible next to its p50 3.00ms",
	} {
		if !strings.Contains(got+"\n", want) {
			t.Errorf("lines lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "chunked:") {
		t.Errorf("a single-process result has worker lines:\n%s", got)
	}
}
