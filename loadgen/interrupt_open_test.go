package loadgen_test

import (
	"context"
	"testing"
	"time"

	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/workload"
)

// TestRunInterruptedWhileConnecting: a run interrupted while it opens its
// connections (Ctrl-C, or a coordinator's abort before its plan) ends at
// once with what the connects cost, nothing scheduled: no plan was set, so
// no message was due.
func TestRunInterruptedWhileConnecting(t *testing.T) {
	base := startReference(t, servers.Config{})
	for _, pattern := range []workload.Pattern{workload.Fanout, workload.Echo} {
		t.Run(string(pattern), func(t *testing.T) {
			cfg := smallLoad("ws", wsURL(base)+"/ws", wsURL(base)+"/publish")
			cfg.Workload.Pattern = pattern
			cfg.Workload.Connections, cfg.Workload.Ramp = 200, 20 // 10 s of connecting
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(300*time.Millisecond, cancel)
			type outcome struct {
				res *results.TransportResult
				err error
			}
			done := make(chan outcome, 1)
			go func() {
				res, err := loadgen.Run(ctx, cfg, quiet)
				done <- outcome{res, err}
			}()
			var o outcome
			select {
			case o = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("Run did not end after its interruption while connecting")
			}
			if o.err != nil {
				t.Fatal(o.err)
			}
			if c := o.res.Counters; !o.res.Interrupted || c.Scheduled != 0 || c.Expected != 0 || c.ConnReady == 0 || o.res.Window != 0 {
				t.Fatalf("interrupted %v, window %s, counters %+v: want some connections ready, nothing scheduled, no window",
					o.res.Interrupted, time.Duration(o.res.Window), c)
			}
		})
	}
}
