package scenarios

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/workload"
)

// TestWorkersBlock: the workers block decodes, takes its defaults only when
// asked, and is refused at its line when out of range or combined with what
// a coordinated run cannot do.
func TestWorkersBlock(t *testing.T) {
	s, err := Parse("w.yaml", []byte("name: w\ntransports: [ws]\nworkers:\n  procs: 3\n  allow_partial: true\n  ready_timeout: 30s\n"))
	if err != nil {
		t.Fatal(err)
	}
	w := s.Workers.WithDefaults()
	want := Workers{Procs: 3, AllowPartial: true, ReadyTimeout: workload.Duration(30 * time.Second), MaxClockUncertainty: DefaultMaxClockUncertainty}
	if w != want {
		t.Fatalf("workers %+v, want %+v", w, want)
	}

	tests := []struct {
		name, yaml, want string
	}{
		{"negative procs", "workers:\n  procs: -1\n", "w.yaml:4:10: workers.procs: procs -1: want 0"},
		{"too many procs", "workers:\n  procs: 65\n", "want 0 (one process, the default) to 64"},
		{"unknown key", "workers:\n  prcs: 3\n", `unknown field "prcs"`},
		{"bad duration", "workers:\n  ready_timeout: soon\n", "w.yaml:4:"},
		{"faults", "workers:\n  procs: 2\nfaults:\n  - {at: 1s, kill: true}\n", "cannot inject faults"},
		{"find_max", "workers:\n  procs: 2\nfind_max:\n  start: 100/s\n", "cannot run find_max"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("w.yaml", []byte("name: w\ntransports: [ws]\n"+tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestWorkersOmittedFromRecordedScenario: a scenario without a workers block
// records none, so results from before coordinated runs still merge with
// new ones of the same scenario.
func TestWorkersOmittedFromRecordedScenario(t *testing.T) {
	s, err := Parse("w.yaml", []byte("name: w\ntransports: [ws]\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "workers") {
		t.Fatalf("recorded scenario names workers: %s", b)
	}
}

// TestREADMEWorkersExampleIsValid keeps the Coordinated workers section of
// README.md true.
func TestREADMEWorkersExampleIsValid(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "### Coordinated workers\n")
	_, rest, ok2 := strings.Cut(rest, "```yaml\n")
	example, _, ok3 := strings.Cut(rest, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README.md has no yaml block under \"### Coordinated workers\"")
	}
	s, err := Parse("README.md workers example", []byte("name: w\ntransports: [ws]\n"+example))
	if err != nil {
		t.Fatal(err)
	}
	if w := s.Workers; w.Procs != 3 || !w.AllowPartial || w.ReadyTimeout != workload.Duration(2*time.Minute) || w.MaxClockUncertainty != workload.Duration(2*time.Millisecond) {
		t.Fatalf("example workers %+v", w)
	}
}
