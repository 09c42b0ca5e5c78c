package cluster

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
)

// TestCombinedLatencyIsTheWorkersMerged: each worker's snapshot carries
// its latency in the live buckets; the combined snapshot's buckets are
// exactly those of one histogram of every worker's samples, and a snapshot
// without (before the plan) adds nothing.
func TestCombinedLatencyIsTheWorkersMerged(t *testing.T) {
	all := results.NewHistogram()
	var snaps []Progress
	for w, samples := range [][]time.Duration{
		{80 * time.Microsecond, 700 * time.Microsecond, 3 * time.Millisecond},
		{2 * time.Millisecond, 40 * time.Millisecond, 2 * time.Second, 90 * time.Second},
		nil, // a worker whose plan is not set yet
	} {
		var h *results.Histogram
		if samples != nil {
			h = results.NewHistogram()
			for _, d := range samples {
				h.Record(d)
				all.Record(d)
			}
		}
		msg := progressMessage(7, loadgen.Progress{Phase: loadgen.PhaseMeasuring, Received: int64(len(samples)), Latency: h})
		if (msg.Latency == nil) != (h == nil) {
			t.Fatalf("worker %d: latency on the wire %v for histogram %v", w, msg.Latency, h)
		}
		snaps = append(snaps, *msg)
	}
	p, ok := combineProgress("ws", snaps)
	want := loadgen.NewLatencyBuckets(all)
	if !ok || p.LatencyBuckets == nil || p.Latency != nil {
		t.Fatalf("combined %+v: want buckets and no histogram", p)
	}
	if got := *p.LatencyBuckets; got.Count != 7 || got.Count != want.Count || !slices.Equal(got.PerEdge, want.PerEdge) {
		t.Fatalf("combined buckets %d %v, want the merged histogram's %d %v", got.Count, got.PerEdge, want.Count, want.PerEdge)
	}
	none, _ := combineProgress("ws", []Progress{{Phase: loadgen.PhaseConnecting}})
	if none.LatencyBuckets != nil {
		t.Fatalf("combined buckets %+v from snapshots without any", none.LatencyBuckets)
	}
}

// TestProgressWithForeignBucketsRefused: a progress message whose buckets
// do not fit this release's edges does not decode (the coordinator drops
// the worker with the error) rather than showing a wrong histogram.
func TestProgressWithForeignBucketsRefused(t *testing.T) {
	_, err := ParseMessage([]byte(`{"type":"progress","job":1,"phase":"measuring","latency":{"count":2,"sum":0.1,"per_edge":[1,1]}}`))
	if err == nil || !strings.Contains(err.Error(), "latency buckets: 2 counts, want") {
		t.Fatalf("parse: %v, want the buckets refused", err)
	}
}
