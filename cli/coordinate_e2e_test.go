package cli

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

// TestE2ECoordinateAndWorkers: pushbench coordinate waits for two pushbench
// worker processes started on their own (one indexed by --index, one by
// JOB_COMPLETION_INDEX, as a Kubernetes Indexed Job does), runs a scenario
// file against the server --target names instead of the file's, and all
// three exit 0.
func TestE2ECoordinateAndWorkers(t *testing.T) {
	bin := buildBinary(t)
	srv, base := servertest.Start(t, servers.Config{})
	dir := t.TempDir()
	scenario := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(scenario, []byte("name: coord\ntransports: [ws]\nconnections: 40\nrate: 20/s\nwarmup: 200ms\nduration: 1s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeLoopbackAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var cout, cerr bytes.Buffer
	coord := exec.CommandContext(ctx, bin, "coordinate", "--workers", "2", "--listen", addr, "--target", base, "--out", dir, scenario)
	coord.Stdout, coord.Stderr = &cout, &cerr
	if err := coord.Start(); err != nil {
		t.Fatal(err)
	}
	var werrs [2]bytes.Buffer
	workers := make([]*exec.Cmd, 2)
	for i := range workers {
		args := []string{"worker", "--coordinator", addr, "--join-timeout", "30s"}
		w := exec.CommandContext(ctx, bin, args...)
		w.Env = append(os.Environ(), jobIndexEnv+"="+[]string{"0", "1"}[i])
		if i == 0 {
			w.Args = append(w.Args, "--index", "0")
			w.Env = withoutEnv(os.Environ(), jobIndexEnv)
		}
		w.Stderr = &werrs[i]
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		workers[i] = w
	}
	if err := coord.Wait(); err != nil {
		t.Fatalf("coordinate: %v\nstdout:\n%s\nstderr:\n%s", err, cout.String(), cerr.String())
	}
	for i, w := range workers {
		if err := w.Wait(); err != nil {
			t.Fatalf("worker %d: %v\n%s", i, err, werrs[i].String())
		}
	}
	if got := srv.Stats().Published; got < 20 || got > 30 {
		t.Fatalf("the --target server received %d publishes, want the scenario's 20 + warm-up from one publisher", got)
	}
	dirs, _ := filepath.Glob(filepath.Join(dir, "*-coord"))
	if len(dirs) != 1 {
		t.Fatalf("result directories %v\n%s", dirs, cout.String())
	}
	run, err := results.ReadRun(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	if c := run.Transports[0].Counters; c.ConnReady != 40 || c.Received != 40*20 || c.Lost != 0 {
		t.Fatalf("merged counters %+v", c)
	}
	if !strings.HasPrefix(strings.Join(run.Command, " "), "pushbench coordinate --workers 2") {
		t.Fatalf("command recorded %v", run.Command)
	}
}

// freeLoopbackAddr is a loopback address with a port free a moment ago.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestE2EWorkerToldTheRunFailed: when pushbench coordinate fails the run
// because another worker never joined, the worker that did join is told
// why: it logs the reason at error level and exits 1, not 0 as if its work
// counted.
func TestE2EWorkerToldTheRunFailed(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	scenario := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(scenario, []byte("name: alone\ntransports: [ws]\nconnections: 4\nduration: 1s\nworkers:\n  ready_timeout: 1s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeLoopbackAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var cerr, werr bytes.Buffer
	coord := exec.CommandContext(ctx, bin, "coordinate", "--workers", "2", "--listen", addr, "--out", dir, scenario)
	coord.Stderr = &cerr
	if err := coord.Start(); err != nil {
		t.Fatal(err)
	}
	worker := exec.CommandContext(ctx, bin, "worker", "--coordinator", addr, "--index", "0", "--join-timeout", "30s")
	worker.Stderr = &werr
	if err := worker.Start(); err != nil {
		t.Fatal(err)
	}
	const why = "worker 1 (never joined) joining: did not join within 1s (workers.ready_timeout)"
	err := coord.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(cerr.String(), "pushbench coordinate: "+why) {
		t.Fatalf("coordinate: %v, want exit 2 naming worker 1\n%s", err, cerr.String())
	}
	err = worker.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 ||
		!strings.Contains(werr.String(), `level=ERROR msg="the coordinator ended the run as failed" reason="`+why) ||
		!strings.Contains(werr.String(), "pushbench worker: worker 0: the coordinator ended the run as failed: "+why) {
		t.Fatalf("worker: %v, want exit 1 with the coordinator's reason\n%s", err, werr.String())
	}
}
