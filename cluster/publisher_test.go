package cluster_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/cluster"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
	"github.com/pushbench/pushbench/workload"
)

// dyingRun is a worker's run that loses its coordinator (its connection
// cut by d, as if its process died): while opening, or 300 ms into the
// plan.
func dyingRun(d *cuttableDial, whileOpening bool) func(context.Context, loadgen.Config, *slog.Logger) (*results.TransportResult, error) {
	return func(ctx context.Context, cfg loadgen.Config, log *slog.Logger) (*results.TransportResult, error) {
		if whileOpening {
			d.cut()
			<-ctx.Done()
			return nil, ctx.Err()
		}
		await := cfg.AwaitPlan
		cfg.AwaitPlan = func(ctx context.Context, o loadgen.Opened) (loadgen.Plan, error) {
			p, err := await(ctx, o)
			time.AfterFunc(300*time.Millisecond, d.cut)
			return p, err
		}
		return loadgen.Run(ctx, cfg, log)
	}
}

// TestPublisherLostFailsEvenPartialRun: with allow_partial, losing the
// worker that publishes a fan-out fails the run, named as the publisher,
// at once: going on would count every message it never sent as lost and
// blame the server. Losing worker 0 of a pattern without a publisher (idle)
// still gives a partial result.
func TestPublisherLostFailsEvenPartialRun(t *testing.T) {
	_, base := servertest.Start(t, servers.Config{})
	long := fanoutJob(base, 30)
	long.Workload.Duration = workload.Duration(40 * time.Second) // the run must not wait for its end
	for _, tt := range []struct {
		name         string
		job          cluster.Job
		whileOpening bool
		phase        string // "" : no failure, a partial result
	}{
		{"fanout, running", long, false, "running ws"},
		{"fanout, opening", long, true, "opening ws connections"},
		{"idle, running", patternJob(workload.Idle, clients.WS, wsEndpoint(base), "", 30, 1), false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := startCoordinator(t, cluster.Options{Workers: 3, AllowPartial: true})
			d := &cuttableDial{}
			startWorker(t, c, 0, func(o *cluster.WorkerOptions) {
				o.Dial = d.dial
				o.Run = dyingRun(d, tt.whileOpening)
			})
			startWorker(t, c, 1, nil)
			startWorker(t, c, 2, nil)
			awaitWorkers(t, c)
			started := time.Now()
			out, err := runJob(t, c, tt.job)
			if tt.phase == "" {
				if err != nil {
					t.Fatal(err)
				}
				if m := out.Merged; !m.Partial || !slices.Equal(m.MissingWorkers, []int{0}) || m.Counters.ConnReady != 20 {
					t.Fatalf("partial %v, missing %v, %d ready; want worker 0's share missing", m.Partial, m.MissingWorkers, m.Counters.ConnReady)
				}
				return
			}
			var f *cluster.WorkerFault
			if !errors.As(err, &f) || f.Index != 0 || !f.Publisher {
				t.Fatalf("Run: %v, want worker 0 named as the publisher", err)
			}
			for _, want := range []string{"worker 0 (host ", ", the publisher, " + tt.phase + ": connection lost",
				"the plan cannot be carried out without it (workers.allow_partial goes on only without workers that receive)"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Run: %v\nwant %q", err, want)
				}
			}
			if took := time.Since(started); took > 30*time.Second {
				t.Errorf("Run took %s: it waited for the 40 s plan instead of failing when the publisher was lost", took.Round(time.Second))
			}
		})
	}
}
