package loadgen_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

// TestCoordinatedOmissionStallShowsAsTheoryPredicts is the coordinated-omission
// check: a server that stops writing for S = 1 s during a steady fan-out at
// R = 10/s must show in the latency tail exactly as open-loop theory says.
//
// Theory. The publisher keeps its schedule through the stall, and latency is
// measured from each message's scheduled time. The stall begins as message k
// is due; k and the S*R - 1 = 9 messages due after it wait until the stall
// ends, so their latencies are S, S - 1/R, ..., 1/R: 1.0, 0.9, ..., 0.1 s,
// one of each per receiver. Every other message has the loopback baseline
// (milliseconds). A window of D seconds holds N = D*R measured messages per
// receiver, so the mixture is N - 10 values near 0 and one value at each of
// 0.1 .. 1.0 s; the share above level x (for 0 < x < S) is (S - x)*R / N.
//
// With D = 4.5 s, N = 45 per receiver (35 baseline + 10 stalled), and with
// C = 5 receivers 225 samples: ranks 1..175 are the baseline and the stalled
// level j*0.1 s holds ranks 175+5(j-1)+1 .. 175+5j. HdrHistogram's quantile q
// is the value at rank int(q*225 + 0.5):
//
//	p90: 0.90*225 = 202.5 -> rank 203, in 201..205 (j = 6)  = 0.6 s
//	p99: 0.99*225 = 222.75 -> rank 223, in 221..225 (j = 10) = 1.0 s
//
// Both ranks sit in the middle of their level, half a level from the next,
// so a few samples shifted by a loaded machine do not move them, and both
// are hundreds of times the baseline. A generator that timed messages from
// when it managed to send them (closed loop) would show one stalled message
// per receiver: p90 would be the baseline. The test builds the theoretical
// mixture as a histogram, asks it the same quantiles, and requires the
// measured ones within 15 %.
func TestCoordinatedOmissionStallShowsAsTheoryPredicts(t *testing.T) {
	const (
		rate       = 10                      // R, messages/s
		stall      = time.Second             // S
		window     = 4500 * time.Millisecond // D
		warmup     = 500 * time.Millisecond
		receivers  = 5
		tolerance  = 0.15
		stallAtSeq = 20 // warm-up is seqs 1..5; the window 6..50
	)
	f := &faultyServer{mangle: func(seq uint64, _ int) ([]uint64, time.Duration, bool) {
		if seq == stallAtSeq {
			return []uint64{seq}, stall, false
		}
		return []uint64{seq}, 0, false
	}}
	ts := f.start(t)
	cfg := smallLoad("sse", ts.URL+"/sse", wsURL(ts.URL)+"/publish")
	cfg.Workload.Connections = receivers
	cfg.Workload.Rate = rate
	cfg.Workload.Warmup = workload.Duration(warmup).Ptr()
	cfg.Workload.Duration = workload.Duration(window)
	cfg.Workload.Drain = workload.Duration(3 * stall).Ptr()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := loadgen.Run(ctx, cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Counters
	if c.ConnReady != receivers || c.Lost != 0 || c.Received != c.Expected {
		t.Fatalf("ready %d lost %d received %d of %d: the stall must be latency, not loss", c.ConnReady, c.Lost, c.Received, c.Expected)
	}
	perReceiver := int(c.Expected / receivers)
	stalled := int(stall.Seconds() * rate)
	if perReceiver != int(window.Seconds()*rate) {
		t.Fatalf("%d measured messages per receiver, want D*R = %d", perReceiver, int(window.Seconds()*rate))
	}

	theory := results.NewHistogram()
	for range receivers {
		for range perReceiver - stalled {
			theory.Record(time.Millisecond) // the baseline
		}
		for i := range stalled {
			theory.Record(stall - time.Duration(i)*time.Second/rate)
		}
	}
	lat := res.Hist(results.HistLatency)
	for _, q := range []struct {
		name string
		q    float64
		want time.Duration // the hand derivation above, to check the histogram's
	}{{"p90", 0.90, 600 * time.Millisecond}, {"p99", 0.99, time.Second}} {
		expected := theory.Quantile(q.q)
		if math.Abs(float64(expected-q.want)) > 0.01*float64(q.want) {
			t.Fatalf("theory %s = %s, but the derivation says %s", q.name, expected, q.want)
		}
		got := lat.Quantile(q.q)
		if off := math.Abs(float64(got-expected)) / float64(expected); off > tolerance {
			t.Errorf("%s = %s, theory %s: %.0f%% off, more than %.0f%%", q.name, got, expected, off*100, tolerance*100)
		} else {
			t.Logf("%s = %s, theory %s (%.1f%% off)", q.name, got, expected, off*100)
		}
	}
}
