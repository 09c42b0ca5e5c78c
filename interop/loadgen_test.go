package interop

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

// TestLoadGeneratorAgainstOfficialServer load-tests a real Node socket.io 4.8
// server whose heartbeat is short (ping every 300ms, 200ms to answer): the
// clients must answer every ping for 2.5s (about eight heartbeats) or the
// server drops them, which would show as dropped connections and loss.
func TestLoadGeneratorAgainstOfficialServer(t *testing.T) {
	base := startNodeServer(t, "300", "200")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, transport := range []clients.Name{clients.SocketIO, clients.SocketIOPolling} {
		for _, pattern := range []workload.Pattern{workload.Fanout, workload.Echo} {
			t.Run(string(transport)+"/"+string(pattern), func(t *testing.T) {
				entry, _ := clients.Lookup(transport)
				opts := loadgen.Config{
					Transport:  transport,
					URL:        entry.Endpoint(base),
					PublishURL: base + "/publish",
					Workload: workload.Workload{
						Pattern:     pattern,
						Connections: 20,
						Warmup:      workload.Duration(500 * time.Millisecond).Ptr(),
						Duration:    workload.Duration(2 * time.Second),
						Rate:        20,
						Drain:       workload.Duration(3 * time.Second).Ptr(),
					},
				}
				res, err := loadgen.Run(context.Background(), opts, quiet)
				if err != nil {
					t.Fatal(err)
				}
				c := res.Counters
				if c.ConnReady != 20 || c.ConnDropped != 0 || c.Expected == 0 || c.Received != c.Expected || c.Lost != 0 || len(res.Errors) != 0 {
					t.Fatalf("counters %+v errors %v", c, res.Errors)
				}
				for _, phase := range []string{"eio_open", "sio_connect"} {
					if n := res.Hist(phase).Count(); n != 20 {
						t.Errorf("%s samples %d, want 20", phase, n)
					}
				}
				if res.Hist(results.HistLatency).Count() != c.Received {
					t.Errorf("latency samples %d, want %d", res.Hist(results.HistLatency).Count(), c.Received)
				}
			})
		}
	}
}
