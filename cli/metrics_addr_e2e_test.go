package cli

import (
	"context"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

var metricsAddrRE = regexp.MustCompile(`metrics_addr=(127\.0\.0\.1:\d+)`)

// TestE2ERunMetricsAddr: pushbench run --metrics-addr serves the run's live
// figures on /metrics and pprof on /debug/pprof/ while it runs, and the run
// still exits 0.
func TestE2ERunMetricsAddr(t *testing.T) {
	bin := buildBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", "--transports", "ws", "--pattern", "echo", "--connections", "10", "--rate", "10",
		"--warmup", "0", "--duration", "6s", "--out", "", "--metrics-addr", "127.0.0.1:0")
	stderr := &lockedBuffer{}
	cmd.Stderr, cmd.Stdout = stderr, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	exited := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })

	get := func(url string) (int, string) {
		t.Helper()
		rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
		defer rcancel()
		req, _ := http.NewRequestWithContext(rctx, "GET", url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	var base string
	for base == "" {
		select {
		case <-exited:
			t.Fatalf("run exited (%v) before serving metrics\nstderr:\n%s", waitErr, stderr)
		case <-time.After(100 * time.Millisecond):
		}
		if m := metricsAddrRE.FindStringSubmatch(stderr.String()); m != nil {
			base = "http://" + m[1]
		}
	}
	// Wait until the echo round trips show (the run measures for 6 s).
	received := regexp.MustCompile(`pushbench_generator_messages_received_total\{transport="ws"\} [1-9]`)
	for {
		status, body := get(base + "/metrics")
		if status == 200 && received.MatchString(body) {
			for _, want := range []string{`pushbench_generator_connections{transport="ws"} 10`, "pushbench_generator_latency_seconds_bucket", "go_goroutines"} {
				if !strings.Contains(body, want) {
					t.Errorf("/metrics lacks %q", want)
				}
			}
			break
		}
		select {
		case <-exited:
			t.Fatalf("run exited (%v) before /metrics showed received messages; last body starts %.300q\nstderr:\n%s", waitErr, body, stderr)
		case <-time.After(300 * time.Millisecond):
		}
	}
	if status, body := get(base + "/debug/pprof/"); status != 200 || !strings.Contains(body, "goroutine") {
		t.Errorf("GET /debug/pprof/: %d, body starts %.200q", status, body)
	}
	select {
	case <-exited:
		if waitErr != nil {
			t.Fatalf("run exited %v, want 0\nstderr:\n%s", waitErr, stderr)
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("run still going 90s later\nstderr:\n%s", stderr)
	}
}
