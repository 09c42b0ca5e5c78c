package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/report"
	"github.com/pushbench/pushbench/results"
)

// TestPublishSeveralRuns: publish takes several saved runs and extra
// sections, quotes the scenario file each run names, replaces published/
// and refuses a missing section file.
func TestPublishSeveralRuns(t *testing.T) {
	dir := t.TempDir()
	scenario := filepath.Join(dir, "limits.yaml")
	scenarioYAML := "name: limits\ntransports: [ws]\npattern: idle\nconnections: 10\nduration: 1s\n"
	if err := os.WriteFile(scenario, []byte(scenarioYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	var runDirs []string
	for _, name := range []string{"bench", "limits"} {
		h := results.NewHistogram()
		h.Record(5 * time.Millisecond)
		run := &results.Run{Schema: results.SchemaVersion, Name: name, Scenario: json.RawMessage(`{"description":"the ` + name + ` run"}`),
			Command: []string{"pushbench", "run", scenario},
			Transports: []*results.TransportResult{{Transport: "ws", Workload: results.Workload{Pattern: "fanout", Duration: results.Duration(time.Second)},
				Histograms: map[string]*results.Histogram{results.HistLatency: h}}}}
		d := filepath.Join(dir, "runs", name)
		if err := report.WriteRunDir(d, run); err != nil {
			t.Fatal(err)
		}
		runDirs = append(runDirs, d)
	}
	peers := filepath.Join(dir, "peers.md")
	if err := os.WriteFile(peers, []byte("| tool | CPU-s |\n|---|---|\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "results")
	stale := filepath.Join(out, "published", "old.svg")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	args := append([]string{"publish", "-o", out, "--section", "Peer comparison=" + peers}, runDirs...)
	if code := Main(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	page, err := os.ReadFile(filepath.Join(out, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## bench", "## limits", "```yaml\n" + scenarioYAML + "```", "## Peer comparison\n\n| tool | CPU-s |",
		"`pushbench report " + filepath.ToSlash(filepath.Join(out, "published", "limits")) + "`"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
	if strings.Count(string(page), "```yaml") != 1 {
		t.Errorf("the scenario should be quoted once, under the run it names (limits)")
	}
	for _, f := range []string{"published/bench/result.json", "published/limits/latency.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a stale file of an earlier publish survived: %v", err)
	}
	stderr.Reset()
	args = []string{"publish", "-o", out, "--section", "Peers=" + filepath.Join(dir, "missing.md"), runDirs[0]}
	if code := Main(args, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "--section Peers") {
		t.Errorf("missing section file: exit %d, stderr %q; want 1 naming --section Peers", code, stderr.String())
	}
}
