package cluster_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushbench/pushbench/cluster"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/workload"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// testTimeout bounds every wait of these tests.
const testTimeout = 60 * time.Second

// startCoordinator listens on loopback; the test's cleanup closes it.
func startCoordinator(t *testing.T, o cluster.Options) *cluster.Coordinator {
	t.Helper()
	if o.Log == nil {
		o.Log = quiet
	}
	c, err := cluster.Listen(context.Background(), "127.0.0.1:0", o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("close coordinator: %v", err)
		}
	})
	return c
}

// elsewhere makes a worker stand for one on another machine: another
// kernel boot id, so its clock offset is measured and applied, and the
// clock limit applies to it.
func elsewhere(o *cluster.WorkerOptions) { o.BootID = "another-machine" }

// worker is a RunWorker running in the background.
type worker struct {
	done   chan error
	cancel context.CancelFunc
}

// startWorker runs worker index against c until it ends; change adjusts its
// options. The test's cleanup stops it and waits.
func startWorker(t *testing.T, c *cluster.Coordinator, index int, change func(*cluster.WorkerOptions)) *worker {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	o := cluster.WorkerOptions{Coordinator: c.Addr().String(), Index: index, JoinTimeout: 10 * time.Second, Log: quiet}
	if change != nil {
		change(&o)
	}
	w := &worker{done: make(chan error, 1), cancel: cancel}
	go func() { w.done <- cluster.RunWorker(ctx, o) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-w.done:
		case <-time.After(testTimeout):
			t.Errorf("worker %d did not stop", index)
		}
	})
	return w
}

// result is what the worker ended with (it must end within testTimeout).
func (w *worker) result(t *testing.T) error {
	t.Helper()
	select {
	case err := <-w.done:
		w.done <- err // cleanup reads it again
		return err
	case <-time.After(testTimeout):
		t.Fatal("worker did not end")
		return nil
	}
}

// awaitWorkers waits for every worker to join, bounded.
func awaitWorkers(t *testing.T, c *cluster.Coordinator) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := c.AwaitWorkers(ctx); err != nil {
		t.Fatal(err)
	}
}

// runJob runs one job, bounded.
func runJob(t *testing.T, c *cluster.Coordinator, job cluster.Job) (*cluster.Outcome, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	return c.Run(ctx, job, nil)
}

// fanoutJob is a small fan-out over ws against base: conns connections, 50
// broadcasts/s for a second after a 200 ms warm-up.
func fanoutJob(base string, conns int) cluster.Job {
	ws := "ws" + strings.TrimPrefix(base, "http")
	return cluster.JobFromConfig("test", loadgen.Config{
		Transport:  "ws",
		URL:        ws + "/ws",
		PublishURL: ws + "/publish",
		Workload: workload.Workload{
			Connections:    conns,
			Ramp:           2000,
			Warmup:         workload.Duration(200 * time.Millisecond).Ptr(),
			Duration:       workload.Duration(time.Second),
			Rate:           50,
			Payload:        32,
			ConnectTimeout: workload.Duration(5 * time.Second),
			Drain:          workload.Duration(3 * time.Second).Ptr(),
		},
	})
}

// cuttableDial dials normally and keeps the connection so a test can cut it
// as if the worker's process died.
type cuttableDial struct {
	mu   sync.Mutex
	conn net.Conn
}

func (d *cuttableDial) dial(ctx context.Context, addr string) (net.Conn, error) {
	var nd net.Dialer
	conn, err := nd.DialContext(ctx, "tcp", addr)
	d.mu.Lock()
	d.conn = conn
	d.mu.Unlock()
	return conn, err
}

func (d *cuttableDial) cut() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn != nil {
		d.conn.Close()
	}
}
