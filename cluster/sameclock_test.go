package cluster_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/cluster"
)

// TestSameMachineSharesTheClock: a worker with the coordinator's boot id
// reads the coordinator's clock: it is welcomed with offset 0 and no
// uncertainty, however tight workers.max_clock_uncertainty is, and logged
// as one clock; a worker with another boot id under the same limit is
// refused for its measured uncertainty.
func TestSameMachineSharesTheClock(t *testing.T) {
	for _, tt := range []struct {
		name   string
		bootID string // "" : this machine's
		joins  bool
	}{
		{"same boot id", "", true},
		{"another boot id", "another-machine", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var coordLog, workerLog logBuffer
			c := startCoordinator(t, cluster.Options{Workers: 1, MaxClockUncertainty: time.Nanosecond, BootID: "this-machine", Log: coordLog.logger()})
			w := startWorker(t, c, 0, func(o *cluster.WorkerOptions) {
				o.BootID = "this-machine"
				if tt.bootID != "" {
					o.BootID = tt.bootID
				}
				o.Log = workerLog.logger()
			})
			if !tt.joins {
				var refused *cluster.RefusedError
				if err := w.result(t); !errors.As(err, &refused) || !strings.Contains(err.Error(), "exceeds the limit ±1ns") {
					t.Fatalf("worker: %v, want refused for its clock", err)
				}
				return
			}
			awaitWorkers(t, c)
			if l := coordLog.String(); !strings.Contains(l, `msg="worker joined" index=0`) || !strings.Contains(l, "clock_offset=0s clock_uncertainty=0s same_clock=true measured_offset=") {
				t.Errorf("coordinator's log:\n%s\nwant the worker joined on one clock, the measured exchange logged", l)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			if err := w.result(t); err != nil {
				t.Fatal(err)
			}
			if l := workerLog.String(); !strings.Contains(l, `clock="one clock (same machine)"`) {
				t.Errorf("worker's log:\n%s\nwant one clock", l)
			}
		})
	}
}
