package scenarios

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/workload"
)

func TestParseFaults(t *testing.T) {
	src := `name: f
warmup: 2s
duration: 10s
faults:
  - {at: -1s, stall: 300ms}
  - {at: 3s, kill: true}
  - {at: 4s, restart: true}
  - at: 8s
    drop: 25%
  - {at: 8s, delay: 50ms, for: 2s}
  - {at: 10s, drop: 100%}
`
	s, err := Parse("f.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	d := func(v time.Duration) workload.Duration { return workload.Duration(v) }
	want := []Fault{
		{At: d(-time.Second), Kind: FaultStall, For: d(300 * time.Millisecond)},
		{At: d(3 * time.Second), Kind: FaultKill},
		{At: d(4 * time.Second), Kind: FaultRestart},
		{At: d(8 * time.Second), Kind: FaultDrop, Percent: 25},
		{At: d(8 * time.Second), Kind: FaultDelay, Delay: d(50 * time.Millisecond), For: d(2 * time.Second)},
		{At: d(10 * time.Second), Kind: FaultDrop, Percent: 100},
	}
	if len(s.Faults) != len(want) {
		t.Fatalf("faults %+v", s.Faults)
	}
	names := []string{"stall 300ms", "kill", "restart", "drop 25%", "delay 50ms for 2s", "drop 100%"}
	for i := range want {
		if s.Faults[i] != want[i] {
			t.Errorf("fault %d: %+v, want %+v", i, s.Faults[i], want[i])
		}
		if got := s.Faults[i].String(); got != names[i] {
			t.Errorf("fault %d named %q, want %q", i, got, names[i])
		}
	}
	if !s.HasFault(FaultDelay) || !s.HasFault(FaultDrop) || (&Scenario{}).HasFault(FaultKill) {
		t.Error("HasFault")
	}
	// The result records the faults as run.
	b, err := json.Marshal(s.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"faults":[{"at":"-1s","kind":"stall","for":"300ms"},{"at":"3s","kind":"kill"}`) {
		t.Fatalf("scenario JSON %s", b)
	}
}

func TestParseFaultErrorsNameTheLine(t *testing.T) {
	const head = "name: x\nwarmup: 1s\nduration: 5s\nfaults:\n"
	remote := "name: x\ntarget: {url: \"http://127.0.0.1:9\"}\nfaults:\n"
	tests := []struct {
		name, src, want string
	}{
		{"unknown key", head + "  - {at: 1s, kil: true}\n", `bad.yaml:5:14: faults[0].kil: unknown fault key "kil": want at and one of kill, restart, stall, drop, delay`},
		{"no action", head + "  - {at: 1s}\n", `bad.yaml:5:5: faults[0]: fault has no action`},
		{"no at", head + "  - {kill: true}\n", `bad.yaml:5:5: faults[0]: kill fault has no at`},
		{"two actions", head + "  - {at: 1s, kill: true, stall: 1s}\n", `bad.yaml:5:26: faults[0].stall: fault has both kill and stall`},
		{"kill false", head + "  - {at: 1s, kill: false}\n", `bad.yaml:5:20: faults[0].kill: kill: "false": want true`},
		{"at without unit", head + "  - {at: 3, kill: true}\n", `bad.yaml:5:10: faults[0].at: at "3": want a duration with a unit`},
		{"at after the window", head + "  - {at: 1s, kill: true}\n  - {at: 6s, restart: true}\n", `bad.yaml:6:10: faults[1].at: restart at 6s is outside the run: at runs from -1s (the start of the warm-up) to 5s`},
		{"at before the warm-up", head + "  - {at: -2s, stall: 1s}\n", `bad.yaml:5:10: faults[0].at: stall 1s at -2s is outside the run`},
		{"stall past the window", head + "  - {at: 4s, stall: 2s}\n", `bad.yaml:5:21: faults[0].stall: stall 2s at 4s would last until 6s, past the end of the measured window (5s)`},
		{"stall zero", head + "  - {at: 1s, stall: 0s}\n", `bad.yaml:5:21: faults[0].stall: stall "0s": want a positive duration`},
		{"stall with for", head + "  - {at: 1s, stall: 1s, for: 2s}\n", `bad.yaml:5:14: faults[0].stall: for applies to delay only`},
		{"drop without percent sign", head + "  - {at: 1s, drop: 25}\n", `bad.yaml:5:20: faults[0].drop: drop "25": want a share of the connections`},
		{"drop over 100", head + "  - {at: 1s, drop: 120%}\n", `bad.yaml:5:20: faults[0].drop: drop "120%"`},
		{"drop zero", head + "  - {at: 1s, drop: 0%}\n", `bad.yaml:5:20: faults[0].drop: drop "0%"`},
		{"delay without for", head + "  - {at: 1s, delay: 50ms}\n", `bad.yaml:5:14: faults[0].delay: delay needs for`},
		{"delay bad", head + "  - {at: 1s, delay: soon, for: 1s}\n", `bad.yaml:5:21: faults[0].delay: delay "soon"`},
		{"not a mapping", head + "  - kill\n", `bad.yaml:5:5: faults[0]: want a mapping`},
		{"restart without a kill", head + "  - {at: 1s, restart: true}\n", `bad.yaml:5:23: faults[0].restart: restart at 1s: no kill before it`},
		{"two kills", head + "  - {at: 1s, kill: true}\n  - {at: 2s, kill: true}\n", `bad.yaml:6:20: faults[1].kill: kill at 2s: the server is already down (killed at 1s)`},
		{"restart with the kill", head + "  - {at: 1s, kill: true}\n  - {at: 1s, restart: true}\n", `bad.yaml:6:23: faults[1].restart: restart at 1s: at the same time as the kill`},
		{"kill on a remote target", remote + "  - {at: 1s, kill: true}\n", `bad.yaml:4:20: faults[0].kill: kill needs a server pushbench runs as a child process (target: builtin); the target http://127.0.0.1:9 is not one`},
		{"stall on a remote target", remote + "  - {at: 1s, stall: 1s}\n", `bad.yaml:4:21: faults[0].stall: stall needs a server pushbench runs as a child process`},
		{"drop on a remote target", remote + "  - {at: 1s, drop: 10%}\n", `bad.yaml:4:20: faults[0].drop: drop needs the builtin server's admin endpoint`},
		{"delay in front of TLS", "name: x\ntarget: {url: \"https://127.0.0.1:9\"}\nfaults:\n  - {at: 1s, delay: 5ms, for: 1s}\n", `bad.yaml:4:21: faults[0].delay: delay puts a plain TCP proxy in front of the target, which cannot stand in for the TLS server https://127.0.0.1:9`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tt.src))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error:\n  %v\nwant prefix:\n  %s", err, tt.want)
			}
		})
	}
}

// TestDelayOnARemoteTarget: a plain-HTTP remote target can be delayed (the
// proxy forwards to it), though not killed.
func TestDelayOnARemoteTarget(t *testing.T) {
	src := "name: x\ntarget: {url: \"http://127.0.0.1:9\"}\nfaults:\n  - {at: 1s, delay: 5ms, for: 1s}\n"
	if _, err := Parse("ok.yaml", []byte(src)); err != nil {
		t.Fatal(err)
	}
}

// TestREADMEFaultsExampleIsValid keeps the Faults section of README.md true.
func TestREADMEFaultsExampleIsValid(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "### Faults\n")
	_, rest, ok2 := strings.Cut(rest, "```yaml\n")
	example, _, ok3 := strings.Cut(rest, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README.md has no yaml block under \"### Faults\"")
	}
	s, err := Parse("README.md faults example", []byte("name: x\n"+example))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Faults) != len(faultKinds) {
		t.Fatalf("the example shows %d faults, want one of each of %d kinds", len(s.Faults), len(faultKinds))
	}
}
