package loadgen_test

import (
	"context"
	"testing"
	"time"

	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
	"github.com/pushbench/pushbench/workload"
)

// TestInterruptedWhileConnectingReturns: a run whose context ends while its
// connections are still opening (Ctrl-C, or a coordinator's abort) returns
// at once with an interrupted result that owes nothing, for every pattern;
// the plan was never set, so nothing was due.
func TestInterruptedWhileConnectingReturns(t *testing.T) {
	_, base := servertest.Start(t, servers.Config{})
	for _, p := range []workload.Pattern{workload.Fanout, workload.Echo, workload.Idle} {
		t.Run(string(p), func(t *testing.T) {
			cfg := smallLoad("ws", endpoint(base, "ws"), wsURL(base)+"/publish")
			cfg.Workload.Pattern = p
			cfg.Workload.Ramp = 20 // 20 connections take a second to open
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(200*time.Millisecond, cancel)
			done := make(chan struct{})
			var res *results.TransportResult
			var err error
			go func() {
				defer close(done)
				r, e := loadgen.Run(ctx, cfg, quiet)
				res, err = (*results.TransportResult)(r), e
			}()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("Run did not return within 30 s of being interrupted while connecting")
			}
			if err != nil {
				t.Fatal(err)
			}
			if !res.Interrupted || res.Counters.Scheduled != 0 || res.Counters.Expected != 0 || res.Counters.Lost != 0 {
				t.Fatalf("interrupted %v, scheduled %d, expected %d, lost %d; want an interrupted result owing nothing",
					res.Interrupted, res.Counters.Scheduled, res.Counters.Expected, res.Counters.Lost)
			}
		})
	}
}
