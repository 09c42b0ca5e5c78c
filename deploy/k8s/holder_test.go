package k8s

import (
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// holderName is the coordinator pod's container that keeps the pod, and its
// results emptyDir, for kubectl cp after the coordinator exits.
const holderName = "results"

// TestResultsHolderLetsGo runs the results container's script, expanded as
// the kubelet expands it, with the local POSIX sh standing in for busybox's
// and /results moved to a temporary directory: it must return at once when
// /results/.retrieved exists, and when HOLD_SECONDS is over.
func TestResultsHolderLetsGo(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to run the results container's script with")
	}
	m := loadManifests(t, ".")
	k := loadKustomization(t, ".")
	c := container(t, m.coordinator, holderName)
	if len(c.Command) != 2 || c.Command[0] != "sh" || c.Command[1] != "-c" || len(c.Args) != 1 {
		t.Fatalf("results container: command %q args %d: want sh -c SCRIPT", c.Command, len(c.Args))
	}
	env, err := containerEnv(k, c)
	if err != nil {
		t.Fatal(err)
	}
	script := expandArgs(c.Args, env)[0]
	if strings.Contains(script, "$$") {
		t.Errorf("script after expansion still has $$ (a shell's own pid): %q", script)
	}
	tests := []struct {
		name      string
		hold      string
		retrieved bool
	}{
		{"retrieved", "3600", true},
		{"hold over", "5", false}, // one 5 s turn of the loop, its arithmetic included
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.retrieved {
				if err := os.WriteFile(filepath.Join(dir, ".retrieved"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			// Override: /results (the emptyDir) -> a temporary directory.
			local := strings.ReplaceAll(script, "/results", dir)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, sh, "-c", local)
			holdEnv := maps.Clone(env)
			holdEnv["HOLD_SECONDS"] = tt.hold
			cmd.Env = envList(holdEnv)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("script: %v\n%s", err, out)
			}
		})
	}
}
