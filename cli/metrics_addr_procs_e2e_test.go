package cli

import (
	"context"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// TestE2ERunProcsMetricsAddr: in a coordinated run (--procs 2) the
// coordinator's /metrics shows the workers' latency histogram while they
// run, not an empty one: a fan-out records one latency sample per measured
// message received, so in every scrape its count is the received count.
func TestE2ERunProcsMetricsAddr(t *testing.T) {
	bin := buildBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", "--procs", "2", "--transports", "ws", "--connections", "100", "--rate", "10",
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

	scrape := func(url string) string {
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
		return string(b)
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
	receivedRE := regexp.MustCompile(`(?m)^pushbench_generator_messages_received_total\{transport="ws"\} (\d+)$`)
	latencyRE := regexp.MustCompile(`(?m)^pushbench_generator_latency_seconds_count\{transport="ws"\} (\d+)$`)
	measuringRE := regexp.MustCompile(`(?m)^pushbench_generator_phase\{phase="measuring",transport="ws"\} 1$`)
	for {
		body := scrape(base + "/metrics")
		r, l := receivedRE.FindStringSubmatch(body), latencyRE.FindStringSubmatch(body)
		if r != nil && r[1] != "0" && measuringRE.MatchString(body) {
			received, _ := strconv.Atoi(r[1])
			if l == nil {
				t.Fatalf("/metrics shows %d received but no latency count:\n%s", received, body)
			}
			if latency, _ := strconv.Atoi(l[1]); latency != received {
				t.Fatalf("while measuring: %d latency samples, %d messages received; want equal (the workers' merged histogram)", latency, received)
			}
			break
		}
		select {
		case <-exited:
			t.Fatalf("run exited (%v) before /metrics showed received messages while measuring; last body starts %.300q\nstderr:\n%s", waitErr, body, stderr)
		case <-time.After(300 * time.Millisecond):
		}
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
