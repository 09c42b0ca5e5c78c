package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/cluster"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/workload"
)

// workerExit is pushbench worker's exit code and output.
type workerExit struct {
	code           int
	stdout, stderr string
}

// startWorkerMain runs pushbench worker in this process with args; the
// result arrives on the channel (bounded by the caller).
func startWorkerMain(args ...string) <-chan workerExit {
	done := make(chan workerExit, 1)
	go func() {
		var o, e bytes.Buffer
		code := Main(append([]string{"worker"}, args...), &o, &e)
		done <- workerExit{code, o.String(), e.String()}
	}()
	return done
}

func awaitWorkerExit(t *testing.T, done <-chan workerExit) workerExit {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(time.Minute):
		t.Fatal("pushbench worker did not exit")
		return workerExit{}
	}
}

// TestWorkerExitStatus: pushbench worker exits 0 when the coordinator
// completed the run; 1, logging why, when the coordinator ended the run as
// failed; 2 when it refused the coordinator's job (a target off this
// machine without --allow-remote: refused before any traffic, logged at
// error level); 2 at once for an address that is not HOST:PORT.
func TestWorkerExitStatus(t *testing.T) {
	remote := cluster.JobFromConfig("t", loadgen.Config{Transport: "ws", URL: "ws://192.0.2.1:9/ws",
		Workload: workload.Workload{Connections: 1, Rate: 1, Ramp: 1, Duration: workload.Duration(time.Second)}})
	for _, tt := range []struct {
		name    string
		job     *cluster.Job // run before closing
		failure string       // the coordinator closes with it
		code    int
		want    []string
	}{
		{"completed", nil, "", 0, []string{`msg="the coordinator is done: the run completed"`}},
		{"run failed", nil, "worker 1 (never joined) joining: did not join within 8s", 1, []string{
			`level=ERROR msg="the coordinator ended the run as failed" reason="worker 1 (never joined) joining: did not join within 8s"`,
			"pushbench worker: worker 0: the coordinator ended the run as failed: worker 1 (never joined) joining: did not join within 8s\n"}},
		{"job refused", &remote, "ws failed", 2, []string{
			`level=ERROR msg="refused the coordinator's job" transport=ws worker=0/1 err="refused the coordinator's target ws://192.0.2.1:9/ws: host \"192.0.2.1\" is not loopback`,
			"pushbench worker: worker 0: its ws job failed: refused the coordinator's target ws://192.0.2.1:9/ws"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := cluster.Listen(context.Background(), "127.0.0.1:0", cluster.Options{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			done := startWorkerMain("--coordinator", c.Addr().String(), "--index", "0", "--join-timeout", "10s")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := c.AwaitWorkers(ctx); err != nil {
				t.Fatal(err)
			}
			if tt.job != nil {
				if _, err := c.Run(ctx, *tt.job, nil); err == nil || !strings.Contains(err.Error(), "not loopback") {
					t.Fatalf("Run: %v, want the worker's refusal", err)
				}
			}
			if err := c.CloseFailed(tt.failure); err != nil {
				t.Fatal(err)
			}
			r := awaitWorkerExit(t, done)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\nstderr:\n%s", r.code, tt.code, r.stderr)
			}
			for _, want := range tt.want {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
		})
	}
}

// TestWorkerBadCoordinatorAddress: --coordinator without a port is refused
// at once (exit 2), not retried for --join-timeout.
func TestWorkerBadCoordinatorAddress(t *testing.T) {
	started := time.Now()
	r := awaitWorkerExit(t, startWorkerMain("--coordinator", "127.0.0.1", "--index", "0", "--join-timeout", "50s"))
	if r.code != 2 || !strings.Contains(r.stderr, `pushbench worker: --coordinator: coordinator address "127.0.0.1": want HOST:PORT`) {
		t.Fatalf("exit %d, want 2 naming the address\nstderr:\n%s", r.code, r.stderr)
	}
	if took := time.Since(started); took > 20*time.Second {
		t.Fatalf("refused after %s: it was retried", took)
	}
}

// TestWorkerHelpExitStatus: pushbench help worker says what each exit
// status means.
func TestWorkerHelpExitStatus(t *testing.T) {
	var o, e bytes.Buffer
	if code := Main([]string{"help", "worker"}, &o, &e); code != 0 {
		t.Fatalf("exit %d: %s", code, e.String())
	}
	for _, want := range []string{"Exit status:\n  0    the coordinator completed the run", "  1    the coordinator ended the run as failed", "  2    this worker failed"} {
		if !strings.Contains(o.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, o.String())
		}
	}
}
