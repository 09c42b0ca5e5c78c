package servers_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/internal/wire"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func start(t *testing.T, cfg servers.Config) (*servers.Server, string) {
	t.Helper()
	return servertest.Start(t, cfg)
}

func wsURL(u string) string { return "ws" + strings.TrimPrefix(u, "http") }

func TestBadRequests(t *testing.T) {
	_, base := start(t, servers.Config{MaxPublishBytes: 64})
	const json = "application/json"
	tests := []struct {
		name, method, path, contentType, body string
		wantStatus                            int
		wantBody                              string
	}{
		{"unknown path", "GET", "/nope", "", "", 404, ""},
		{"POST to sse", "POST", "/sse", "", "", 405, ""},
		{"PUT to chunked", "PUT", "/chunked", "", "", 405, ""},
		{"DELETE to ws", "DELETE", "/ws", "", "", 405, ""},
		{"plain GET to ws", "GET", "/ws", "", "", 400, "'upgrade' token not found"},
		{"publish garbage", "POST", "/publish", json, "not json", 400, "invalid envelope"},
		{"publish unknown field", "POST", "/publish", json, `{"sq":1}`, 400, "unknown field"},
		{"publish event with newline", "POST", "/publish", json, `{"event":"a\nb"}`, 400, "line break"},
		{"publish too large", "POST", "/publish", json, `{"data":"` + strings.Repeat("x", 100) + `"}`, 413, "body over 64 bytes"},
		{"publish ok", "POST", "/publish", json, `{"data":"x"}`, 202, ""},
		{"publish json with charset", "POST", "/publish", "application/json; charset=utf-8", `{"data":"x"}`, 202, ""},
		// A browser page on another origin may POST these without a preflight.
		{"publish without content type", "POST", "/publish", "", `{"data":"x"}`, 415, "send Content-Type: application/json"},
		{"publish text/plain", "POST", "/publish", "text/plain;charset=UTF-8", `{"data":"x"}`, 415, `content type "text/plain;charset=UTF-8"`},
		{"publish form", "POST", "/publish", "application/x-www-form-urlencoded", `{"data":"x"}`, 415, "application/json"},
		{"publish multipart", "POST", "/publish", "multipart/form-data; boundary=x", `{"data":"x"}`, 415, "application/json"},
		{"publish json lookalike", "POST", "/publish", "application/jsonx", `{"data":"x"}`, 415, "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, base+tt.path, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
				t.Fatalf("%s %s: %d %q, want %d containing %q", tt.method, tt.path, resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

// openStream GETs a stream and returns the response and a reader over it.
func openStream(t *testing.T, url string, header http.Header) (*http.Response, *bufio.Reader) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp, bufio.NewReader(resp.Body)
}

func publish(t *testing.T, base, body string) {
	t.Helper()
	resp, err := client.Post(base+"/publish", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Fatalf("publish: %s", resp.Status)
	}
}

func waitSubscribers(t *testing.T, srv *servers.Server, n int64) {
	t.Helper()
	eventually(t, fmt.Sprintf("%d subscribers", n), func() bool { return srv.Hub().Stats().Subscribers == n })
}

func TestStreamHeadersAndFraming(t *testing.T) {
	tests := []struct {
		path, contentType, preamble, frame string
	}{
		{"/chunked", "application/x-ndjson", "\n", `{"seq":5,"ts":6,"topic":"t","data":"hi"}` + "\n"},
		{"/sse", "text/event-stream; charset=utf-8", "retry: 2000\n\n", "id: 1704067200000001\ndata: " + `{"seq":5,"ts":6,"topic":"t","data":"hi"}` + "\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			// On the fake clock the server starts at 2024-01-01T00:00:00Z, so
			// its first SSE event id is that instant in Unix microseconds + 1.
			srv, _, base := startClocked(t, servers.Config{})
			resp, r := openStream(t, base+tt.path, nil)
			h := resp.Header
			if h.Get("Content-Type") != tt.contentType || h.Get("X-Content-Type-Options") != "nosniff" ||
				h.Get("Cache-Control") != "no-store" || h.Get("X-Accel-Buffering") != "no" {
				t.Fatalf("headers %v", h)
			}
			if resp.ContentLength != -1 || len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
				t.Fatalf("content length %d, transfer encoding %v: want a chunked stream", resp.ContentLength, resp.TransferEncoding)
			}
			if h.Get("Access-Control-Allow-Origin") != "" {
				t.Fatalf("cross-origin allowed by default")
			}
			waitSubscribers(t, srv, 1)
			publish(t, base, `{"seq":5,"ts":6,"topic":"t","data":"hi"}`)
			want := tt.preamble + tt.frame
			got := make([]byte, len(want))
			if _, err := io.ReadFull(r, got); err != nil || string(got) != want {
				t.Fatalf("stream %q (%v), want %q", got, err, want)
			}
		})
	}
}

func TestHeartbeats(t *testing.T) {
	tests := []struct{ path, want string }{
		{"/sse", ": heartbeat\n\n"},
		{"/chunked", "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			cfg := servers.Config{Heartbeat: 15 * time.Second, SSERetry: 1500 * time.Millisecond}
			_, clk, base := startClocked(t, cfg)
			_, r := openStream(t, base+tt.path, nil)
			read := func(want string) {
				t.Helper()
				got := make([]byte, len(want))
				if _, err := io.ReadFull(r, got); err != nil || string(got) != want {
					t.Fatalf("got %q (%v), want %q", got, err, want)
				}
			}
			read(map[string]string{"/sse": "retry: 1500\n\n", "/chunked": "\n"}[tt.path])
			for range 2 {
				clk.WaitTimer(t, cfg.Heartbeat)
				clk.Advance(cfg.Heartbeat)
				read(tt.want)
			}
		})
	}
}

func TestCORS(t *testing.T) {
	tests := []struct {
		allowed []string
		origin  string
		want    string
	}{
		{nil, "https://a.example", ""},
		{[]string{"https://a.example"}, "https://a.example", "https://a.example"},
		{[]string{"https://a.example"}, "https://evil.example", ""},
		{[]string{"*"}, "https://any.example", "*"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.allowed, ",")+"<-"+tt.origin, func(t *testing.T) {
			_, base := start(t, servers.Config{CORSOrigins: tt.allowed})
			resp, _ := openStream(t, base+"/sse", http.Header{"Origin": {tt.origin}})
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tt.want {
				t.Fatalf("Access-Control-Allow-Origin %q, want %q", got, tt.want)
			}
		})
	}
}

func dialWS(t *testing.T, url string, header http.Header) *websocket.Conn {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial(url, header)
	if err != nil {
		status := ""
		if resp != nil {
			status = resp.Status
		}
		t.Fatalf("dial %s: %v %s", url, err, status)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closeCode reads until the connection fails and returns the close code the
// server sent.
func closeCode(t *testing.T, c *websocket.Conn) int {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		t.Fatalf("read ended without a close frame: %v", err)
	}
}

func TestWebSocketMisbehavingClientIsClosedOthersServed(t *testing.T) {
	tests := []struct {
		name     string
		kind     int
		payload  []byte
		wantCode int
	}{
		{"invalid UTF-8 text", websocket.TextMessage, []byte{'a', 0xff, 0xfe}, websocket.CloseInvalidFramePayloadData},
		{"over the read limit", websocket.BinaryMessage, make([]byte, 2048), websocket.CloseMessageTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, base := start(t, servers.Config{WSReadLimit: 1024})
			good := dialWS(t, wsURL(base)+"/ws", nil)
			bad := dialWS(t, wsURL(base)+"/ws", nil)
			waitSubscribers(t, srv, 2)
			if err := bad.WriteMessage(tt.kind, tt.payload); err != nil {
				t.Fatal(err)
			}
			if code := closeCode(t, bad); code != tt.wantCode {
				t.Fatalf("close code %d, want %d", code, tt.wantCode)
			}
			publish(t, base, `{"seq":1,"ts":1,"data":"still here"}`)
			good.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, msg, err := good.ReadMessage()
			if err != nil || !strings.Contains(string(msg), "still here") {
				t.Fatalf("well-behaved client got %q, %v", msg, err)
			}
		})
	}
}

func TestWebSocketEcho(t *testing.T) {
	_, base := start(t, servers.Config{})
	c := dialWS(t, wsURL(base)+"/ws", nil)
	for _, msg := range []string{"hello", "✓ utf-8", `{"seq":1}`} {
		if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, got, err := c.ReadMessage()
		if err != nil || string(got) != msg {
			t.Fatalf("echo %q, %v; want %q", got, err, msg)
		}
	}
}

func TestWebSocketOriginAllowList(t *testing.T) {
	tests := []struct {
		allowed []string
		origin  string
		ok      bool
	}{
		{nil, "http://evil.example", false},
		{[]string{"app.example"}, "https://app.example", true},
		{[]string{"https://app.example"}, "https://app.example", true},
		{[]string{"app.example"}, "https://evil.example", false},
		{[]string{"*"}, "https://evil.example", true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.allowed, ",")+"<-"+tt.origin, func(t *testing.T) {
			_, base := start(t, servers.Config{WSOrigins: tt.allowed})
			c, resp, err := websocket.DefaultDialer.Dial(wsURL(base)+"/ws", http.Header{"Origin": {tt.origin}})
			if tt.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				c.Close()
				return
			}
			if err == nil {
				c.Close()
				t.Fatal("origin accepted")
			}
			if resp == nil || resp.StatusCode != 403 {
				t.Fatalf("want 403, got %v", resp)
			}
		})
	}
}

func TestWebSocketSilentClientIsClosed(t *testing.T) {
	_, base := start(t, servers.Config{PingInterval: 20 * time.Millisecond, PongTimeout: 100 * time.Millisecond})
	// A raw TCP client that completes the handshake and then never answers a
	// ping: the server must give up on it.
	u := strings.TrimPrefix(base, "http://")
	conn, err := net.Dial("tcp", u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: "+u+"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(conn)
	status, _ := r.ReadString('\n')
	if !strings.HasPrefix(status, "HTTP/1.1 101") {
		t.Fatalf("status %q", status)
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "Sec-WebSocket-Accept:") && strings.TrimSpace(line) != "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
			t.Fatalf("accept header %q", line)
		}
		if line == "\r\n" {
			break
		}
	}
	// Read frames until the server closes the TCP connection.
	if _, err := io.Copy(io.Discard, r); err != nil {
		t.Fatalf("connection not closed by the server: %v", err)
	}
}

// serveLoopback runs srv.Serve on a loopback port, as the serve command does;
// stop cancels it and returns where Serve's result will arrive.
func serveLoopback(t *testing.T, srv *servers.Server) (addr string, stop func() <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	return ln.Addr().String(), func() <-chan error {
		cancel()
		return served
	}
}

func TestGracefulShutdown(t *testing.T) {
	srv := servers.New(servers.Config{}, quiet)
	addr, stop := serveLoopback(t, srv)
	base := "http://" + addr
	ws := dialWS(t, wsURL(base)+"/ws", nil)
	_, sse := openStream(t, base+"/sse", nil)
	_, chunked := openStream(t, base+"/chunked", nil)
	sio := dialWS(t, wsURL(base)+"/socket.io/?EIO=4&transport=websocket", nil)
	sio.WriteMessage(websocket.TextMessage, []byte("40"))
	poll := openPolling(t, base)
	poll.post("40")
	if got := normalize(poll.get()); got != `40{"sid":"SID"}` {
		t.Fatalf("polling connect %q", got)
	}
	waitSubscribers(t, srv, 5)
	pending := make(chan string, 1)
	go func() {
		resp, err := client.Get(poll.base + "&sid=" + poll.sid)
		if err != nil {
			pending <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		pending <- string(b)
	}()
	eventually(t, "poll waiting on the server", func() bool { return srv.PollWaiting(poll.sid) })

	stopped := stop()
	if code := closeCode(t, ws); code != websocket.CloseGoingAway {
		t.Fatalf("websocket close code %d, want 1001", code)
	}
	if code := closeCode(t, sio); code != websocket.CloseGoingAway {
		t.Fatalf("socket.io websocket close code %d, want 1001", code)
	}
	if got := recv(t, pending, "pending socket.io poll"); got != "1" {
		t.Fatalf("pending socket.io poll answered %q, want the close packet 1", got)
	}
	for name, r := range map[string]*bufio.Reader{"sse": sse, "chunked": chunked} {
		if _, err := io.Copy(io.Discard, r); err != nil {
			t.Fatalf("%s stream did not end cleanly: %v", name, err)
		}
	}
	if err := recv(t, stopped, "Serve's return after shutdown"); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := client.Get(base + "/healthz"); err == nil {
		t.Fatal("server still accepting after shutdown")
	}
}

func TestPublishOverWebSocket(t *testing.T) {
	srv, base := start(t, servers.Config{})
	sub := dialWS(t, wsURL(base)+"/ws", nil)
	waitSubscribers(t, srv, 1)
	pub := dialWS(t, wsURL(base)+"/publish", nil)
	env := wire.Envelope{Seq: 42, TS: 7, Topic: "t", Data: "d"}
	if err := pub.WriteMessage(websocket.TextMessage, env.AppendJSON(nil)); err != nil {
		t.Fatal(err)
	}
	sub.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, msg, err := sub.ReadMessage()
	if err != nil || string(msg) != string(env.AppendJSON(nil)) {
		t.Fatalf("got %q, %v", msg, err)
	}
	// A publisher sending garbage is closed with 1007.
	if err := pub.WriteMessage(websocket.TextMessage, []byte("nope")); err != nil {
		t.Fatal(err)
	}
	if code := closeCode(t, pub); code != websocket.CloseInvalidFramePayloadData {
		t.Fatalf("close code %d, want 1007", code)
	}
}

func TestBuiltInGenerator(t *testing.T) {
	addr, stop := serveLoopback(t, servers.New(servers.Config{Rate: 100, PayloadBytes: 10}, quiet))
	defer func() { recv(t, stop(), "Serve's return") }()
	ws := dialWS(t, "ws://"+addr+"/ws", nil)
	var last uint64
	for range 5 {
		ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		env, err := wire.DecodeEnvelope(msg)
		if err != nil || env.Topic != "demo" || len(env.Data) != 10 || env.Seq <= last {
			t.Fatalf("generated %s (%v) after seq %d", msg, err, last)
		}
		last = env.Seq
	}
}
