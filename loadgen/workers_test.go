package loadgen_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

// barrier hands every worker the same plan once all have opened their
// connections, as a coordinator does.
type barrier struct {
	mu      sync.Mutex
	waiting int
	opened  []loadgen.Opened
	plan    loadgen.Plan
	ready   chan struct{}
}

func newBarrier(workers int, plan func() loadgen.Plan) (*barrier, []loadgen.PlanSource) {
	b := &barrier{ready: make(chan struct{})}
	sources := make([]loadgen.PlanSource, workers)
	for i := range sources {
		sources[i] = func(ctx context.Context, o loadgen.Opened) (loadgen.Plan, error) {
			b.mu.Lock()
			b.opened = append(b.opened, o)
			b.waiting++
			if b.waiting == workers {
				b.plan = plan()
				close(b.ready)
			}
			b.mu.Unlock()
			select {
			case <-b.ready:
				return b.plan, nil
			case <-ctx.Done():
				return loadgen.Plan{}, ctx.Err()
			}
		}
	}
	return b, sources
}

// TestWorkersShareOnePlanAndOnePublisher runs three workers of one fan-out
// scenario in one process: together they hold exactly the scenario's
// connections, only worker 0 publishes, so the server sees the scenario's
// rate (not three times it), every subscriber receives every message, and
// the merged latency histogram is the one histogram of every worker's
// samples.
func TestWorkersShareOnePlanAndOnePublisher(t *testing.T) {
	for _, transport := range []string{"ws", "sse"} {
		t.Run(transport, func(t *testing.T) {
			srv, base := servertest.Start(t, servers.Config{})
			const workers = 3
			cfg := smallLoad(transport, endpoint(base, transport), wsURL(base)+"/publish")
			cfg.Workload.Connections = 31 // not a multiple of 3: shares of 10, 10, 11
			_, sources := newBarrier(workers, func() loadgen.Plan {
				return loadgen.NewPlan(cfg.Workload, time.Now().Add(100*time.Millisecond))
			})
			parts := make([]*results.TransportResult, workers)
			errs := make([]error, workers)
			var wg sync.WaitGroup
			for i := range workers {
				c := cfg
				c.Worker = results.Worker{Index: i, Count: workers}
				c.AwaitPlan = sources[i]
				c.NoPublish = i != 0
				wg.Add(1)
				go func() {
					defer wg.Done()
					parts[i], errs[i] = loadgen.Run(context.Background(), c, quiet)
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("worker %d: %v", i, err)
				}
			}
			merged, err := results.MergeTransport(parts...)
			if err != nil {
				t.Fatal(err)
			}
			c := merged.Counters
			if c.ConnReady != 31 || c.ConnAttempted != 31 {
				t.Fatalf("merged connections: %d attempted, %d ready; want 31 each", c.ConnAttempted, c.ConnReady)
			}
			for i, p := range parts {
				if want := int64([]int{10, 10, 11}[i]); p.Counters.ConnReady != want {
					t.Errorf("worker %d held %d connections, want %d", i, p.Counters.ConnReady, want)
				}
				if i > 0 && (p.Counters.Sent != 0 || p.Counters.Scheduled != 0) {
					t.Errorf("worker %d published: scheduled %d, sent %d", i, p.Counters.Scheduled, p.Counters.Sent)
				}
			}
			// 50/s for 1 s measured: the one publisher's schedule.
			if c.Scheduled != 50 || c.Sent != 50 {
				t.Fatalf("merged scheduled %d, sent %d; want 50 each (one publisher)", c.Scheduled, c.Sent)
			}
			// The server received the warm-up and measured messages once each.
			if got := srv.Stats().Published; got < 50 || got > 61 {
				t.Fatalf("server received %d publishes, want 50 measured + 10 warm-up (one publisher, not three)", got)
			}
			if c.Expected != 31*50 || c.Received != c.Expected || c.Lost != 0 || c.Duplicated != 0 {
				t.Fatalf("merged expected %d, received %d, lost %d, duplicated %d; want %d received, none lost", c.Expected, c.Received, c.Lost, c.Duplicated, 31*50)
			}
			// Merged exactly: one histogram of every worker's samples.
			all := results.NewHistogram()
			for _, p := range parts {
				all.Merge(p.Histograms[results.HistLatency])
			}
			got := merged.Histograms[results.HistLatency]
			if got.Count() != c.Received || !got.Equal(all) {
				t.Fatalf("merged latency histogram: %d samples, equal to all samples: %v; want %d", got.Count(), got.Equal(all), c.Received)
			}
		})
	}
}
