package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds the scenario loader arbitrary YAML: it must never panic, and
// every error it returns names the file and a line and column in it.
func FuzzLoad(f *testing.F) {
	paths, _ := filepath.Glob("*.yaml")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("name: x\nrate: -3\n"))
	f.Add([]byte("name: x\nthresholds:\n  ws: [\"latency.p99 < 5ms\"]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sc, err := Parse("fuzz.yaml", b)
		if err == nil {
			if sc == nil || sc.File != "fuzz.yaml" {
				t.Fatalf("no error and no scenario for %q", b)
			}
			return
		}
		var pe *PosError
		if !errors.As(err, &pe) || pe.File != "fuzz.yaml" || pe.Line < 1 || pe.Column < 1 {
			t.Fatalf("error %v (%T) for %q carries no file:line:column", err, err, b)
		}
	})
}
