package cluster_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/cluster"
)

// TestRefusedWorkerNamedInTheFinalError: a worker refused for its clock is
// named by that refusal, with its host, pid and address, in the error that
// fails the run for its absence: at the ready timeout (workers started by
// hand), and when its process then exits (run --procs) rather than by the
// exit status. It never reads "never joined".
func TestRefusedWorkerNamedInTheFinalError(t *testing.T) {
	for _, tt := range []struct {
		name        string
		processExit bool
	}{
		{"ready timeout", false},
		{"its process exits", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ready := 500 * time.Millisecond
			if tt.processExit {
				ready = testTimeout // the exit, not the timeout, ends the wait
			}
			c := startCoordinator(t, cluster.Options{Workers: 2, ReadyTimeout: ready, MaxClockUncertainty: time.Nanosecond})
			startWorker(t, c, 0, nil)
			far := startWorker(t, c, 1, func(o *cluster.WorkerOptions) {
				elsewhere(o)
				o.Host, o.PID = "far", 4242
			})
			var refused *cluster.RefusedError
			if err := far.result(t); !errors.As(err, &refused) {
				t.Fatalf("worker 1: %v, want refused", err)
			}
			if tt.processExit {
				c.Lose(1, "worker process 4242 exited: exit status 2")
			}
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			err := c.AwaitWorkers(ctx)
			var f *cluster.WorkerFault
			want := regexp.MustCompile(`worker 1 \(host far, pid 4242, 127\.0\.0\.1:\d+\) refused: clock uncertainty ±\S+ exceeds the limit ±1ns \(workers\.max_clock_uncertainty\)`)
			if !errors.As(err, &f) || !want.MatchString(err.Error()) || strings.Contains(err.Error(), "never joined") || strings.Contains(err.Error(), "exit status") {
				t.Fatalf("AwaitWorkers: %v\nwant worker 1 named by its refusal", err)
			}
		})
	}
}
