package cli

// End-to-end tests of scenario files, thresholds, merge and compare, running
// the built binary as CI does. Skipped by go test -short.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushbench/pushbench/report"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestE2EBrokenScenarioExits2WithPosition(t *testing.T) {
	bin := buildBinary(t)
	bad := writeFile(t, "broken.yaml", "name: broken\nconnections: 10\nduraton: 5s\n")
	for _, cmd := range []string{"run", "validate"} {
		t.Run(cmd, func(t *testing.T) {
			_, stderr, code := runBinary(t, bin, cmd, bad)
			if code != 2 || !strings.Contains(stderr, bad+`:3:1: unknown field "duraton"`) {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
		})
	}
}

func TestE2EUnmetThresholdExits1NamingIt(t *testing.T) {
	bin := buildBinary(t)
	sc := writeFile(t, "strict.yaml", `name: strict
transports: [ws]
connections: 10
warmup: 200ms
duration: 1s
rate: 20/s
thresholds:
  all:
    lost: "== 0"
    latency.p99: "< 1us"
`)
	stdout, stderr, code := runBinary(t, bin, "run", "--quiet", "--out", t.TempDir(), sc)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"FAIL ws latency.p99 < 1us (actual", sc + ":10:18", "ok   ws lost == 0", "thresholds: 1 passed, 1 failed"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

// TestE2EMergeTwoWorkers runs two uncoordinated workers of a 40-connection
// scenario (each holds its 20) and merges their results exactly.
func TestE2EMergeTwoWorkers(t *testing.T) {
	bin := buildBinary(t)
	_, base := servertest.Start(t, servers.Config{})
	out := t.TempDir()
	var parts []*results.Run
	for _, w := range []string{"0/2", "1/2"} {
		dir := filepath.Join(out, "w"+w[:1])
		_, stderr, code := runBinary(t, bin, "run", "--quiet", "--target", base, "--transports", "ws,sse", "--connections", "40",
			"--warmup", "200ms", "--duration", "1s", "--rate", "20", "--name", "split", "--worker", w, "--out", dir)
		if code != 0 {
			t.Fatalf("worker %s: exit %d: %s", w, code, stderr)
		}
		runs, err := loadSide(dir)
		if err != nil || len(runs) != 1 {
			t.Fatalf("worker %s results: %v", w, err)
		}
		parts = append(parts, runs[0])
	}
	merged := filepath.Join(out, "merged")
	paths, _ := filepath.Glob(filepath.Join(out, "w*", "*"))
	stdout, stderr, code := runBinary(t, bin, append([]string{"merge", "-o", merged}, paths...)...)
	if code != 0 {
		t.Fatalf("merge exit %d: %s %s", code, stdout, stderr)
	}
	m, err := results.ReadRun(merged)
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range m.Transports {
		a, b := parts[0].Transports[i], parts[1].Transports[i]
		if tr.Counters.Received != a.Counters.Received+b.Counters.Received || tr.Counters.ConnReady != 40 || len(tr.Workers) != 2 {
			t.Errorf("%s merged counters %+v", tr.Transport, tr.Counters)
		}
		want := results.NewHistogram()
		want.Merge(a.Hist(results.HistLatency))
		want.Merge(b.Hist(results.HistLatency))
		if !tr.Hist(results.HistLatency).Equal(want) {
			t.Errorf("%s merged latency histogram differs from the exact merge", tr.Transport)
		}
	}
	// Thresholds can be checked on the merged result: 40 ready connections.
	pass := writeFile(t, "pass.yaml", "name: split\nthresholds:\n  all:\n    conn_ready: \"== 40\"\n")
	fail := writeFile(t, "fail.yaml", "name: split\nthresholds:\n  all:\n    conn_ready: \"== 20\"\n")
	if stdout, _, code := runBinary(t, bin, append([]string{"merge", "-o", merged + "2", "--scenario", pass}, paths...)...); code != 0 || !strings.Contains(stdout, "thresholds: 2 passed, 0 failed") {
		t.Fatalf("merge --scenario (pass): exit %d\n%s", code, stdout)
	}
	if stdout, _, code := runBinary(t, bin, append([]string{"merge", "-o", merged + "3", "--scenario", fail}, paths...)...); code != 1 || !strings.Contains(stdout, "FAIL ws conn_ready == 20 (actual 40)") {
		t.Fatalf("merge --scenario (fail): exit %d\n%s", code, stdout)
	}
	// A result from another scenario is refused.
	other := writeFile(t, "other.json", "")
	parts[1].Name = "other"
	if err := report.WriteRunDir(filepath.Dir(other), parts[1]); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = runBinary(t, bin, "merge", "-o", filepath.Join(out, "bad"), paths[0], filepath.Dir(other))
	if code == 0 || !strings.Contains(stderr, "different scenario") {
		t.Fatalf("merging different scenarios: exit %d %s", code, stderr)
	}
}
