package loadgen_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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

// silentEngineIO is a Socket.IO server that completes the handshake and the
// namespace connect, promising a ping every 200ms, and then never pings again
// nor answers anything, over WebSocket and long-polling alike.
func silentEngineIO(t *testing.T) *httptest.Server {
	const open = `0{"sid":"s1","upgrades":[],"pingInterval":200,"pingTimeout":100,"maxPayload":1000000}`
	done := make(chan struct{})
	up := websocket.Upgrader{}
	var mu sync.Mutex
	connected := map[string]bool{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("transport") == "websocket" {
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			c.WriteMessage(websocket.TextMessage, []byte(open))
			if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "40" {
				return
			}
			c.WriteMessage(websocket.TextMessage, []byte(`40{"sid":"n1"}`))
		} else {
			sid := q.Get("sid")
			switch {
			case sid == "":
				io.WriteString(w, open)
				return
			case r.Method == http.MethodPost:
				mu.Lock()
				connected[r.RemoteAddr+sid] = true
				mu.Unlock()
				io.WriteString(w, "ok")
				return
			}
			mu.Lock()
			first := len(connected) > 0
			clear(connected)
			mu.Unlock()
			if first {
				io.WriteString(w, `40{"sid":"n1"}`)
				return
			}
		}
		select { // silence
		case <-done:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(done); ts.CloseClientConnections(); ts.Close() })
	return ts
}

// TestRunEndsWhenASocketIOServerStopsPinging: a Socket.IO server that stops
// pinging is gone for socket.io-client after pingInterval + pingTimeout; the
// load generator ends such a connection the same way, classified as a ping
// timeout, well before the run's end.
func TestRunEndsWhenASocketIOServerStopsPinging(t *testing.T) {
	ts := silentEngineIO(t)
	for _, tr := range []clients.Name{clients.SocketIO, clients.SocketIOPolling} {
		t.Run(string(tr), func(t *testing.T) {
			cfg := listenLoad(tr, ts.URL+"/socket.io/", loadgen.Payload{})
			cfg.Workload.Connections = 1
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			start := time.Now()
			res, err := loadgenRun(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if took, bound := time.Since(start), 15*time.Second; took > bound {
				t.Fatalf("run took %s, more than %s", took, bound)
			}
			e := res.Errors["read/ping-timeout"]
			if e == nil || e.Count != 1 || !strings.Contains(e.First, "no ping from the server within 300ms") {
				t.Fatalf("errors %+v, want one read/ping-timeout naming 300ms", res.Errors)
			}
			if res.Counters.ConnDropped != 1 {
				t.Fatalf("dropped %d, want 1", res.Counters.ConnDropped)
			}
		})
	}
}
