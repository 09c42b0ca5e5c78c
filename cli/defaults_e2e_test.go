package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

// TestE2EResultRecordsDefaultsAsUsed runs a scenario that sets nothing but its
// name and one transport, so every workload value is a default, and checks
// that result.json states each value the run actually used: a result file
// that says "0s" where a default applied could not reproduce its run.
func TestE2EResultRecordsDefaultsAsUsed(t *testing.T) {
	bin := buildBinary(t)
	sc := writeFile(t, "defaults.yaml", "name: defaults\ntransports: [ws]\n")
	out := t.TempDir()
	stdout, stderr, code := runBinary(t, bin, "run", "--quiet", "--out", out, sc)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*-defaults"))
	if len(dirs) != 1 {
		t.Fatalf("result dirs %v", dirs)
	}
	run, err := results.ReadRun(dirs[0])
	if err != nil {
		t.Fatal(err)
	}

	// The scenario as run: every key present with its default.
	var got map[string]any
	if err := json.Unmarshal(run.Scenario, &got); err != nil {
		t.Fatal(err)
	}
	wantScenario := map[string]any{
		"pattern":         string(workload.DefaultPattern),
		"connections":     float64(workload.DefaultConnections),
		"ramp":            "1000/s",
		"warmup":          workload.DefaultWarmup.String(),
		"duration":        workload.DefaultDuration.String(),
		"rate":            "10/s",
		"payload_bytes":   float64(workload.DefaultPayload),
		"connect_timeout": workload.DefaultConnectTimeout.String(),
		"drain":           workload.DefaultDrain.String(),
	}
	for k, want := range wantScenario {
		if got[k] != want {
			t.Errorf("scenario %s = %v, want %v", k, got[k], want)
		}
	}

	// The transport's workload: the same values, and the URLs and topic used.
	if len(run.Transports) != 1 {
		t.Fatalf("%d transports", len(run.Transports))
	}
	tr := run.Transports[0]
	w := tr.Workload
	want := results.Workload{
		Pattern: "fanout", Connections: workload.DefaultConnections, RampPerSec: 1000,
		Warmup: results.Duration(workload.DefaultWarmup), Duration: results.Duration(workload.DefaultDuration),
		Rate: 10, PayloadBytes: 64, ConnectTimeout: results.Duration(10 * time.Second), Drain: results.Duration(2 * time.Second),
		PublishURL: w.PublishURL, Topic: w.Topic,
	}
	if w != want {
		t.Errorf("workload\n got %+v\nwant %+v", w, want)
	}
	if !strings.HasPrefix(w.PublishURL, "ws://127.0.0.1:") || !strings.HasSuffix(w.PublishURL, "/publish") || !strings.HasPrefix(w.Topic, "pushbench-") {
		t.Errorf("publish URL %q, topic %q", w.PublishURL, w.Topic)
	}
	if !strings.HasPrefix(tr.Target, "ws://127.0.0.1:") || !strings.HasSuffix(tr.Target, "/ws") {
		t.Errorf("target %q", tr.Target)
	}
	// And the counts match the defaults: 1000 connections, 10/s for 10s.
	c := tr.Counters
	if c.ConnAttempted != workload.DefaultConnections || c.Scheduled != 100 {
		t.Errorf("counters %+v", c)
	}
}
