package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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

// neverReady is a worker's run that opens nothing and never reports ready:
// it waits until the coordinator aborts it.
func neverReady(ctx context.Context, _ loadgen.Config, _ *slog.Logger) (*results.TransportResult, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestWorkerNeverReady: a worker that does not open its connections in
// time fails the run, named with its phase, once workers.ready_timeout
// past the expected ramp has passed; with allow_partial the others' result
// is merged and marked partial, missing it.
func TestWorkerNeverReady(t *testing.T) {
	for _, partial := range []bool{false, true} {
		t.Run(fmt.Sprintf("allow_partial=%v", partial), func(t *testing.T) {
			_, base := servertest.Start(t, servers.Config{})
			c := startCoordinator(t, cluster.Options{Workers: 2, AllowPartial: partial, ReadyTimeout: 300 * time.Millisecond})
			startWorker(t, c, 0, nil)
			stuck := startWorker(t, c, 1, func(o *cluster.WorkerOptions) { o.Run = neverReady })
			awaitWorkers(t, c)
			job := fanoutJob(base, 10)
			job.Workload.ConnectTimeout = 200e6 // 200ms: the wait is ready_timeout + ramp + connect timeout
			out, err := runJob(t, c, job)
			if !partial {
				var f *cluster.WorkerFault
				if !errors.As(err, &f) || f.Index != 1 || !strings.Contains(err.Error(), "worker 1 (host") ||
					!strings.Contains(err.Error(), "opening ws connections: not ready within") {
					t.Fatalf("Run: %v, want worker 1 named as not ready", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := out.Merged
			if !m.Partial || !slices.Equal(m.MissingWorkers, []int{1}) || len(out.Workers) != 1 {
				t.Fatalf("partial %v, missing %v, %d worker results; want partial without worker 1", m.Partial, m.MissingWorkers, len(out.Workers))
			}
			if m.Counters.ConnReady != 5 || m.Counters.Received != 5*50 || m.Counters.Lost != 0 {
				t.Fatalf("merged: %d ready, %d received, %d lost; want worker 0's 5 connections with every message", m.Counters.ConnReady, m.Counters.Received, m.Counters.Lost)
			}
			select {
			case err := <-stuck.done:
				t.Fatalf("the stuck worker ended (%v): an abort is not an error", err)
			default:
			}
		})
	}
}

// TestWorkerLostMidRun: a worker whose connection closes while it measures
// fails the run, named with its host, pid and phase; with allow_partial the
// run goes on and the merged result is partial, missing it.
func TestWorkerLostMidRun(t *testing.T) {
	for _, partial := range []bool{false, true} {
		t.Run(fmt.Sprintf("allow_partial=%v", partial), func(t *testing.T) {
			_, base := servertest.Start(t, servers.Config{})
			c := startCoordinator(t, cluster.Options{Workers: 3, AllowPartial: partial})
			startWorker(t, c, 0, nil)
			startWorker(t, c, 1, nil)
			d := &cuttableDial{}
			dying := startWorker(t, c, 2, func(o *cluster.WorkerOptions) {
				o.Dial = d.dial
				o.Run = func(ctx context.Context, cfg loadgen.Config, log *slog.Logger) (*results.TransportResult, error) {
					await := cfg.AwaitPlan
					cfg.AwaitPlan = func(ctx context.Context, o loadgen.Opened) (loadgen.Plan, error) {
						p, err := await(ctx, o)
						time.AfterFunc(500*time.Millisecond, d.cut) // dies in the measured window
						return p, err
					}
					return loadgen.Run(ctx, cfg, log)
				}
			})
			awaitWorkers(t, c)
			out, err := runJob(t, c, fanoutJob(base, 30))
			if werr := dying.result(t); werr == nil || !strings.Contains(werr.Error(), "lost the coordinator") {
				t.Errorf("cut worker: %v, want it to have lost the coordinator", werr)
			}
			if !partial {
				var f *cluster.WorkerFault
				if !errors.As(err, &f) || f.Index != 2 || f.PID == 0 || !strings.Contains(err.Error(), "running ws: connection lost: closed by the worker") {
					t.Fatalf("Run: %v, want worker 2 named, lost while running ws", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := out.Merged
			if !m.Partial || !slices.Equal(m.MissingWorkers, []int{2}) || len(out.Workers) != 2 {
				t.Fatalf("partial %v, missing %v, %d results; want worker 2 missing", m.Partial, m.MissingWorkers, len(out.Workers))
			}
			if m.Counters.ConnReady != 20 || m.Counters.Sent != 50 || m.Counters.Lost != 0 {
				t.Fatalf("merged: %d ready, %d sent, %d lost; want workers 0 and 1 complete", m.Counters.ConnReady, m.Counters.Sent, m.Counters.Lost)
			}
			// The run goes on without it: the next transport is partial too.
			out, err = runJob(t, c, fanoutJob(base, 30))
			if err != nil || !slices.Equal(out.Merged.MissingWorkers, []int{2}) {
				t.Fatalf("next job: %v, missing %v", err, out.Merged.MissingWorkers)
			}
		})
	}
}

// TestLateAndSecondResultsRefused: a result sent after the coordinator gave
// up on the worker is refused and the worker told so; so is a second result
// for one job. Neither is counted.
func TestLateAndSecondResultsRefused(t *testing.T) {
	_, base := servertest.Start(t, servers.Config{})
	c := startCoordinator(t, cluster.Options{Workers: 3, AllowPartial: true, ResultGrace: 200 * time.Millisecond, AbortGrace: 5 * time.Second})
	startWorker(t, c, 0, nil)
	late, twice := dialFake(t, c), dialFake(t, c)
	late.join(t, 1)
	twice.join(t, 2)
	awaitWorkers(t, c)

	type outcome struct {
		out *cluster.Outcome
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		out, err := c.Run(ctx, fanoutJob(base, 12), nil)
		done <- outcome{out, err}
	}()
	open := func(f *fakeWorker) *cluster.Job {
		job, ok := f.nextSkippingPings(t).(*cluster.Job)
		if !ok {
			t.Fatal("fake worker: no job")
		}
		f.send(t, &cluster.Opened{Job: job.ID})
		return job
	}
	lateJob, twiceJob := open(late), open(twice)
	for _, f := range []*fakeWorker{late, twice} {
		if _, ok := f.nextSkippingPings(t).(*cluster.Plan); !ok {
			t.Fatal("fake worker: no plan")
		}
	}
	res := func(index int) *results.TransportResult {
		return &results.TransportResult{Transport: "ws", Workload: results.Workload{Pattern: "fanout", Rate: 50, PayloadBytes: 32, Duration: results.Duration(time.Second)},
			Workers: []results.Worker{{Index: index, Count: 3}}, Counters: results.Counters{ConnReady: 4, Expected: 200, Received: 200},
			Histograms: map[string]*results.Histogram{}}
	}
	twice.send(t, &cluster.Result{Job: twiceJob.ID, Result: res(2)})
	twice.send(t, &cluster.Result{Job: twiceJob.ID, Result: res(2)})
	if m, ok := twice.nextSkippingPings(t).(*cluster.ErrorMessage); !ok || !strings.Contains(m.Message, "a second ws result refused: a worker is counted once") {
		t.Fatalf("second result: got %#v, want a refusal", m)
	}
	// The late worker is given up on at the deadline and told to abort;
	// its result after that is refused.
	if a, ok := late.nextSkippingPings(t).(*cluster.Abort); !ok || !strings.Contains(a.Reason, "no result by the plan's end") {
		t.Fatalf("late worker: got %#v, want an abort", a)
	}
	late.send(t, &cluster.Result{Job: lateJob.ID, Result: res(1)})
	if m, ok := late.nextSkippingPings(t).(*cluster.ErrorMessage); !ok || !strings.Contains(m.Message, "ws result refused: it arrived after the coordinator gave up on this worker") ||
		!strings.Contains(m.Message, "a late result is not counted") {
		t.Fatalf("late result: got %#v, want a refusal", m)
	}
	var o outcome
	select {
	case o = <-done:
	case <-time.After(testTimeout):
		t.Fatal("Run did not end")
	}
	if o.err != nil {
		t.Fatal(o.err)
	}
	m := o.out.Merged
	if !slices.Equal(m.MissingWorkers, []int{1}) || m.Counters.Received != 4*50+200 {
		t.Fatalf("missing %v, received %d: want worker 1 missing and worker 2's one result counted once", m.MissingWorkers, m.Counters.Received)
	}
}

// TestWorkerRunErrorFailsTheTransport: a worker whose own run fails (here
// its guard refuses the target) fails the transport naming it, as a single
// process's failed run would; the other workers are stopped and stay
// for the next job.
func TestWorkerRunErrorFailsTheTransport(t *testing.T) {
	_, base := servertest.Start(t, servers.Config{})
	c := startCoordinator(t, cluster.Options{Workers: 2})
	startWorker(t, c, 0, nil)
	refuse := true
	startWorker(t, c, 1, func(o *cluster.WorkerOptions) {
		o.CheckJob = func(j cluster.Job) error {
			if refuse {
				return fmt.Errorf("target %s refused: not loopback", j.URL)
			}
			return nil
		}
	})
	awaitWorkers(t, c)
	_, err := runJob(t, c, fanoutJob(base, 10))
	var we *cluster.WorkerError
	if !errors.As(err, &we) || we.Index != 1 || !strings.Contains(err.Error(), "ws: worker 1 (host") || !strings.Contains(err.Error(), "refused: not loopback") {
		t.Fatalf("Run: %v, want worker 1's error", err)
	}
	if got := c.Joined(); !slices.Equal(got, []int{0, 1}) {
		t.Fatalf("joined after a failed transport: %v, want both", got)
	}
}

// TestWorkerLostWhileOpening: with allow_partial, a worker lost before it
// opened its connections is left out and the others run the plan.
func TestWorkerLostWhileOpening(t *testing.T) {
	_, base := servertest.Start(t, servers.Config{})
	c := startCoordinator(t, cluster.Options{Workers: 3, AllowPartial: true})
	startWorker(t, c, 0, nil)
	startWorker(t, c, 2, nil)
	d := &cuttableDial{}
	startWorker(t, c, 1, func(o *cluster.WorkerOptions) {
		o.Dial = d.dial
		o.Run = func(ctx context.Context, _ loadgen.Config, _ *slog.Logger) (*results.TransportResult, error) {
			d.cut()
			<-ctx.Done()
			return nil, ctx.Err()
		}
	})
	awaitWorkers(t, c)
	out, err := runJob(t, c, fanoutJob(base, 30))
	if err != nil {
		t.Fatal(err)
	}
	m := out.Merged
	if !slices.Equal(m.MissingWorkers, []int{1}) || m.Counters.ConnReady != 20 || m.Counters.Sent != 50 || m.Counters.Received != 20*50 {
		t.Fatalf("missing %v, %d ready, %d sent, %d received; want workers 0 and 2 complete", m.MissingWorkers, m.Counters.ConnReady, m.Counters.Sent, m.Counters.Received)
	}
}
