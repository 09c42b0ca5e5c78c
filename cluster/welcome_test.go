package cluster_test

import (
	"context"
	"testing"
	"time"

	"github.com/pushbench/pushbench/cluster"
)

// TestWelcomeComesBeforeTheFirstJob: a run that starts the moment the last
// worker joins sends that worker its job only after its welcome; a worker
// reads nothing but a welcome first ("protocol: job message before the
// welcome" was a race between the join and Run). The race is narrow, so
// the join is repeated.
func TestWelcomeComesBeforeTheFirstJob(t *testing.T) {
	rounds := 40
	if testing.Short() {
		rounds = 5
	}
	for range rounds {
		c := startCoordinator(t, cluster.Options{Workers: 1})
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		ran := make(chan struct{})
		go func() {
			defer close(ran)
			if c.AwaitWorkers(ctx) == nil {
				_, _ = c.Run(ctx, fanoutJob("http://127.0.0.1:1", 1), nil)
			}
		}()
		fw := dialFake(t, c)
		fw.send(t, &cluster.Hello{Version: cluster.Version, Index: 0, Host: "fake", PID: 1})
		if m := fw.nextSkippingPings(t); !isWelcome(m) {
			t.Fatalf("first message %T, want the welcome", m)
		}
		if m := fw.nextSkippingPings(t); !isJob(m) {
			t.Fatalf("after the welcome: %T, want the job", m)
		}
		fw.close() // the worker is lost: Run ends
		select {
		case <-ran:
		case <-time.After(testTimeout):
			t.Fatal("Run did not end after its only worker was lost")
		}
		cancel()
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// isWelcome and isJob say what a message is, for a failure to name it.
func isWelcome(m cluster.Message) bool {
	_, ok := m.(*cluster.Welcome)
	return ok
}

func isJob(m cluster.Message) bool {
	_, ok := m.(*cluster.Job)
	return ok
}
