package cluster

import (
	"testing"
	"time"

	"github.com/pushbench/pushbench/loadgen"
)

// TestBestEstimate: the offset is the coordinator's clock minus the
// worker's, taken from the round trip with the shortest time on the wire,
// whose half is the uncertainty.
func TestBestEstimate(t *testing.T) {
	const skew = 3 * time.Second // the coordinator is ahead
	base := time.Unix(1_700_000_000, 0)
	sample := func(out, back time.Duration) clockSample {
		sent := base
		t1 := sent.Add(out).Add(-skew) // the worker's clock reads 3 s less
		t2 := t1.Add(10 * time.Microsecond)
		received := sent.Add(out + 10*time.Microsecond + back)
		return newClockSample(sent, received, &Pong{T1: t1.UnixNano(), T2: t2.UnixNano()})
	}
	est, ok := bestEstimate([]clockSample{
		sample(5*time.Millisecond, time.Millisecond), // slow and lopsided: 2 ms off
		sample(40*time.Microsecond, 60*time.Microsecond),
		sample(time.Millisecond, 9*time.Millisecond),
	})
	if !ok {
		t.Fatal("no estimate")
	}
	if est.RTT != 100*time.Microsecond || est.Uncertainty != 50*time.Microsecond {
		t.Fatalf("round trip %s ±%s, want the best one: 100µs ±50µs", est.RTT, est.Uncertainty)
	}
	if d := est.Offset - skew; d.Abs() > est.Uncertainty {
		t.Fatalf("offset %s, want %s within ±%s", est.Offset, skew, est.Uncertainty)
	}
	if _, ok := bestEstimate(nil); ok {
		t.Fatal("an estimate from no samples")
	}
}

// TestCombineProgress: the combined line sums the workers' counts, shows
// the slowest worker's phase and the highest p99.
func TestCombineProgress(t *testing.T) {
	p, ok := combineProgress("ws", []Progress{
		{Phase: loadgen.PhaseMeasuring, Elapsed: 3 * time.Second, Total: 10 * time.Second, Ready: 10, Received: 100, PerSecond: 50, P99: time.Millisecond, Scheduled: true, Missing: 1},
		{Phase: loadgen.PhaseWarmup, Elapsed: time.Second, Total: 2 * time.Second, Ready: 11, Failed: 1, Received: 0, P99: 0},
		{Phase: loadgen.PhaseMeasuring, Elapsed: 2 * time.Second, Total: 10 * time.Second, Ready: 10, Received: 90, PerSecond: 45, P99: 3 * time.Millisecond, Missing: 2},
	})
	want := loadgen.Progress{Transport: "ws", Phase: loadgen.PhaseWarmup, Elapsed: time.Second, Total: 2 * time.Second, Ready: 31, Failed: 1,
		Received: 190, PerSecond: 95, Scheduled: true, Missing: 3, P99: 3 * time.Millisecond}
	if !ok || p != want {
		t.Fatalf("combined %+v\nwant %+v", p, want)
	}
	if _, ok := combineProgress("ws", nil); ok {
		t.Fatal("progress from no snapshots")
	}
}
