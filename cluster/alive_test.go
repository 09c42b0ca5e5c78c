package cluster_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/cluster"
)

// TestWorkerGivesUpOnASilentCoordinator: a coordinator that is alive to TCP
// but sends nothing (hung, stopped) does not keep a joined worker waiting
// for ever: after its AliveTimeout without a message the worker ends,
// saying why.
func TestWorkerGivesUpOnASilentCoordinator(t *testing.T) {
	c := startCoordinator(t, cluster.Options{Workers: 1, AliveInterval: time.Hour})
	w := startWorker(t, c, 0, func(o *cluster.WorkerOptions) { o.AliveTimeout = 300 * time.Millisecond })
	awaitWorkers(t, c)
	err := w.result(t)
	if err == nil || !strings.Contains(err.Error(), "nothing from the coordinator for 300ms") {
		t.Fatalf("worker ended with %v, want it to give up on the silent coordinator", err)
	}
}

// TestKeepaliveHoldsAnIdleWorker: between jobs the coordinator may send
// nothing for long (starting builtin servers, a long transport on the
// other workers); its keepalives keep a worker with a short AliveTimeout
// joined, and Close still ends it cleanly.
func TestKeepaliveHoldsAnIdleWorker(t *testing.T) {
	c := startCoordinator(t, cluster.Options{Workers: 1, AliveInterval: 50 * time.Millisecond})
	w := startWorker(t, c, 0, func(o *cluster.WorkerOptions) { o.AliveTimeout = 400 * time.Millisecond })
	awaitWorkers(t, c)
	select {
	case err := <-w.done:
		t.Fatalf("an idle worker ended while the coordinator kept it alive: %v", err)
	case <-time.After(1500 * time.Millisecond): // nearly four alive timeouts
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.result(t); err != nil {
		t.Fatalf("worker ended with %v after the coordinator's Done, want nil", err)
	}
}
