package servers_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/servers"
)

// rawRequest writes req as is on a fresh TCP connection and returns the
// status code and body of the answer (0 and the error when none came);
// halfClose ends the client's side once req is written, as a client that
// sent all it will does.
func rawRequest(t *testing.T, base, req string, halfClose bool) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	go func() { // a server may answer before it read it all
		io.WriteString(conn, req)
		if halfClose {
			conn.(*net.TCPConn).CloseWrite()
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(body)
}

// wsHandshake is an opening handshake for path with the given header lines
// replacing the standard ones of the same name.
func wsHandshake(method, path string, replace map[string]string) string {
	headers := []struct{ name, value string }{
		{"Host", "127.0.0.1"},
		{"Upgrade", "websocket"},
		{"Connection", "Upgrade"},
		{"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
		{"Sec-WebSocket-Version", "13"},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", method, path)
	for _, h := range headers {
		v, ok := replace[h.name]
		if !ok {
			v = h.value
		}
		if v != "-" { // "-" leaves the header out
			fmt.Fprintf(&b, "%s: %s\r\n", h.name, v)
		}
	}
	b.WriteString("\r\n")
	return b.String()
}

// TestMalformedRequestsPerEndpoint sends malformed handshakes and requests
// to every endpoint over raw TCP and checks each gets its error status (and
// where the protocol defines one, its error body), while a subscriber of the
// same server keeps receiving what is published.
func TestMalformedRequestsPerEndpoint(t *testing.T) {
	srv, base := start(t, servers.Config{MaxPublishBytes: 1024, SocketIO: servers.SocketIOConfig{MaxPayload: 1000}})
	good := dialWS(t, wsURL(base)+"/ws", nil)
	waitSubscribers(t, srv, 1)
	sio := "/socket.io/?EIO=4&transport=websocket"
	huge := strings.Repeat("a", 1<<20+8<<10) // over net/http's 1 MiB header limit
	eioErr := func(code int, msg string) string { return fmt.Sprintf(`{"code":%d,"message":"%s"}`, code, msg) }
	tests := []struct {
		name       string
		req        string
		wantStatus int
		wantBody   string
		halfClose  bool
	}{
		// Streams.
		{"sse named by a rebinding domain", "GET /sse HTTP/1.1\r\nHost: evil.example:8080\r\n\r\n", 403, "not allowed", false},
		{"publish as a form post", "POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}", 415, "", false},
		{"sse by POST", "POST /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n", 405, "", false},
		{"chunked by PUT", "PUT /chunked HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n", 405, "", false},
		{"sse with a body-less DELETE", "DELETE /sse HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 405, "", false},
		{"no Host header", "GET /sse HTTP/1.1\r\n\r\n", 400, "", false},
		{"garbage request line", "HELLO\r\n\r\n", 400, "", false},
		{"request line with a bad version", "GET /sse HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n", 505, "", false},
		{"header without a colon", "GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nnonsense\r\n\r\n", 400, "", false},
		{"oversized header", "GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + huge + "\r\n\r\n", 431, "", false},
		{"many headers", "GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\n" + strings.Repeat("X-A: b\r\n", 150_000) + "\r\n", 431, "", false},
		// WebSocket handshakes on /ws and /publish.
		{"ws by POST", wsHandshake("POST", "/ws", nil), 405, "", false},
		{"ws without Upgrade", wsHandshake("GET", "/ws", map[string]string{"Upgrade": "-"}), 400, "'websocket' token not found in 'Upgrade'", false},
		{"ws with Upgrade: h2c", wsHandshake("GET", "/ws", map[string]string{"Upgrade": "h2c"}), 400, "'websocket' token not found in 'Upgrade'", false},
		{"ws without Connection: Upgrade", wsHandshake("GET", "/ws", map[string]string{"Connection": "keep-alive"}), 400, "'upgrade' token not found in 'Connection'", false},
		{"ws without a key", wsHandshake("GET", "/ws", map[string]string{"Sec-WebSocket-Key": "-"}), 400, "Sec-WebSocket-Key", false},
		{"ws with a short key", wsHandshake("GET", "/ws", map[string]string{"Sec-WebSocket-Key": "c2hvcnQ="}), 400, "Sec-WebSocket-Key", false},
		{"ws with a key not base64", wsHandshake("GET", "/ws", map[string]string{"Sec-WebSocket-Key": "!!!!!!!!!!!!!!!!!!!!!!!!"}), 400, "Sec-WebSocket-Key", false},
		{"ws version 8", wsHandshake("GET", "/ws", map[string]string{"Sec-WebSocket-Version": "8"}), 400, "unsupported version", false},
		{"ws without a version", wsHandshake("GET", "/ws", map[string]string{"Sec-WebSocket-Version": "-"}), 400, "unsupported version", false},
		{"publish ws without a key", wsHandshake("GET", "/publish", map[string]string{"Sec-WebSocket-Key": "-"}), 400, "Sec-WebSocket-Key", false},
		{"publish ws version 99", wsHandshake("GET", "/publish", map[string]string{"Sec-WebSocket-Version": "99"}), 400, "unsupported version", false},
		// Publish by POST.
		{"publish by GET without upgrade", "GET /publish HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400, "", false},
		{"publish by PUT", "PUT /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}", 405, "", false},
		{"publish garbage body", "POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n\x00\xff{[\"", 400, "invalid envelope", false},
		{"publish JSON array", "POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]", 400, "invalid envelope", false},
		{"publish two envelopes", "POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 26\r\n\r\n{\"data\":\"a\"}{\"data\":\"b\"}\r\n", 400, "", false},
		{"publish body shorter than its length", "POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"data\":", 400, "", true},
		{"publish malformed chunked body", "POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", 400, "chunk", false},
		{"publish over MaxPublishBytes", "POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n" + strings.Repeat("x", 2000), 413, "too large", false},
		// Engine.IO polling.
		{"eio no version", "GET /socket.io/?transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400, eioErr(5, "Unsupported protocol version"), false},
		{"eio version 3", "GET /socket.io/?EIO=3&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400, eioErr(5, "Unsupported protocol version"), false},
		{"eio version garbage", "GET /socket.io/?EIO=four&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400, eioErr(5, "Unsupported protocol version"), false},
		{"eio no transport", "GET /socket.io/?EIO=4 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400, eioErr(0, "Transport unknown"), false},
		{"eio bad transport", "GET /socket.io/?EIO=4&transport=flash HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400, eioErr(0, "Transport unknown"), false},
		{"eio unknown sid", "GET /socket.io/?EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400, eioErr(1, "Session ID unknown"), false},
		{"eio sid of garbage", "GET /socket.io/?EIO=4&transport=polling&sid=%00%FF HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400, eioErr(1, "Session ID unknown"), false},
		{"eio POST to an unknown sid", "POST /socket.io/?EIO=4&transport=polling&sid=nope HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n40", 400, eioErr(1, "Session ID unknown"), false},
		{"eio handshake by POST", "POST /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n40", 400, eioErr(2, "Bad handshake method"), false},
		{"eio PUT", "PUT /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n", 400, "", false},
		// Engine.IO WebSocket handshakes.
		{"sio ws without Upgrade", wsHandshake("GET", sio, map[string]string{"Upgrade": "-"}), 400, "", false},
		{"sio ws without a key", wsHandshake("GET", sio, map[string]string{"Sec-WebSocket-Key": "-"}), 400, "", false},
		{"sio ws version 8", wsHandshake("GET", sio, map[string]string{"Sec-WebSocket-Version": "8"}), 400, "unsupported version", false},
		{"sio ws version 3 of Engine.IO", wsHandshake("GET", "/socket.io/?EIO=3&transport=websocket", nil), 400, eioErr(5, "Unsupported protocol version"), false},
		{"sio ws unknown sid", wsHandshake("GET", sio+"&sid=nope", nil), 400, eioErr(1, "Session ID unknown"), false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := rawRequest(t, base, tt.req, tt.halfClose)
			if status != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Errorf("%d %q, want %d containing %q", status, body, tt.wantStatus, tt.wantBody)
			}
			msg := fmt.Sprintf(`{"seq":%d,"ts":1,"data":"after %s"}`, i+1, tt.name)
			publish(t, base, msg)
			good.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, got, err := good.ReadMessage(); err != nil || string(got) != msg {
				t.Fatalf("the well-behaved subscriber got %q, %v; want %s", got, err, msg)
			}
		})
	}
}
