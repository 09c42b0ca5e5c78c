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
)

// TestLoadGeneratorAgainstOfficialServer load-tests a real Node socket.io 4.8
// server whose heartbeat is short (ping every 300ms, 200ms to answer): the
// clients must answer every ping for 2.5s (about eight heartbeats) or the
// server drops them, which would show as dropped connections and loss.
func TestLoadGeneratorAgainstOfficialServer(t *testing.T) {
	base := startNodeServer(t, "300", "200")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, transport := range []string{"socketio", "socketio-polling"} {
		for _, pattern := range []string{loadgen.PatternFanout, loadgen.PatternEcho} {
			t.Run(transport+"/"+pattern, func(t *testing.T) {
				entry, _ := clients.Lookup(clients.Name(transport))
				opts := loadgen.Options{
					Transport:   transport,
					URL:         entry.Endpoint(base),
					PublishURL:  base + "/publish",
					Pattern:     pattern,
					Connections: 20,
					Warmup:      500 * time.Millisecond,
					Duration:    2 * time.Second,
					Rate:        20,
					Drain:       3 * time.Second,
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
