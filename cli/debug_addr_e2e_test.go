package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeDebugAddrRefusesNonLoopback: pprof listens on loopback only.
func TestServeDebugAddrRefusesNonLoopback(t *testing.T) {
	t.Setenv(publishTokenEnv, "")
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:6060", "localhost.:0", "6060"} {
		t.Run(addr, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := Main([]string{"serve", "--debug-addr", addr}, &out, &errOut); code != 2 {
				t.Fatalf("exit %d, want 2; stderr: %s", code, errOut.String())
			}
			if !strings.Contains(errOut.String(), "--debug-addr") || !strings.Contains(errOut.String(), "loopback") {
				t.Fatalf("stderr %q does not name --debug-addr and loopback", errOut.String())
			}
		})
	}
}

var debugAddrRE = regexp.MustCompile(`debug_addr=(127\.0\.0\.1:\d+)`)

// TestE2EServeDebugAddr: --debug-addr serves pprof on its own listener (not
// on the server's), /metrics is on the server's, and serve still exits 0.
func TestE2EServeDebugAddr(t *testing.T) {
	bin := buildBinary(t)
	cmd, base, stderr := startServe(t, bin, nil, "--debug-addr", "127.0.0.1:0")
	// stderr is its own pipe: the log line may trail the stdout announce.
	var m []string
	for wait := time.Now().Add(10 * time.Second); m == nil && time.Now().Before(wait); time.Sleep(20 * time.Millisecond) {
		m = debugAddrRE.FindStringSubmatch(stderr.String())
	}
	if m == nil {
		t.Fatalf("stderr names no debug_addr within 10s:\n%s", stderr)
	}
	debug := "http://" + m[1]
	get := func(url string) (int, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, c := range []struct {
		url, want string
		status    int
	}{
		{debug + "/debug/pprof/", "goroutine", 200},
		{debug + "/debug/pprof/goroutine?debug=1", "goroutine profile", 200},
		{base + "/debug/pprof/", "", 404},
		{base + "/metrics", "pushbench_server_connections{transport=\"sse\"} 0", 200},
	} {
		if status, body := get(c.url); status != c.status || !strings.Contains(body, c.want) {
			t.Errorf("GET %s: %d, want %d containing %q; body starts %.200q", c.url, status, c.status, c.want, body)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("serve exited %v, want 0\nstderr:\n%s", err, stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("serve still running 20s after SIGTERM\nstderr:\n%s", stderr)
	}
}
