package cli

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
)

// TestE2ECtrlCKeepsThePartialResult interrupts a two-transport run in the
// middle of the first transport's measured window, as Ctrl-C does: the run
// exits 130, prints and saves what the first transport measured (marked
// interrupted, rates over the window that ran, messages not yet due not
// counted lost) and skips the second.
func TestE2ECtrlCKeepsThePartialResult(t *testing.T) {
	bin := buildBinary(t)
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", "--quiet", "--transports", "ws,sse", "--connections", "20", "--rate", "20",
		"--warmup", "200ms", "--duration", "20s", "--name", "ctrlc", "--out", out)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second) // the builtin server is up and ws is measuring
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 130 {
		t.Fatalf("exit %v, want 130\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "interrupted after") || !strings.Contains(stderr.String(), "skipped [sse]") {
		t.Fatalf("output does not say what was interrupted and skipped\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*-ctrlc"))
	if len(dirs) != 1 {
		t.Fatalf("result dirs %v", dirs)
	}
	run, err := results.ReadRun(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	if !run.Interrupted || len(run.Transports) != 1 || run.Transports[0].Transport != "ws" {
		t.Fatalf("run interrupted=%v with %d transports", run.Interrupted, len(run.Transports))
	}
	tr := run.Transports[0]
	c := tr.Counters
	window := time.Duration(tr.Window)
	if !tr.Interrupted || window <= 0 || window >= 20*time.Second {
		t.Fatalf("transport interrupted=%v window %s", tr.Interrupted, window)
	}
	// Only messages due before the interrupt are owed: about 20/s over the
	// window that ran, far fewer than the 400 the full window would owe.
	if c.Scheduled == 0 || c.Scheduled >= 400 || c.Expected != c.Scheduled*c.ConnReady {
		t.Fatalf("counters %+v for a %s window", c, window)
	}
	// A message due just before the interrupt may still have been in flight:
	// at most one per connection is lost.
	if c.Lost > c.ConnReady || c.Received+c.Lost != c.Expected {
		t.Fatalf("lost %d of %d: messages not yet due were counted", c.Lost, c.Expected)
	}
}
