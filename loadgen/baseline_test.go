package loadgen_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/workload"
)

// TestBaselineCheckFindsNothingLeft: with baseline_check set, a run that
// closes everything it opened records the generator back at its descriptors
// and goroutines from before the run, for every transport, and the growth
// metrics read zero.
func TestBaselineCheckFindsNothingLeft(t *testing.T) {
	base := startReference(t, servers.Config{})
	for _, tr := range []string{"chunked", "sse", "ws", "socketio", "socketio-polling"} {
		t.Run(tr, func(t *testing.T) {
			url := base + map[string]string{"chunked": "/chunked", "sse": "/sse", "ws": "/ws", "socketio": "/socket.io/", "socketio-polling": "/socket.io/"}[tr]
			if tr == "ws" {
				url = wsURL(url)
			}
			cfg := smallLoad(tr, url, wsURL(base)+"/publish")
			cfg.Workload.BaselineCheck = workload.Duration(10 * time.Second)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res, err := loadgenRun(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Baseline) != 1 {
				t.Fatalf("baseline %+v, want one check", res.Baseline)
			}
			b := res.Baseline[0]
			if b.GeneratorBefore.FDs == 0 || b.GeneratorBefore.Goroutines == 0 || b.GeneratorBefore.RSS == 0 {
				t.Fatalf("before %+v: nothing read", b.GeneratorBefore)
			}
			for _, m := range []string{"generator_fd_growth", "generator_goroutine_growth"} {
				v, _, err := results.MetricValue(res, m)
				if err != nil || v != 0 {
					t.Errorf("%s = %v (%v), want 0: before %+v after %+v", m, v, err, b.GeneratorBefore, b.GeneratorAfter)
				}
			}
			if _, _, err := results.MetricValue(res, "server_fd_growth"); err == nil {
				t.Errorf("server_fd_growth read without a local server PID")
			}
		})
	}
}

// TestBaselineCheckReadsTheServer: with a local server's process and its
// /stats, the check compares the server's descriptors, goroutines and memory
// too (here the server runs in the test's own process).
func TestBaselineCheckReadsTheServer(t *testing.T) {
	base := startReference(t, servers.Config{})
	cfg := smallLoad("ws", wsURL(base)+"/ws", wsURL(base)+"/publish")
	cfg.Workload.BaselineCheck = workload.Duration(10 * time.Second)
	cfg.ServerProcess = os.Getpid
	cfg.ServerStats = base + "/stats"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := loadgenRun(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := res.Baseline[0]
	if b.ServerBefore == nil || b.ServerBefore.Goroutines == 0 || b.ServerBefore.FDs == 0 {
		t.Fatalf("server before %+v (%s): not read", b.ServerBefore, b.ServerNote)
	}
	for _, m := range []string{"server_fd_growth", "server_goroutine_growth"} {
		if v, _, err := results.MetricValue(res, m); err != nil || v != 0 {
			t.Errorf("%s = %v (%v), want 0: before %+v after %+v", m, v, err, b.ServerBefore, b.ServerAfter)
		}
	}
}
