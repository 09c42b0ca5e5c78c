package cli

import (
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
)

// TestE2EFaultsOnTheTimeline runs every kind of fault against the builtin
// server on ws and checks each is recorded as an event that ran, shows in the
// report, and that the stall shows in the latency tail.
func TestE2EFaultsOnTheTimeline(t *testing.T) {
	bin := buildBinary(t)
	sc := writeFile(t, "faults.yaml", `name: faults-e2e
transports: [ws]
connections: 20
warmup: 500ms
duration: 4s
rate: 20/s
drain: 1s
faults:
  - {at: 500ms, stall: 500ms}
  - {at: 1500ms, delay: 100ms, for: 500ms}
  - {at: 2200ms, drop: 50%}
  - {at: 3s, kill: true}
  - {at: 3300ms, restart: true}
`)
	out := t.TempDir()
	stdout, stderr, code := runBinary(t, bin, "run", "--quiet", "--out", out, sc)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	// A fault that began late on a busy machine says so between its time
	// and "done in": "at 3.3s (started 28ms late): done in".
	for _, want := range []string{`ws: fault stall 500ms at 500ms( \(started [^)]* late\))?: done in`, `ws: fault delay 100ms for 500ms at 1.5s( \(started [^)]* late\))?: done in`,
		`ws: fault drop 50% at 2.2s( \(started [^)]* late\))?: done in`, `ws: fault kill at 3s( \(started [^)]* late\))?: done in`, `ws: fault restart at 3.3s( \(started [^)]* late\))?: done in`} {
		if !regexp.MustCompile(want).MatchString(stdout) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*-faults-e2e"))
	if len(dirs) != 1 {
		t.Fatalf("result dirs %v", dirs)
	}
	run, err := results.ReadRun(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	tr := run.Transports[0]
	names := []string{"stall 500ms", "delay 100ms for 500ms", "drop 50%", "kill", "restart"}
	if len(tr.Events) != len(names) {
		t.Fatalf("events %+v, want %v", tr.Events, names)
	}
	for i, e := range tr.Events {
		if e.Name != names[i] || e.Error != "" {
			t.Errorf("event %d: %+v, want %q without error", i, e, names[i])
		}
	}
	if took := time.Duration(tr.Events[0].Took); took < 500*time.Millisecond {
		t.Errorf("the stall took %s, less than its 500ms", took)
	}
	// Messages published during the stall wait for its end: at 20/s the
	// first waits about 450ms or more, measured from its scheduled time.
	if max := tr.Hist(results.HistLatency).Max(); max < 400*time.Millisecond {
		t.Errorf("max latency %s hides a 500ms stall", max)
	}
	// The drop and the kill ended every connection: half each.
	if c := tr.Counters; c.ConnDropped+c.ConnEnded != 20 {
		t.Errorf("%d dropped and %d ended of 20 connections after a drop of 50%% and a kill", c.ConnDropped, c.ConnEnded)
	}
}
