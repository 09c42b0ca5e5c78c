package cluster_test

import (
	"context"
	"errors"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushbench/pushbench/cluster"
)

// TestWorkerJoinTimeoutLastAttempt: a worker that cannot reach its
// coordinator keeps trying for the whole --join-timeout, the last attempt
// at its end, not one backoff short of it.
func TestWorkerJoinTimeoutLastAttempt(t *testing.T) {
	const joinTimeout = time.Second
	var mu sync.Mutex
	var attempts []time.Duration
	started := time.Now()
	err := cluster.RunWorker(context.Background(), cluster.WorkerOptions{
		Coordinator: "127.0.0.1:1", JoinTimeout: joinTimeout, Log: quiet,
		Dial: func(ctx context.Context, addr string) (net.Conn, error) {
			mu.Lock()
			attempts = append(attempts, time.Since(started))
			mu.Unlock()
			return nil, errors.New("connection refused")
		},
	})
	if err == nil || !strings.Contains(err.Error(), "not reachable within 1s (--join-timeout)") {
		t.Fatalf("RunWorker: %v, want the join timeout named", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if last := attempts[len(attempts)-1]; last < joinTimeout-50*time.Millisecond {
		t.Fatalf("attempts at %v: the last came %s before the join timeout's end", attempts, joinTimeout-last)
	}
}

// TestWorkerBadCoordinatorAddress: an address no retry could reach is
// refused at once, naming it, without a connection attempt.
func TestWorkerBadCoordinatorAddress(t *testing.T) {
	for _, tt := range []struct {
		addr, want string
	}{
		{"127.0.0.1", `coordinator address "127.0.0.1": want HOST:PORT: address 127.0.0.1: missing port in address`},
		{"coordinator:", `coordinator address "coordinator:": port "": want a number from 1 to 65535`},
		{"coordinator:99999", `port "99999": want a number from 1 to 65535`},
		{"coordinator:http", `port "http": want a number`},
		{"http://coordinator:7000", `want HOST:PORT`},
	} {
		t.Run(tt.addr, func(t *testing.T) {
			dialed := false
			err := cluster.RunWorker(context.Background(), cluster.WorkerOptions{
				Coordinator: tt.addr, JoinTimeout: time.Minute, Log: quiet,
				Dial: func(context.Context, string) (net.Conn, error) {
					dialed = true
					return nil, errors.New("dialed")
				},
			})
			if err == nil || !strings.Contains(err.Error(), tt.want) || dialed {
				t.Fatalf("RunWorker: %v (dialed %v), want at once %q", err, dialed, tt.want)
			}
		})
	}
}

// TestLateWorkerWithATakenIndex: once the run started, a worker with an
// index already in the run is told that index is taken (not that the run
// started without it); the members stay.
func TestLateWorkerWithATakenIndex(t *testing.T) {
	c := startCoordinator(t, cluster.Options{Workers: 2})
	startWorker(t, c, 0, nil)
	startWorker(t, c, 1, nil)
	awaitWorkers(t, c)
	err := startWorker(t, c, 1, nil).result(t)
	var refused *cluster.RefusedError
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "worker index 1 is already taken by a worker that joined (host ") ||
		strings.Contains(err.Error(), "started without it") {
		t.Fatalf("late worker: %v, want index 1 named as taken", err)
	}
	if got := c.Joined(); len(got) != 2 {
		t.Fatalf("joined after the refusal: %v", got)
	}
}

// TestJoinLoggedBeforeTheWaitEnds: by the time AwaitWorkers returns, every
// worker's join is logged, so "workers joined" (logged after it) never
// comes before a "worker joined".
func TestJoinLoggedBeforeTheWaitEnds(t *testing.T) {
	var logs logBuffer
	c := startCoordinator(t, cluster.Options{Workers: 3, Log: logs.logger()})
	for i := range 3 {
		startWorker(t, c, i, nil)
	}
	awaitWorkers(t, c)
	if n := strings.Count(logs.String(), `msg="worker joined"`); n != 3 {
		t.Fatalf("%d joins logged when AwaitWorkers returned, want 3:\n%s", n, logs.String())
	}
}

// TestLostWorkerNamedByItsProcessExit: a worker whose connection ends
// because its process died is named by the exit status when the
// coordinator knows its process (run --procs), the connection's end kept.
func TestLostWorkerNamedByItsProcessExit(t *testing.T) {
	c := startCoordinator(t, cluster.Options{Workers: 2, ProcessExit: func(index int, wait time.Duration) string {
		if index == 0 {
			return "worker process 4242 exited: signal: killed"
		}
		return ""
	}})
	f := dialFake(t, c)
	f.join(t, 0)
	f.close()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	err := c.AwaitWorkers(ctx)
	want := regexp.MustCompile(`^worker 0 \(host fake, pid 1, 127\.0\.0\.1:\d+\) waiting for the other workers to join: worker process 4242 exited: signal: killed \(connection lost: closed by the worker\)$`)
	if err == nil || !want.MatchString(err.Error()) {
		t.Fatalf("AwaitWorkers: %v, want worker 0 named by its exit status", err)
	}
}
