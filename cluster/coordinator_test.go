package cluster_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/cluster"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

// TestCoordinatedRunOnePublisherExactMerge: a coordinator and three workers
// over the protocol run one fan-out scenario against one server. Together
// they hold exactly its connections, one of them publishes, so the server
// sees the scenario's rate (not three times it), every subscriber gets every
// message, and the merged histogram is the one histogram of every worker's
// samples. Each worker's result carries its process and clock figures.
func TestCoordinatedRunOnePublisherExactMerge(t *testing.T) {
	srv, base := servertest.Start(t, servers.Config{})
	c := startCoordinator(t, cluster.Options{Workers: 3})
	var ws []*worker
	for i := range 3 {
		ws = append(ws, startWorker(t, c, i, nil))
	}
	awaitWorkers(t, c)
	var progress []loadgen.Progress
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	out, err := c.Run(ctx, fanoutJob(base, 31), func(p loadgen.Progress) { progress = append(progress, p) })
	if err != nil {
		t.Fatal(err)
	}
	m := out.Merged
	cnt := m.Counters
	if cnt.ConnReady != 31 || cnt.ConnAttempted != 31 {
		t.Fatalf("merged connections: %d attempted, %d ready; want 31", cnt.ConnAttempted, cnt.ConnReady)
	}
	if cnt.Scheduled != 50 || cnt.Sent != 50 {
		t.Fatalf("merged scheduled %d, sent %d; want 50 each (one publisher)", cnt.Scheduled, cnt.Sent)
	}
	if got := srv.Stats().Published; got < 50 || got > 61 {
		t.Fatalf("server received %d publishes, want 50 measured + 10 warm-up: one publisher, not three", got)
	}
	if cnt.Expected != 31*50 || cnt.Received != cnt.Expected || cnt.Lost != 0 || cnt.Duplicated != 0 {
		t.Fatalf("merged expected %d, received %d, lost %d, duplicated %d; want %d received", cnt.Expected, cnt.Received, cnt.Lost, cnt.Duplicated, 31*50)
	}
	all := results.NewHistogram()
	for _, w := range out.Workers {
		all.Merge(w.Histograms[results.HistLatency])
	}
	if h := m.Histograms[results.HistLatency]; h.Count() != cnt.Received || !h.Equal(all) {
		t.Fatalf("merged latency histogram: %d samples, equal to all samples %v", h.Count(), h.Equal(all))
	}
	if len(out.Workers) != 3 || len(m.Workers) != 3 || m.Partial {
		t.Fatalf("%d worker results, merged workers %v, partial %v", len(out.Workers), m.Workers, m.Partial)
	}
	for i, w := range m.Workers {
		if w.Index != i || w.Count != 3 || w.Host == "" || w.PID == 0 {
			t.Errorf("worker %d labelled %+v", i, w)
		}
		// One machine (one boot id), one clock: no offset, no uncertainty,
		// no drift, by definition rather than by measurement.
		if !w.SameClock || w.ClockOffset != 0 || w.ClockUncertainty != 0 || w.ClockDrift != 0 {
			t.Errorf("worker %d on this machine: same clock %v, offset %s ±%s, drift %s; want one clock, all 0",
				i, w.SameClock, time.Duration(w.ClockOffset), time.Duration(w.ClockUncertainty), time.Duration(w.ClockDrift))
		}
		if sent := out.Workers[i].Counters.Sent; (i == 0) != (sent > 0) {
			t.Errorf("worker %d sent %d: only worker 0 publishes", i, sent)
		}
	}
	// How many combined lines a 1 s run gets depends on scheduling (one a
	// second); combineProgress itself is unit-tested.
	for _, p := range progress {
		if p.Transport != "ws" || p.Ready > 31 {
			t.Errorf("combined progress: %+v", p)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	for i, w := range ws {
		if err := w.result(t); err != nil {
			t.Errorf("worker %d after done: %v, want nil", i, err)
		}
	}
}

// TestSkewedCoordinatorClock: a coordinator whose clock is 3 s ahead of the
// workers' (on other machines: another boot id) records offsets of about
// 3 s, and latency, read on its clock through those offsets, stays small.
func TestSkewedCoordinatorClock(t *testing.T) {
	_, base := servertest.Start(t, servers.Config{})
	const skew = 3 * time.Second
	c := startCoordinator(t, cluster.Options{Workers: 2, Now: func() time.Time { return time.Now().Add(skew) }})
	for i := range 2 {
		startWorker(t, c, i, elsewhere)
	}
	awaitWorkers(t, c)
	out, err := runJob(t, c, fanoutJob(base, 10))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range out.Merged.Workers {
		if w.SameClock {
			t.Errorf("worker %d with another boot id taken for one on the coordinator's clock", w.Index)
		}
		if off := time.Duration(w.ClockOffset); (off - skew).Abs() > 50*time.Millisecond {
			t.Errorf("worker %d: offset %s, want about %s", w.Index, off, skew)
		}
		if d := time.Duration(w.ClockDrift); d.Abs() > 50*time.Millisecond {
			t.Errorf("worker %d: drift %s over a second-long run on one machine", w.Index, d)
		}
	}
	c2 := out.Merged.Counters
	if c2.Received != 10*50 || c2.Lost != 0 {
		t.Fatalf("received %d, lost %d; want 500, none lost", c2.Received, c2.Lost)
	}
	if p99 := out.Merged.Hist(results.HistLatency).Quantile(0.99); p99 > time.Second {
		t.Fatalf("latency p99 %s: the offset was not applied", p99)
	}
}

// TestJoinRefusals: a worker on another machine whose clock is not known
// well enough, an index out of range, an index already taken and another
// protocol version are refused with a message saying why; the worker
// already joined is not disturbed and the run goes on with it.
func TestJoinRefusals(t *testing.T) {
	t.Run("clock uncertainty", func(t *testing.T) {
		c := startCoordinator(t, cluster.Options{Workers: 1, MaxClockUncertainty: time.Nanosecond})
		err := startWorker(t, c, 0, elsewhere).result(t)
		var refused *cluster.RefusedError
		if !errors.As(err, &refused) || !strings.Contains(err.Error(), "worker 0") ||
			!strings.Contains(err.Error(), "clock uncertainty ±") || !strings.Contains(err.Error(), "exceeds the limit ±1ns") {
			t.Fatalf("worker: %v, want a refusal naming it, its uncertainty and the limit", err)
		}
	})
	c := startCoordinator(t, cluster.Options{Workers: 2})
	first := startWorker(t, c, 0, func(o *cluster.WorkerOptions) { o.Host = "first" })
	waitJoined(t, c, 1)
	for _, tt := range []struct {
		name  string
		index int
		want  string
	}{
		{"duplicate", 0, "worker index 0 is already taken by a worker that joined (host first, pid"},
		{"out of range", 2, "worker index 2 out of range: this run has 2 workers, indexes 0..1"},
		{"negative", -1, "worker index -1 out of range"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := startWorker(t, c, tt.index, nil).result(t)
			var refused *cluster.RefusedError
			if !errors.As(err, &refused) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("worker: %v, want a refusal saying %q", err, tt.want)
			}
		})
	}
	t.Run("version", func(t *testing.T) {
		fw := dialFake(t, c)
		fw.send(t, &cluster.Hello{Version: cluster.Version + 1, Index: 1})
		msg := fw.next(t)
		if e, ok := msg.(*cluster.ErrorMessage); !ok || !strings.Contains(e.Message, "protocol version 2 (worker) differs from the coordinator's 1") {
			t.Fatalf("got %#v, want an error naming both versions", msg)
		}
	})
	select {
	case err := <-first.done:
		t.Fatalf("the joined worker ended: %v", err)
	default:
	}
	second := startWorker(t, c, 1, nil)
	awaitWorkers(t, c)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := first.result(t); err != nil {
		t.Fatalf("first worker: %v", err)
	}
	if err := second.result(t); err != nil {
		t.Fatalf("second worker: %v", err)
	}
}

// waitJoined waits until n workers have joined.
func waitJoined(t *testing.T, c *cluster.Coordinator, n int) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for len(c.Joined()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d workers joined, want %d", len(c.Joined()), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestJoinTimeoutNamesMissingWorkers: workers that never join fail the run
// after workers.ready_timeout, named; one whose process exited fails it at
// once.
func TestJoinTimeoutNamesMissingWorkers(t *testing.T) {
	c := startCoordinator(t, cluster.Options{Workers: 3, ReadyTimeout: 300 * time.Millisecond})
	startWorker(t, c, 0, nil)
	c.Lose(2, "worker process exited: exit status 2")
	err := c.AwaitWorkers(context.Background())
	var f *cluster.WorkerFault
	if !errors.As(err, &f) || !strings.Contains(err.Error(), "worker 2 (never joined) joining: worker process exited: exit status 2") {
		t.Fatalf("AwaitWorkers: %v, want the exited worker named", err)
	}

	c = startCoordinator(t, cluster.Options{Workers: 3, ReadyTimeout: 300 * time.Millisecond})
	startWorker(t, c, 0, nil)
	err = c.AwaitWorkers(context.Background())
	if !errors.As(err, &f) || !strings.Contains(err.Error(), "worker 1 (never joined) joining: did not join within 300ms") ||
		!strings.Contains(err.Error(), "worker 2 (never joined)") {
		t.Fatalf("AwaitWorkers: %v, want workers 1 and 2 named", err)
	}
}

// TestInterruptedRunKeepsWhatWasMeasured: a coordinator interrupted in the
// measured window stops its workers and merges what they measured until
// then, marked interrupted, as a single process's interrupted run keeps its.
func TestInterruptedRunKeepsWhatWasMeasured(t *testing.T) {
	_, base := servertest.Start(t, servers.Config{})
	c := startCoordinator(t, cluster.Options{Workers: 2})
	for i := range 2 {
		startWorker(t, c, i, nil)
	}
	awaitWorkers(t, c)
	job := fanoutJob(base, 10)
	job.Workload.Duration = 30e9 // 30s: interrupted long before its end
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once bool
	out, err := c.Run(ctx, job, func(p loadgen.Progress) {
		if p.Phase == loadgen.PhaseMeasuring && p.Received > 0 && !once {
			once = true
			cancel()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	m := out.Merged
	if !m.Interrupted || m.Partial || len(out.Workers) != 2 || m.Counters.Received == 0 || time.Duration(m.Window) >= 30*time.Second {
		t.Fatalf("interrupted %v, partial %v, %d workers, received %d, window %s", m.Interrupted, m.Partial, len(out.Workers), m.Counters.Received, time.Duration(m.Window))
	}
}

// TestCoordinatorMeasuresServer: given the server's process, the
// coordinator reads it once for all its workers over the plan's window and
// records it in the merged result alone, covering every worker; the
// workers' own results carry no server figures, so the server is counted
// once. (The server here runs in this test's process, as the workers do.)
func TestCoordinatorMeasuresServer(t *testing.T) {
	_, base := servertest.Start(t, servers.Config{})
	c := startCoordinator(t, cluster.Options{Workers: 2})
	for i := range 2 {
		startWorker(t, c, i, nil)
	}
	awaitWorkers(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	meter := loadgen.NewServerMeter(loadgen.Config{ServerPID: os.Getpid(), ServerStats: base + "/stats"})
	out, err := c.RunWithServer(ctx, fanoutJob(base, 20), nil, meter)
	if err != nil {
		t.Fatal(err)
	}
	recs := out.Merged.ServerResources
	if len(recs) != 1 {
		t.Fatalf("server records %+v, want one", recs)
	}
	s := recs[0]
	if !slices.Equal(s.Workers, []int{0, 1}) || s.Processes != 1 || s.CPU == nil || s.CPU.Run < s.CPU.Window ||
		s.RSSBefore <= 0 || s.RSSHeld <= 0 || s.Goroutines <= 0 {
		t.Fatalf("server record %+v (CPU %+v): want both workers covered, CPU, memory and goroutines read", s, s.CPU)
	}
	for i, w := range out.Workers {
		if len(w.ServerResources) != 0 || w.Resources[0].ServerCPU != nil || w.Resources[0].ServerRSSHeld != 0 {
			t.Errorf("worker %d's own result has server figures: %+v", i, w.Resources[0])
		}
	}
	tot, _ := out.Merged.ResourceTotals()
	if !tot.ServerCPUOK || tot.ServerReadings != 1 || tot.Held != 20 || tot.Deliveries != 20*50 {
		t.Fatalf("totals %+v: want the server read once, over 20 connections and 1000 deliveries", tot)
	}
}
