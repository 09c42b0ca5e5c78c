package k8s

// The Jobs' command lines, run as local processes: what the manifests make
// Kubernetes run, minus the cluster. The container args and env are read from
// the manifests and expanded as the kubelet expands them; only addresses and
// paths that exist in a pod and not on this machine are replaced, each one
// named below. The image's entrypoint (/pushbench) is the binary built here.

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/scenarios"
	"github.com/pushbench/pushbench/target"
)

// runTimeout bounds the whole run: the scenario's ramp, 1 s warm-up, 5 s
// measured and 5 s drain take about 12 s; the rest is margin for a loaded
// machine.
const runTimeout = 2 * time.Minute

func TestJobCommandLinesRunLocally(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the coordinator and workers as processes (about 20 s with the build); skipped with -short")
	}
	m := loadManifests(t, ".")
	k := loadKustomization(t, ".")
	if ep := imageEntrypoint(t); len(ep) != 1 {
		t.Fatalf("image ENTRYPOINT %q: want the binary alone", ep)
	}
	bin := buildPushbench(t)
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()

	// The server under test: pushbench serve on a free loopback port, where
	// the cluster has the server TARGET_URL names.
	var serverLog syncBuffer
	server, err := target.Builtin(ctx, target.BuiltinOptions{Executable: bin, Stderr: &serverLog})
	if err != nil {
		t.Fatalf("pushbench serve: %v", err)
	}
	t.Cleanup(func() {
		stopCtx, stop := context.WithTimeout(context.Background(), 15*time.Second)
		defer stop()
		if err := server.Stop(stopCtx); err != nil {
			t.Errorf("pushbench serve: %v\n%s", err, serverLog.String())
		}
	})

	port := freeLoopbackPort(t)
	out := t.TempDir()
	scenarioFile, err := filepath.Abs(scenarioSource(t, m, k))
	if err != nil {
		t.Fatal(err)
	}

	coord := container(t, m.coordinator, coordinatorName)
	coordEnv, err := containerEnv(k, coord)
	if err != nil {
		t.Fatal(err)
	}
	// Override: TARGET_URL (the pushbench-settings ConfigMap's placeholder
	// service) -> the local server.
	coordEnv["TARGET_URL"] = server.URLs().Base
	coordArgs := commandLine{args: expandArgs(args(t, coord).args, coordEnv)}
	if got, _ := coordArgs.value("--target"); got != server.URLs().Base {
		t.Fatalf("coordinator --target after $(VAR) expansion: %q, want the TARGET_URL env %q", got, server.URLs().Base)
	}
	// Override: --listen :7000 (every interface of the pod) -> 127.0.0.1 on
	// a free port: loopback only, and 7000 may be taken here.
	coordArgs = coordArgs.withValue(t, "--listen", "127.0.0.1:"+port)
	// Override: --out /results (the pod's emptyDir) -> a temporary directory.
	coordArgs = coordArgs.withValue(t, "--out", out)
	// Override: /scenario/scenario.yaml (the ConfigMap volume) -> the file
	// the ConfigMap is generated from.
	_, at := scenarioArg(t, coordArgs)
	coordArgs.args[at] = scenarioFile

	w := container(t, m.worker, workerName)
	workerEnv, err := containerEnv(k, w)
	if err != nil {
		t.Fatal(err)
	}
	// Override: COORDINATOR pushbench-coordinator:7000 (the headless
	// Service) -> the coordinator's loopback address.
	workerEnv["COORDINATOR"] = "127.0.0.1:" + port
	workerArgs := expandArgs(args(t, w).args, workerEnv)
	if got, _ := (commandLine{args: workerArgs}).value("--coordinator"); got != workerEnv["COORDINATOR"] {
		t.Fatalf("worker --coordinator after $(VAR) expansion: %q, want the COORDINATOR env %q", got, workerEnv["COORDINATOR"])
	}

	// Kubernetes starts the pods in any order; here the coordinator goes
	// first and the workers once it listens, so the test does not depend on
	// how long a worker keeps redialling.
	coordinator := startProcess(ctx, t, "coordinator", bin, coordArgs.args, envList(coordEnv))
	waitListening(ctx, t, port, coordinator)
	n := int(*m.worker.Spec.Completions)
	var workers []*process
	for i := range n {
		// JOB_COMPLETION_INDEX is what Kubernetes sets in pod i of an
		// Indexed Job; nothing else is added to the container's env.
		env := envList(workerEnv, indexEnv+"="+strconv.Itoa(i))
		workers = append(workers, startProcess(ctx, t, fmt.Sprintf("worker %d", i), bin, workerArgs, env))
	}

	all := append([]*process{coordinator}, workers...)
	for _, p := range all {
		code, err := p.wait(ctx)
		if err != nil || code != 0 {
			t.Fatalf("%s: exit %d, %v; want 0\n%s", p.name, code, err, allReports(all))
		}
	}
	t.Logf("coordinator's table:\n%s", coordinator.stdout.String())
	checkMergedResult(t, out, scenarioFile, n, allReports(all))
}

// allReports is every process's output.
func allReports(ps []*process) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.report())
	}
	return b.String()
}

// checkMergedResult checks the one run directory under out: every transport
// of the scenario merged from n workers, all its connections ready, one
// publisher's schedule.
func checkMergedResult(t *testing.T, out, scenarioFile string, n int, outputs string) {
	t.Helper()
	found, err := filepath.Glob(filepath.Join(out, "*", results.ResultFile))
	if err != nil || len(found) != 1 {
		t.Fatalf("run directories with %s under --out: %q, want exactly one\n%s", results.ResultFile, found, outputs)
	}
	run, err := results.ReadRun(found[0])
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scenarios.Load(scenarioFile)
	if err != nil {
		t.Fatal(err)
	}
	full := sc.WithDefaults()
	for _, name := range full.Transports {
		i := slices.IndexFunc(run.Transports, func(tr *results.TransportResult) bool { return tr.Transport == string(name) })
		if i < 0 {
			t.Errorf("%s: no %s result", found[0], name)
			continue
		}
		tr := run.Transports[i]
		if c := tr.Counters; c.ConnReady != int64(full.Connections) || c.ConnFailed != 0 {
			t.Errorf("%s: %d connections ready, %d failed; want all %d of the scenario ready", name, c.ConnReady, c.ConnFailed, full.Connections)
		}
		var indexes []int
		for _, w := range tr.Workers {
			indexes = append(indexes, w.Index)
			if w.Count != n {
				t.Errorf("%s: worker %d of %d, want of %d", name, w.Index, w.Count, n)
			}
		}
		slices.Sort(indexes)
		if want := seq(n); !slices.Equal(indexes, want) {
			t.Errorf("%s: merged workers %v, want %v (one per JOB_COMPLETION_INDEX)", name, indexes, want)
		}
		// One publisher at the scenario's rate: n workers each publishing
		// would schedule n times as many.
		perSchedule := float64(full.Rate) * time.Duration(full.Duration).Seconds()
		if s := float64(tr.Counters.Scheduled); s <= 0 || s >= 2*perSchedule {
			t.Errorf("%s: %d messages scheduled, want about %.0f (rate x duration, one publisher)", name, tr.Counters.Scheduled, perSchedule)
		}
		if tr.Counters.Received == 0 {
			t.Errorf("%s: nothing received", name)
		}
	}
}

// seq is 0, 1, ..., n-1.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
