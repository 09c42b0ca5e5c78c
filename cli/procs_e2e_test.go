package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
)

// TestE2ERunProcs: pushbench run --procs 3 splits the connections over three
// worker processes with one publisher and writes one run directory: the
// merged result, and each worker's own in workers/worker-N.json, which
// merge back into the same result.
func TestE2ERunProcs(t *testing.T) {
	bin := buildBinary(t)
	out := t.TempDir()
	stdout, stderr, code := runBinary(t, bin, "run", "--procs", "3", "--transports", "ws,sse", "--connections", "60", "--rate", "20",
		"--warmup", "200ms", "--duration", "1s", "--name", "procs", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"[worker 0] ", "[worker 2] ", `role=publishes`, `role="receives only"`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(stdout, "ws: 3 workers; one clock (same machine): no clock offset applied") {
		t.Errorf("stdout lacks the workers' clock line:\n%s", stdout)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*-procs"))
	if len(dirs) != 1 {
		t.Fatalf("result directories %v, want one", dirs)
	}
	run, err := results.ReadRun(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	var parts []*results.Run
	for i := range 3 {
		p, err := results.ReadRun(filepath.Join(dirs[0], workersDir, "worker-"+strconv.Itoa(i)+".json"))
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p)
	}
	remerged, err := results.MergeRuns(parts...)
	if err != nil {
		t.Fatal(err)
	}
	for k, tr := range run.Transports {
		c := tr.Counters
		if c.ConnReady != 60 || c.Sent != 20 || c.Received != 60*20 || c.Lost != 0 || tr.Partial {
			t.Errorf("%s: %d ready, %d sent, %d received, %d lost, partial %v; want 60, 20 (one publisher), 1200, 0",
				tr.Transport, c.ConnReady, c.Sent, c.Received, c.Lost, tr.Partial)
		}
		if len(tr.Workers) != 3 || tr.Workers[2].PID == 0 || tr.Workers[2].Host == "" {
			t.Errorf("%s: workers %+v", tr.Transport, tr.Workers)
		}
		for _, w := range tr.Workers { // on this machine: the coordinator's clock
			if !w.SameClock || w.ClockOffset != 0 || w.ClockUncertainty != 0 {
				t.Errorf("%s: worker %+v, want one clock, offset 0", tr.Transport, w)
			}
		}
		if rt := remerged.Transports[k]; rt.Counters != c || !rt.Hist(results.HistLatency).Equal(tr.Hist(results.HistLatency)) {
			t.Errorf("%s: the worker files merge to %+v, result.json says %+v", tr.Transport, rt.Counters, c)
		}
	}
	// A worker's own file says it is one worker's share, in the text
	// report and the CSV; the merged result holds all three.
	worker1 := filepath.Join(dirs[0], workersDir, "worker-1.json")
	stdout, stderr, code = runBinary(t, bin, "report", worker1)
	for _, want := range []string{"fanout, worker 1 of 3: its share (20) of the 60 connections per transport",
		"ws: worker 1 of 3 only, not the whole run: its share (20) of the 60 connections, and another worker published"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("report %s: exit %d, stdout lacks %q:\n%s%s", worker1, code, want, stdout, stderr)
		}
	}
	for _, c := range []struct{ path, row string }{{worker1, ",1,3,false,0 2\n"}, {dirs[0], ",3,3,false,\n"}} {
		stdout, stderr, code = runBinary(t, bin, "report", "--format", "csv", c.path)
		if code != 0 || !strings.Contains(stdout, "workers,worker_count,partial,missing_workers\n") || strings.Count(stdout, c.row) != 2 {
			t.Errorf("report --format csv %s: exit %d, want two rows ending %q:\n%s%s", c.path, code, c.row, stdout, stderr)
		}
	}
}

// TestE2ERunProcsServerResources: in a coordinated run against two builtin
// servers the coordinator reads the servers (no worker can: each holds half
// the connections), records them once in result.json, and the table shows
// the server's CPU per delivery over both workers' deliveries; pushbench
// report, re-reading result.json, shows the same.
func TestE2ERunProcsServerResources(t *testing.T) {
	bin := buildBinary(t)
	out := t.TempDir()
	stdout, stderr, code := runBinary(t, bin, "run", "--procs", "2", "--servers", "2", "--transports", "ws", "--connections", "200",
		"--rate", "20", "--warmup", "300ms", "--duration", "2s", "--name", "srvres", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*-srvres"))
	if len(dirs) != 1 {
		t.Fatalf("result directories %v, want one", dirs)
	}
	run, err := results.ReadRun(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	tr := run.Transports[0]
	if len(tr.ServerResources) != 1 {
		t.Fatalf("server records %+v, want one, from the coordinator", tr.ServerResources)
	}
	srv := tr.ServerResources[0]
	if srv.Processes != 2 || len(srv.Workers) != 2 || srv.CPU == nil || srv.CPU.Window <= 0 || srv.CPU.Run < srv.CPU.Window || srv.RSSHeld <= 0 {
		t.Fatalf("server record %+v (CPU %+v): want two processes read for both workers, CPU in the window", srv, srv.CPU)
	}
	for _, w := range tr.Resources {
		if w.ServerCPU != nil || w.ServerRSSHeld != 0 {
			t.Errorf("worker %d recorded server figures %+v: the server would count twice", w.Worker, w)
		}
	}
	if cell := tableCell(t, stdout, "ws", "cpu µs/msg"); strings.HasPrefix(cell, "—") || !strings.Contains(cell, "/") {
		t.Errorf("cpu µs/msg of ws = %q, want a server figure\n%s", cell, stdout)
	}
	rep, stderr, code := runBinary(t, bin, "report", dirs[0])
	if code != 0 || !regexp.MustCompile(`ws: resources: held 200 connections; \d+ deliveries in the window; server [^;]*CPU [^;]*µs CPU per delivery`).MatchString(rep) {
		t.Errorf("pushbench report: exit %d, no server resources line\nstdout:\n%s\nstderr:\n%s", code, rep, stderr)
	}
}

// tableCell is the cell of a text table's row (by its first cell) under
// column.
func tableCell(t *testing.T, table, row, column string) string {
	t.Helper()
	col := -1
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, "│")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if col < 0 {
			col = slices.Index(cells, column)
			continue
		}
		if len(cells) > col && len(cells) > 1 && strings.TrimSpace(strings.TrimSuffix(cells[1], "*")) == row {
			return cells[col]
		}
	}
	t.Fatalf("no %q row under a %q column in:\n%s", row, column, table)
	return ""
}

// TestE2ERunProcsWorkerKilled: a worker process killed (SIGKILL) in the
// measured window fails the run with exit 2, naming the worker, the phase
// and its process's exit, at once rather than at the end of the plan, and
// the other workers exit 1 saying why; with workers.allow_partial the run
// completes with a partial result missing that worker, unless the worker
// killed is the publisher (worker 0): without it the plan cannot be
// carried out, and the run fails naming it. Local workers share the
// coordinator's clock, so max_clock_uncertainty: 1us refuses none.
func TestE2ERunProcsWorkerKilled(t *testing.T) {
	bin := buildBinary(t)
	for _, tt := range []struct {
		victim  int
		partial bool
	}{
		{1, false},
		{1, true},
		{0, true},
	} {
		t.Run(fmt.Sprintf("worker %d, allow_partial=%v", tt.victim, tt.partial), func(t *testing.T) {
			dir := t.TempDir()
			scenario := filepath.Join(dir, "kill.yaml")
			// A run that must fail plans a minute: it must fail long
			// before that, not wait for the others to finish.
			fails := !tt.partial || tt.victim == 0
			duration := "4s"
			if fails {
				duration = "60s"
			}
			yaml := "name: kill\ntransports: [ws]\nconnections: 60\nrate: 20/s\nwarmup: 200ms\nduration: " + duration +
				"\nworkers:\n  procs: 3\n  max_clock_uncertainty: 1us\n  allow_partial: " + strconv.FormatBool(tt.partial) + "\n"
			if err := os.WriteFile(scenario, []byte(yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			started := time.Now()
			stdout, stderr, code := runKillingWorker(t, bin, tt.victim, "run", "--out", dir, scenario)
			if fails {
				if took := time.Since(started); took > 40*time.Second {
					t.Errorf("the run took %s: it waited for the 60 s plan instead of failing when the worker was lost", took.Round(time.Second))
				}
				role := " "
				if tt.victim == 0 {
					role = ", the publisher, "
				}
				want := regexp.MustCompile(fmt.Sprintf(`pushbench run: worker %d \(host [^,]+, pid (\d+), 127\.0\.0\.1:\d+\)%srunning ws: worker process (\d+) exited: signal: killed`,
					tt.victim, regexp.QuoteMeta(role)))
				m := want.FindStringSubmatch(stderr)
				if code != 2 || m == nil || m[1] != m[2] {
					t.Fatalf("exit %d, want 2 naming worker %d, its phase and its process's exit\nstdout:\n%s\nstderr:\n%s", code, tt.victim, stdout, stderr)
				}
				if tt.victim == 0 && !strings.Contains(stderr, "the plan cannot be carried out without it") {
					t.Errorf("stderr does not say the run cannot go on without its publisher:\n%s", stderr)
				}
				if n := strings.Count(stderr, `level=ERROR msg="the coordinator ended the run as failed"`); n != 2 {
					t.Errorf("%d workers logged the run's failure, want the 2 left\n%s", n, stderr)
				}
				return
			}
			if code != 0 || !strings.Contains(stdout, "ws: PARTIAL result: worker(s) [1] of 3 missing") {
				t.Fatalf("exit %d, want 0 and a partial result\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			dirs, _ := filepath.Glob(filepath.Join(dir, "*-kill"))
			if len(dirs) != 1 {
				t.Fatalf("result directories %v", dirs)
			}
			run, err := results.ReadRun(dirs[0])
			if err != nil {
				t.Fatal(err)
			}
			tr := run.Transports[0]
			if !tr.Partial || len(tr.MissingWorkers) != 1 || tr.MissingWorkers[0] != 1 || tr.Counters.ConnReady != 40 {
				t.Fatalf("partial %v, missing %v, %d ready; want worker 1's 20 connections missing", tr.Partial, tr.MissingWorkers, tr.Counters.ConnReady)
			}
			if c := tr.Counters; c.Sent != 80 || c.Expected != 40*80 || c.Lost != 0 {
				t.Fatalf("sent %d, expected %d, lost %d; want the publisher's 80 sent to the 40 connections left, none lost", c.Sent, c.Expected, c.Lost)
			}
			if _, err := os.Stat(filepath.Join(dirs[0], workersDir, "worker-1.json")); !os.IsNotExist(err) {
				t.Fatalf("worker-1.json of the killed worker: %v", err)
			}
		})
	}
}

// runKillingWorker runs pushbench with args and SIGKILLs local worker
// victim a second into the plan (its pid from the coordinator's log).
func runKillingWorker(t *testing.T, bin string, victim int, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var o, e bytes.Buffer
	cmd.Stdout = &o
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pids := regexp.MustCompile(`msg="local workers started".* pids="?\[([0-9 ]+)\]`)
	var pid int
	scanner := bufio.NewScanner(pipe)
	for scanner.Scan() {
		line := scanner.Text()
		e.WriteString(line + "\n")
		if m := pids.FindStringSubmatch(line); m != nil {
			fields := strings.Fields(m[1])
			pid, _ = strconv.Atoi(fields[victim])
		}
		if strings.Contains(line, `msg="plan sent"`) && pid > 0 {
			time.Sleep(time.Second)
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Fatalf("kill worker %d (pid %d): %v", victim, pid, err)
			}
			pid = 0
		}
	}
	_, _ = io.Copy(&e, pipe)
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), 0
}
