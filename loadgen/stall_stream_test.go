package loadgen_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/loadgen"
)

// TestRunEndsWhenAStreamStopsMidMessage: a server that sends the first half
// of a message and then says nothing more, holding the connection open, must
// not hold the run past its window: the partial message is never counted,
// and the run ends within warm-up + duration + drain + a stated bound.
func TestRunEndsWhenAStreamStopsMidMessage(t *testing.T) {
	done := make(chan struct{})
	half := func(contentType, partial string) *httptest.Server {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, partial)
			w.(http.Flusher).Flush()
			select {
			case <-done:
			case <-r.Context().Done():
			}
		}))
		return ts
	}
	sse := half("text/event-stream", "id: 1\ndata: {\"seq\":1,\"ts\":")
	chunked := half("application/x-ndjson", "{\"seq\":1,\"ts\":")
	up := websocket.Upgrader{}
	ws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		// A text frame header announcing 100 bytes, then 10 of them.
		c.UnderlyingConn().Write(append([]byte{0x81, 100}, "{\"seq\":1,\""...))
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() {
		close(done)
		for _, ts := range []*httptest.Server{sse, chunked, ws} {
			ts.CloseClientConnections()
			ts.Close()
		}
	})

	tests := []struct {
		transport clients.Name
		url       string
	}{
		{clients.SSE, sse.URL},
		{clients.Chunked, chunked.URL},
		{clients.WS, wsURL(ws.URL)},
	}
	for _, tt := range tests {
		t.Run(string(tt.transport), func(t *testing.T) {
			cfg := listenLoad(tt.transport, tt.url, loadgen.Payload{})
			cfg.Workload.Connections = 5
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			start := time.Now()
			res, err := loadgenRun(ctx, cfg)
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			// 2 s window + the default 2 s drain; the bound leaves room for a
			// loaded machine and the race detector, and is far from "until
			// killed".
			if bound := 15 * time.Second; took > bound {
				t.Fatalf("run took %s, more than %s", took, bound)
			}
			if res.Counters.ConnReady != 5 {
				t.Fatalf("ready %d of 5 (errors %+v)", res.Counters.ConnReady, res.Errors)
			}
			if res.Counters.Received != 0 {
				t.Fatalf("received %d messages from a server that never finished one", res.Counters.Received)
			}
		})
	}
}
