package servers_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

// TestHostileSessionsAreLogged: misbehaving WebSocket and Engine.IO peers are
// named in the server's log at the default level (Warn and up), each with its
// kind and remote address.
func TestHostileSessionsAreLogged(t *testing.T) {
	var logBuf syncBuffer
	cfg := servers.Config{WSReadLimit: 64}
	srv := servers.New(cfg, slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelWarn})))
	base := servertest.Serve(t, srv)
	tests := []struct {
		name, path, kind string
		send             func(c *websocket.Conn)
	}{
		{"oversized message", "/ws", "ws-too-large", func(c *websocket.Conn) {
			c.WriteMessage(websocket.TextMessage, bytes.Repeat([]byte("x"), 100))
		}},
		{"invalid UTF-8", "/ws", "ws-invalid-utf8", func(c *websocket.Conn) { c.WriteMessage(websocket.TextMessage, []byte{0xff, 0xfe}) }},
		{"garbage on publish", "/publish", "ws-bad-message", func(c *websocket.Conn) { c.WriteMessage(websocket.TextMessage, []byte("{")) }},
		{"garbage Engine.IO packet", "/socket.io/?EIO=4&transport=websocket", "eio-protocol", func(c *websocket.Conn) {
			c.ReadMessage() // the open packet
			c.WriteMessage(websocket.TextMessage, []byte("9x"))
		}},
		{"unknown Engine.IO version", "/socket.io/?EIO=3&transport=websocket", "eio-request", func(*websocket.Conn) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := websocket.DefaultDialer.Dial(wsURL(base)+tt.path, nil)
			if err == nil {
				defer c.Close()
				tt.send(c)
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				for {
					if _, _, err := c.ReadMessage(); err != nil {
						break
					}
				}
			}
			deadline := time.Now().Add(5 * time.Second)
			for !strings.Contains(logBuf.String(), "kind="+tt.kind) {
				if time.Now().After(deadline) {
					t.Fatalf("no %s line in the log:\n%s", tt.kind, logBuf.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			for _, line := range strings.Split(logBuf.String(), "\n") {
				if strings.Contains(line, "kind="+tt.kind) && !strings.Contains(line, "remote=") {
					t.Errorf("no remote address: %s", line)
				}
			}
		})
	}
}
