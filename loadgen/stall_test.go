package loadgen_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/workload"
)

// TestRunEndsWhenThePublisherStalls: a publish endpoint that never answers
// (HTTP) or never reads (WebSocket) must not hold the run. Each publish has
// the connect timeout to complete; the run ends within warm-up + duration +
// drain + that timeout and says what stalled.
func TestRunEndsWhenThePublisherStalls(t *testing.T) {
	base := startReference(t, servers.Config{})
	done := make(chan struct{})
	up := websocket.Upgrader{}
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
		}
		select { // never answer, never read
		case <-done:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(done); stall.CloseClientConnections(); stall.Close() })

	retry := &workload.Reconnect{Backoff: workload.Duration(100 * time.Millisecond)}
	tests := []struct {
		name, publish string
		payload       workload.Size
		reconnect     *workload.Reconnect
		want          string
	}{
		{"POST never answered", stall.URL + "/publish", 64, nil, "no answer within 1s"},
		// Large messages fill the socket buffers of a server that never reads.
		{"WebSocket never read", wsURL(stall.URL) + "/publish", 256 << 10, nil, "did not take the message within 1s (it stopped reading)"},
		// Under a reconnect policy every message is retried, but none past
		// the drain: the bound is the same.
		{"POST never answered, retried", stall.URL + "/publish", 64, retry, "no answer within 1s"},
		{"WebSocket never read, retried", wsURL(stall.URL) + "/publish", 256 << 10, retry, "did not take the message within 1s (it stopped reading)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := smallLoad("ws", wsURL(base)+"/ws", tt.publish)
			cfg.Workload.Connections = 5
			cfg.Workload.Payload = tt.payload
			cfg.Workload.ConnectTimeout = workload.Duration(time.Second)
			cfg.Workload.Drain = workload.Duration(500 * time.Millisecond).Ptr()
			cfg.Workload.Reconnect = tt.reconnect
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			start := time.Now()
			res, err := loadgenRun(ctx, cfg)
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			// warm-up 200ms + 1s + drain 500ms + one 1s publish timeout; the
			// bound leaves room for a loaded machine and the race detector,
			// and is far from "until killed".
			if bound := 15 * time.Second; took > bound {
				t.Fatalf("run took %s, more than %s", took, bound)
			}
			e := res.Errors["publish"]
			if e == nil || !strings.Contains(e.First, tt.want) {
				t.Fatalf("publish errors %+v, want one saying %q", res.Errors, tt.want)
			}
			if res.Counters.Received != 0 && strings.HasPrefix(tt.name, "POST never answered") {
				t.Fatalf("received %d though nothing was published", res.Counters.Received)
			}
		})
	}
}

func loadgenRun(ctx context.Context, cfg loadgen.Config) (*results.TransportResult, error) {
	return loadgen.Run(ctx, cfg, quiet)
}
