package clients_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/clients"
)

// TestWebSocketHandshakeOverTLS: wss runs the handshake recorder above TLS,
// so a wss dial succeeds with the run's TLS settings and its failures are
// classified as over ws.
func TestWebSocketHandshakeOverTLS(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string // "" for a dial that succeeds and reads "hi"
	}{
		{"upgrade", func(w http.ResponseWriter, r *http.Request) {
			c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			c.WriteMessage(websocket.TextMessage, []byte("hi"))
			c.ReadMessage() // until the client closes
		}, ""},
		{"wrong Sec-WebSocket-Accept", func(w http.ResponseWriter, r *http.Request) {
			c, rw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			defer c.Close()
			rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: d3Jvbmc=\r\n\r\n")
			rw.Flush()
			c.Read(make([]byte, 1)) // until the client closes
		}, `handshake: Sec-WebSocket-Accept mismatch (got "d3Jvbmc="`},
		{"page", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "no websocket here", http.StatusNotFound)
		}, `status: expected 101 Switching Protocols, got 404 Not Found: "no websocket here\n"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := httptest.NewTLSServer(tt.handler)
			defer ts.Close()
			opts := clients.NewDialOptions(sinceClock{time.Now()}, 5*time.Second)
			defer opts.Close()
			opts.HTTP.TLSClientConfig = ts.Client().Transport.(*http.Transport).TLSClientConfig
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			entry, _ := clients.Lookup(clients.WS)
			url := "wss" + strings.TrimPrefix(ts.URL, "https") + "/ws"
			conn, tm, err := entry.New().Dial(ctx, url, opts)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				if tm.TCP <= 0 || tm.Ready < tm.TCP {
					t.Fatalf("timings %+v: want TCP then ready", tm)
				}
				if got := readWithin(t, conn, 5*time.Second); got != "hi" {
					t.Fatalf("read %q, want hi", got)
				}
				return
			}
			var de *clients.DialError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), tt.want) {
				if conn != nil {
					conn.Close()
				}
				t.Fatalf("error %v: want %q", err, tt.want)
			}
		})
	}
}
