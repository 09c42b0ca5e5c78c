package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/cluster"
)

// TestCoordinatedRunUsageErrors: the flags of a coordinated run are refused
// with exit 2 and a message naming the flag when they cannot work together,
// and so is what a coordinated run cannot do.
func TestCoordinatedRunUsageErrors(t *testing.T) {
	dir := t.TempDir()
	procsFaults := filepath.Join(dir, "pf.yaml")
	if err := os.WriteFile(procsFaults, []byte("name: pf\ntransports: [ws]\nworkers:\n  procs: 2\nfaults:\n  - {at: 1s, kill: true}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	_ = os.WriteFile(a, []byte("name: a\ntransports: [ws]\nworkers:\n  procs: 2\n"), 0o644)
	_ = os.WriteFile(b, []byte("name: b\ntransports: [ws]\nworkers:\n  procs: 3\n"), 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"procs out of range", []string{"run", "--procs", "65"}, "--procs 65: want 1 to 64"},
		{"workers without listen", []string{"run", "--workers", "2"}, "--workers 2 needs --listen HOST:PORT"},
		{"listen without workers", []string{"run", "--listen", "127.0.0.1:0"}, "--listen applies to --workers N"},
		{"listen everywhere", []string{"run", "--workers", "2", "--listen", ":7000"}, `--listen ":7000": it listens on every interface: workers on other machines could join`},
		{"listen on a remote host", []string{"run", "--workers", "2", "--listen", "10.0.0.1:7000"}, `host "10.0.0.1" is not loopback`},
		{"builtin target for remote workers", []string{"run", "--workers", "2", "--listen", ":7000", "--allow-remote"}, "target builtin starts the server on this machine's loopback, which workers on other machines (--listen :7000) cannot reach"},
		{"procs and workers", []string{"run", "--procs", "2", "--workers", "2", "--listen", "127.0.0.1:0"}, "give one"},
		{"worker label", []string{"run", "--procs", "2", "--worker", "0/2"}, "--worker 0/2 labels one process"},
		{"find-max", []string{"run", "--procs", "2", "--find-max", "on"}, "find_max runs in one process"},
		{"coordinate without workers", []string{"coordinate", "--listen", "127.0.0.1:0"}, "--workers N is required"},
		{"coordinate has no procs", []string{"coordinate", "--procs", "2"}, "unknown flag --procs"},
		{"scenario faults with procs", []string{"run", procsFaults}, "pf.yaml:4:10: workers.procs: a coordinated run (procs 2) cannot inject faults"},
		{"scenarios disagree", []string{"run", a, b}, "a.yaml (procs: 2, allow_partial: false, ready_timeout: 0s, max_clock_uncertainty: 0s) and " + b + " (procs: 3,"},
		{"procs 0", []string{"run", "--procs", "0"}, "--procs 0: want 1 to 64"},
		{"listen port not a number", []string{"run", "--workers", "2", "--listen", "127.0.0.1:notaport"}, `port "notaport": want a number`},
		{"coordinate has no worker label", []string{"coordinate", "--workers", "2", "--listen", "127.0.0.1:0", "--worker", "0/2"}, "unknown flag --worker"},
		{"coordinate has no find-max", []string{"coordinate", "--workers", "2", "--listen", "127.0.0.1:0", "--find-max", "on"}, "unknown flag --find-max"},
		{"worker without coordinator", []string{"worker", "--index", "0"}, "--coordinator HOST:PORT is required"},
		{"worker bad index", []string{"worker", "--coordinator", "127.0.0.1:1", "--index", "-1"}, `--index "-1": want a whole number from 0`},
		{"worker arguments", []string{"worker", "--coordinator", "127.0.0.1:1", "--index", "0", "x.yaml"}, "the coordinator sends the scenario"},
	}
	// Past this machine's descriptor limit (20,000 on the machine CI runs
	// on), counted before any process starts.
	if limit := descriptorLimit(); limit > 0 && limit < 1<<20 {
		over := strconv.FormatUint(limit*3/2, 10)
		tests = append(tests,
			struct {
				name string
				args []string
				want string
			}{"one builtin server past the descriptor limit", []string{"run", "--procs", "3", "--transports", "ws", "--connections", over}, "start more servers (--servers N, target.servers)"},
			struct {
				name string
				args []string
				want string
			}{"one generator past the descriptor limit", []string{"run", "--servers", "2", "--transports", "ws", "--connections", over}, "split them over more processes (--procs N, workers.procs)"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := Main(tt.args, &out, &errOut); code != 2 {
				t.Fatalf("exit %d, want 2; stderr: %s", code, errOut.String())
			}
			if !strings.Contains(errOut.String(), tt.want) {
				t.Fatalf("stderr %q does not mention %q", errOut.String(), tt.want)
			}
		})
	}
	t.Run("worker index from the environment", func(t *testing.T) {
		t.Setenv(jobIndexEnv, "")
		var errOut bytes.Buffer
		if code := Main([]string{"worker", "--coordinator", "127.0.0.1:1"}, &bytes.Buffer{}, &errOut); code != 2 || !strings.Contains(errOut.String(), `$JOB_COMPLETION_INDEX "": want a whole number`) {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
	})
}

// TestWorkerCommandRefusedExits2: pushbench worker reads its index from
// JOB_COMPLETION_INDEX, and a refusal by the coordinator (here the index
// out of range) is printed and exits 2.
func TestWorkerCommandRefusedExits2(t *testing.T) {
	c, err := cluster.Listen(context.Background(), "127.0.0.1:0", cluster.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	t.Setenv(jobIndexEnv, "3")
	var errOut bytes.Buffer
	code := Main([]string{"worker", "--quiet", "--coordinator", c.Addr().String(), "--join-timeout", "10s"}, &bytes.Buffer{}, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), "pushbench worker: worker 3: coordinator: worker index 3 out of range: this run has 2 workers") {
		t.Fatalf("exit %d, stderr %q; want 2 and the refusal", code, errOut.String())
	}
}

// TestWorkerCommandGivesUpJoining: a worker that cannot reach its
// coordinator retries until --join-timeout, then exits 2 naming it.
func TestWorkerCommandGivesUpJoining(t *testing.T) {
	var errOut bytes.Buffer
	start := time.Now()
	code := Main([]string{"worker", "--quiet", "--coordinator", "127.0.0.1:1", "--index", "0", "--join-timeout", "300ms"}, &bytes.Buffer{}, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), "coordinator 127.0.0.1:1 not reachable within 300ms (--join-timeout)") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("gave up after %s", took)
	}
}

// TestWorkerRefusesRemoteTargets: without its own --allow-remote a worker
// refuses a job that would load another machine, whatever the coordinator
// allowed itself.
func TestWorkerRefusesRemoteTargets(t *testing.T) {
	job := cluster.Job{URL: "ws://127.0.0.1:8080/ws", PublishURL: "ws://10.0.0.5:8080/publish"}
	err := checkJobLoopback(job, false)
	if err == nil || !strings.Contains(err.Error(), `ws://10.0.0.5:8080/publish: host "10.0.0.5" is not loopback`) || !strings.Contains(err.Error(), "--allow-remote") {
		t.Fatalf("remote publish URL: %v", err)
	}
	if err := checkJobLoopback(job, true); err != nil {
		t.Fatalf("with --allow-remote: %v", err)
	}
	if err := checkJobLoopback(cluster.Job{URL: "http://localhost:1/sse"}, false); err != nil {
		t.Fatalf("loopback: %v", err)
	}
}

// TestPrefixWriter: children's output is written line by line, each line
// prefixed, a partial line held until it ends or the child exits.
func TestPrefixWriter(t *testing.T) {
	var out bytes.Buffer
	p := &prefixWriter{prefix: "[worker 1] ", w: &out}
	_, _ = p.Write([]byte("one\ntw"))
	_, _ = p.Write([]byte("o\nthr"))
	if got := out.String(); got != "[worker 1] one\n[worker 1] two\n" {
		t.Fatalf("got %q", got)
	}
	p.flush()
	if got := out.String(); !strings.HasSuffix(got, "[worker 1] thr\n") {
		t.Fatalf("after flush %q", got)
	}
}
