package interop

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// startNodeServer runs the official socket.io server (server.mjs) and returns
// its base URL; it is stopped with the test.
func startNodeServer(t *testing.T, args ...string) string {
	t.Helper()
	requireNode(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "node", append([]string{"server.mjs"}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case line := <-lines:
		base, ok := strings.CutPrefix(line, "listening on ")
		if !ok {
			t.Fatalf("node server said %q", line)
		}
		return base
	case <-time.After(15 * time.Second):
		t.Fatal("node server did not start within 15s")
	}
	return ""
}

// runNodeClient runs client.mjs against base and returns its report line.
func runNodeClient(t *testing.T, base, transports string) string {
	t.Helper()
	requireNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "node", "client.mjs", base, transports).CombinedOutput()
	if err != nil {
		t.Fatalf("official client (%s) against %s: %v\n%s", transports, base, err, out)
	}
	return strings.TrimSpace(string(out))
}
