package clients_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/clients"
)

// TestMaxMessageEndsAFloodingConnection: a server that sends one message
// larger than the limit (a 2 MiB WebSocket message, an SSE event whose data
// lines never end, an NDJSON line without a newline) ends that connection
// with ErrTooLarge, having buffered no more than about the limit.
func TestMaxMessageEndsAFloodingConnection(t *testing.T) {
	const limit = 64 << 10
	done := make(chan struct{})
	up := websocket.Upgrader{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		flood := func(write func() error) {
			for i := 0; i < 4096; i++ { // at most 4096 writes: bounded even if the client never stops it
				if write() != nil {
					return
				}
				select {
				case <-done:
					return
				default:
				}
			}
		}
		switch r.URL.Path {
		case "/ws":
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			_ = c.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("x", 2<<20)))
			<-done
		case "/sse":
			w.Header().Set("Content-Type", "text/event-stream")
			line := "data: " + strings.Repeat("y", 1000) + "\n"
			flood(func() error { _, err := fmt.Fprint(w, line); w.(http.Flusher).Flush(); return err })
		case "/chunked":
			w.Header().Set("Content-Type", "application/x-ndjson")
			part := strings.Repeat("z", 1000)
			flood(func() error { _, err := fmt.Fprint(w, part); w.(http.Flusher).Flush(); return err })
		}
	}))
	t.Cleanup(func() { close(done); ts.CloseClientConnections(); ts.Close() })

	tests := []struct {
		transport clients.Name
		url       string
	}{
		{clients.WS, wsURL(ts.URL) + "/ws"},
		{clients.SSE, ts.URL + "/sse"},
		{clients.Chunked, ts.URL + "/chunked"},
	}
	for _, tt := range tests {
		t.Run(string(tt.transport), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			conn, _, err := dialReceive(t, ctx, tt.transport, tt.url, clients.Receive{MaxMessage: limit})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_, err = conn.Read()
			if err == nil {
				t.Fatal("read a message over the limit")
			}
			if tt.transport != clients.WS && !strings.Contains(err.Error(), "65536") {
				t.Fatalf("read: %v, want an error naming the 65536-byte limit", err)
			}
			if tt.transport != clients.Chunked && !errors.Is(err, clients.ErrTooLarge) {
				t.Fatalf("read: %v, want ErrTooLarge", err)
			}
			// The client stopped within a read or a frame of the limit.
			if n := conn.BytesRead(); tt.transport != clients.WS && n > 2*limit {
				t.Fatalf("read %d bytes past a %d-byte limit before stopping", n, limit)
			}
		})
	}
}
