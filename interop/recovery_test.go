package interop

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

// TestReconnectWithConnectionStateRecovery drops every connection of the
// official socket.io server with connectionStateRecovery on
// (recovery_server.mjs) twice during the run. The load generator's clients
// reconnect as socket.io-client does, sending the pid from the CONNECT
// answer and the offset of the last event in their new CONNECT
// (0{"pid":"..","offset":".."}), and the server replays what they missed:
// nothing is lost.
func TestReconnectWithConnectionStateRecovery(t *testing.T) {
	base := startNodeScript(t, "recovery_server.mjs")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	kick := func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/kick", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		return resp.Body.Close()
	}
	for _, transport := range []clients.Name{clients.SocketIO, clients.SocketIOPolling} {
		t.Run(string(transport), func(t *testing.T) {
			entry, _ := clients.Lookup(transport)
			jitter := 0.0
			opts := loadgen.Config{
				Transport:  transport,
				URL:        entry.Endpoint(base),
				PublishURL: base + "/publish",
				Workload: workload.Workload{
					Connections: 5,
					Warmup:      workload.Duration(300 * time.Millisecond).Ptr(),
					Duration:    workload.Duration(1500 * time.Millisecond),
					Rate:        20,
					Drain:       workload.Duration(2 * time.Second).Ptr(),
					Reconnect:   &workload.Reconnect{Backoff: workload.Duration(100 * time.Millisecond), Jitter: &jitter},
				},
				Timeline: []loadgen.Action{{At: 400 * time.Millisecond, Name: "kick", Do: kick}, {At: 900 * time.Millisecond, Name: "kick", Do: kick}},
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res, err := loadgen.Run(ctx, opts, quiet)
			if err != nil {
				t.Fatal(err)
			}
			c := res.Counters
			if c.Reconnects != 10 || c.ReconnectFailed != 0 {
				t.Fatalf("reconnects %d failed %d, want 10, 0; counters %+v errors %v", c.Reconnects, c.ReconnectFailed, c, res.Errors)
			}
			if c.Expected == 0 || c.Lost != 0 || c.LostAcrossReconnect != 0 || c.Received != c.Expected {
				t.Fatalf("expected %d received %d lost %d across %d: recovery must replay what was missed; errors %v",
					c.Expected, c.Received, c.Lost, c.LostAcrossReconnect, res.Errors)
			}
			if n := res.Hist(results.HistReconnect).Count(); n != 10 {
				t.Fatalf("reconnect histogram %d samples, want 10", n)
			}
		})
	}
}
