package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pushbench/pushbench/report"
	"github.com/pushbench/pushbench/results"
)

// TestE2EFindMax runs a tiny saturation search on ws against the builtin
// server: two raise steps and one bisection of 1 s each, 300 connections.
// It checks the search's shape, not the rate it finds (a shared machine).
func TestE2EFindMax(t *testing.T) {
	bin := buildBinary(t)
	out := t.TempDir()
	stdout, stderr, code := runBinary(t, bin, "run", "--quiet", "--out", out, "--transports", "ws", "--connections", "300",
		"--ramp", "3000", "--warmup", "300ms", "--drain", "500ms",
		"--find-max", "start=600/s,step=2x,max_steps=2,bisect=1,retries=0,step_duration=1s,time_limit=40s")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"find-max ws: step 1 (raise): 600 deliveries/s = 300 connections x 2 broadcasts/s", "find-max ws: step 1: "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(stdout, "find max ws (latency.p99 <= 100ms") {
		t.Errorf("stdout lacks the search section:\n%s", stdout)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*"))
	if len(dirs) != 1 {
		t.Fatalf("run dirs %v", dirs)
	}
	run, err := results.ReadRun(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	fm := run.Transports[0].FindMax
	if fm == nil || len(fm.Steps) < 1 || len(fm.Steps) > 3 {
		t.Fatalf("find_max %+v", fm)
	}
	if fm.Steps[0].Deliveries != 600 || fm.Steps[0].Rate != 2 || fm.Connections != 300 || fm.Metric != "latency.p99" {
		t.Errorf("first step %+v of %+v", fm.Steps[0], fm)
	}
	outcomes := []string{results.StepPass, results.StepFail, results.StepGeneratorLimited, results.StepError}
	for _, st := range fm.Steps {
		if !slices.Contains(outcomes, st.Outcome) {
			t.Errorf("step %d outcome %q", st.N, st.Outcome)
		}
	}
	if fm.MaxDeliveries > 0 && run.Transports[0].Workload.Rate*300 != fm.MaxDeliveries {
		t.Errorf("the result's figures are not the highest passing step's: rate %g, max %g", run.Transports[0].Workload.Rate, fm.MaxDeliveries)
	}
	if _, err := os.Stat(filepath.Join(dirs[0], report.FindMaxSVGFile)); err != nil {
		t.Errorf("no curve: %v", err)
	}
	// pushbench report re-renders the step table from the saved result.
	reported, stderr, code := runBinary(t, bin, "report", dirs[0])
	if code != 0 || !strings.Contains(reported, "find max ws") || !strings.Contains(reported, "deliveries/s") {
		t.Errorf("pushbench report: exit %d, no find-max section:\n%s\n%s", code, reported, stderr)
	}
	// Every step ran against one server: memory per connection is measured
	// from before the first step, so it is that of a held connection, never
	// a few hundred bytes (the later steps' own "before" held earlier steps' memory).
	if v, _, err := results.MetricValue(run.Transports[0], "server_rss_per_conn"); err == nil && v < 2048 {
		t.Errorf("server memory per connection %v bytes: measured from a later step's baseline", v)
	}
}

func TestE2EFindMaxUsageErrors(t *testing.T) {
	bin := buildBinary(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--find-max", "below"}, "--find-max \"below\": want on, or KEY=VALUE"},
		{[]string{"--find-max", "max_steps=99"}, "--find-max max_steps: \"99\""},
		{[]string{"--pattern", "idle", "--find-max", "on"}, "--find-max: applies to patterns fanout and echo"},
		{[]string{"--find-max", "on", "--worker", "0/2"}, "find_max runs in one process"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, stderr, code := runBinary(t, bin, append([]string{"run", "--out", ""}, tt.args...)...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q, want 2 and %q", code, stderr, tt.want)
			}
		})
	}
}
