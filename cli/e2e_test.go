package cli

// End-to-end tests: they build the pushbench binary and run it as a user would,
// with a builtin reference server in a child process. They take several seconds
// and are skipped by go test -short.

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/results"
)

func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "pushbench")
	out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func runBinary(t *testing.T, bin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), 0
}

func TestE2EBuiltinRunEveryTransport(t *testing.T) {
	bin := buildBinary(t)
	out := t.TempDir()
	stdout, stderr, code := runBinary(t, bin, "run", "--connections", "50", "--rate", "20", "--warmup", "200ms",
		"--duration", "1s", "--name", "e2e", "--out", out, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range append(strings.Fields(clients.JoinNames(" ")), "50/0", "results: ") {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*-e2e"))
	if len(dirs) != 1 {
		t.Fatalf("result dirs %v", dirs)
	}
	run, err := results.ReadRun(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Transports) != len(clients.Names()) {
		t.Fatalf("%d transports in result", len(run.Transports))
	}
	for _, tr := range run.Transports {
		c := tr.Counters
		if c.ConnReady != 50 || c.Expected != 50*20 || c.Received != c.Expected || c.Lost != 0 {
			t.Errorf("%s counters %+v errors %v", tr.Transport, c, tr.Errors)
		}
	}
	if _, err := os.Stat(filepath.Join(dirs[0], "summary.md")); err != nil {
		t.Fatal(err)
	}
	// The saved result re-renders without re-running load.
	rep, _, code := runBinary(t, bin, "report", "--format", "markdown", dirs[0])
	if code != 0 || !strings.Contains(rep, "| sse ") {
		t.Fatalf("report exit %d:\n%s", code, rep)
	}
}

func TestE2EUnreachableTargetFailsClearly(t *testing.T) {
	bin := buildBinary(t)
	_, stderr, code := runBinary(t, bin, "run", "--target", "http://127.0.0.1:1", "--transports", "sse", "--out", "", "--quiet")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, stderr)
	}
	for _, want := range []string{"http://127.0.0.1:1/sse", "tcp", "connection refused"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
}
