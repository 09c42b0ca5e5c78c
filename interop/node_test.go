package interop

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/target"
)

// requireNode skips (or, under CI, fails) when Node or the pinned packages are
// missing.
func requireNode(t *testing.T) {
	t.Helper()
	_, errNode := exec.LookPath("node")
	_, errMods := os.Stat(filepath.Join("node_modules", "socket.io", "package.json"))
	if errNode == nil && errMods == nil {
		return
	}
	msg := "interop tests need node and the pinned packages: run `npm ci --prefix interop` (make test does)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// startNodeServer runs the official socket.io server (server.mjs) as a child
// process and returns its base URL; it is stopped with the test.
func startNodeServer(t *testing.T, args ...string) string {
	t.Helper()
	return startNodeScript(t, "server.mjs", args...)
}

// startNodeScript runs a server script of this directory as a child process
// and returns its base URL; it is stopped with the test.
func startNodeScript(t *testing.T, script string, args ...string) string {
	t.Helper()
	requireNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	srv, err := target.Start(ctx, target.ProcessConfig{
		Path:         "node",
		Args:         append([]string{script}, args...),
		Stderr:       os.Stderr,
		StartTimeout: 15 * time.Second,
		StopTimeout:  5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Stop(ctx); err != nil {
			t.Logf("official server: %v", err)
		}
	})
	return srv.URLs().Base
}

// runNodeClient runs client.mjs against base and returns its report line (its
// stdout); a failing run fails the test with the reason the script gave.
func runNodeClient(t *testing.T, base, transports string) string {
	t.Helper()
	requireNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "client.mjs", base, transports)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("official client (%s) against %s: %v\n%s%s", transports, base, err, stderr.String(), stdout.String())
	}
	return strings.TrimSpace(stdout.String())
}
