package servers_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

// syncBuffer is a log destination the server's goroutines and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startLogged is start with the server's log kept for the test.
func startLogged(t *testing.T, cfg servers.Config) (string, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	srv := servers.New(cfg, slog.New(slog.NewTextHandler(logs, nil)))
	return servertest.Serve(t, srv), logs
}

// hit sends one request to path naming host and returns the status: for a
// WebSocket path it attempts the upgrade (101 when accepted), for a stream it
// returns once the headers are in.
func hit(t *testing.T, base, method, path, host string, header http.Header) (int, string) {
	t.Helper()
	if path == "/ws" || path == "/publish" && method == "GET" || strings.Contains(path, "transport=websocket") {
		h := http.Header{}
		for k, v := range header {
			h[k] = v
		}
		if host != "" {
			h.Set("Host", host)
		}
		d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
		c, resp, err := d.Dial(wsURL(base)+path, h)
		if err == nil {
			c.Close()
			return http.StatusSwitchingProtocols, ""
		}
		if resp == nil {
			t.Fatalf("dial %s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var body io.Reader
	if method == "POST" {
		body = strings.NewReader(`{"data":"x"}`)
	}
	req, _ := http.NewRequestWithContext(ctx, method, base+path, body)
	for k, v := range header {
		req.Header[k] = v
	}
	if host != "" {
		req.Host = host
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || (path != "/sse" && path != "/chunked") {
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	return resp.StatusCode, ""
}

// endpoints is every endpoint with the status a good request gets.
var endpoints = []struct {
	method, path string
	ok           int
}{
	{"GET", "/", 200},
	{"GET", "/app.js", 200},
	{"GET", "/healthz", 200},
	{"GET", "/stats", 200},
	{"GET", "/sse", 200},
	{"GET", "/chunked", 200},
	{"GET", "/ws", 101},
	{"GET", "/socket.io/?EIO=4&transport=polling", 200},
	{"GET", "/socket.io/?EIO=4&transport=websocket", 101},
	{"POST", "/publish", 202},
	{"GET", "/publish", 101},
}

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

func TestHostHeaderChecked(t *testing.T) {
	hosts := []struct {
		name, host string
		allowed    []string
		ok         bool
	}{
		{"listen address", "", nil, true}, // the client names 127.0.0.1:PORT
		{"localhost", "localhost:8080", nil, true},
		{"localhost with trailing dot", "LOCALHOST.:8080", nil, true},
		{"ipv6 loopback", "[::1]:8080", nil, true},
		{"other loopback ip", "127.0.0.2", nil, true},
		{"rebinding name", "evil.example:8080", nil, false},
		{"lan ip on a loopback server", "192.168.1.10:8080", nil, false},
		{"localhost lookalike", "localhost.evil.example", nil, false},
		{"allowed name", "bench.internal:8080", []string{"bench.internal"}, true},
		{"name not in the allow-list", "evil.example", []string{"bench.internal"}, false},
		{"any host", "evil.example", []string{"*"}, true},
	}
	for _, h := range hosts {
		t.Run(h.name, func(t *testing.T) {
			base, logs := startLogged(t, servers.Config{AllowedHosts: h.allowed})
			for _, e := range endpoints {
				status, body := hit(t, base, e.method, e.path, h.host, jsonHeader)
				switch {
				case h.ok && status != e.ok:
					t.Errorf("%s %s Host %q: %d %q, want %d", e.method, e.path, h.host, status, body, e.ok)
				case !h.ok && (status != http.StatusForbidden || !strings.Contains(body, "is not allowed") || !strings.Contains(body, "--allowed-hosts")):
					t.Errorf("%s %s Host %q: %d %q, want 403 naming --allowed-hosts", e.method, e.path, h.host, status, body)
				}
			}
			if logged := strings.Contains(logs.String(), "kind=host"); logged == h.ok {
				t.Errorf("hostile host logged %v for an allowed=%v host; log:\n%s", logged, h.ok, logs)
			}
		})
	}
}

func TestPublishToken(t *testing.T) {
	auth := func(v string) http.Header {
		h := jsonHeader.Clone()
		h.Set("Authorization", v)
		return h
	}
	tests := []struct {
		name   string
		token  string
		header http.Header
		want   int // for POST; the WebSocket GET gets 101 instead of 202
		reason string
	}{
		{"no token configured", "", jsonHeader, 202, ""},
		{"no token configured, any Authorization", "", auth("Bearer whatever"), 202, ""},
		{"missing", "s3cret", jsonHeader, 401, "missing token"},
		{"wrong", "s3cret", auth("Bearer nope"), 401, "wrong token"},
		{"wrong scheme", "s3cret", auth("Basic s3cret"), 401, "wrong token"},
		{"prefix of the token", "s3cret", auth("Bearer s3c"), 401, "wrong token"},
		{"right", "s3cret", auth("Bearer s3cret"), 202, ""},
		{"right, scheme in lower case", "s3cret", auth("bearer s3cret"), 202, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, logs := startLogged(t, servers.Config{PublishToken: tt.token})
			for _, method := range []string{"POST", "GET"} {
				want := tt.want
				if method == "GET" && want == 202 {
					want = 101
				}
				status, body := hit(t, base, method, "/publish", "", tt.header)
				if status != want || !strings.Contains(body, tt.reason) {
					t.Errorf("%s /publish: %d %q, want %d %q", method, status, body, want, tt.reason)
				}
			}
			if logged := strings.Contains(logs.String(), "kind=token"); logged != (tt.want == 401) {
				t.Errorf("token refusal logged %v; log:\n%s", logged, logs)
			}
			// The streams stay open to anyone: the token guards publishing only.
			if status, _ := hit(t, base, "GET", "/stats", "", nil); status != 200 {
				t.Errorf("/stats %d without a token", status)
			}
		})
	}
	t.Run("token checked before content type", func(t *testing.T) {
		base, _ := startLogged(t, servers.Config{PublishToken: "s3cret"})
		if status, _ := hit(t, base, "POST", "/publish", "", http.Header{"Content-Type": {"text/plain"}}); status != 401 {
			t.Fatalf("status %d, want 401 before 415", status)
		}
	})
}

// rawPublish writes a hand-made POST /publish (head ends with the blank line)
// and returns the status line and body of the answer.
func rawPublish(t *testing.T, base, head, body string) (string, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, head+body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.Status, string(b)
}

func TestPublishBodyReadErrors(t *testing.T) {
	const chunked = "POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
	tests := []struct {
		name, head, body string
		status, reason   string
		kind             string
	}{
		{"bad chunk size line", chunked, "zz\r\n{}\r\n0\r\n\r\n", "400 Bad Request", "read body", "publish-malformed"},
		{"chunk size overflowing", chunked, "ffffffffffffffffff\r\n", "400 Bad Request", "read body", "publish-malformed"},
		{"chunked over the limit", chunked, "80\r\n" + strings.Repeat("x", 128) + "\r\n0\r\n\r\n", "413 Request Entity Too Large", "body over 64 bytes", "publish-too-large"},
		{"length over the limit", "POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n",
			strings.Repeat("x", 100), "413 Request Entity Too Large", "body over 64 bytes", "publish-too-large"},
		{"good chunked", chunked, "c\r\n{\"data\":\"x\"}\r\n0\r\n\r\n", "202 Accepted", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, logs := startLogged(t, servers.Config{MaxPublishBytes: 64})
			status, body := rawPublish(t, base, tt.head, tt.body)
			if status != tt.status || !strings.Contains(body, tt.reason) {
				t.Fatalf("%s %q, want %s %q", status, body, tt.status, tt.reason)
			}
			if tt.kind != "" && !strings.Contains(logs.String(), "kind="+tt.kind) {
				t.Fatalf("not logged as %s:\n%s", tt.kind, logs)
			}
		})
	}
}

func TestHostileInputLoggedAtWarn(t *testing.T) {
	base, logs := startLogged(t, servers.Config{})
	if resp, err := client.Get(base + "/ws"); err == nil { // not an upgrade
		resp.Body.Close()
	}
	hit(t, base, "POST", "/publish", "", http.Header{"Content-Type": {"text/plain"}})
	pub := dialWS(t, wsURL(base)+"/publish", nil)
	pub.WriteMessage(websocket.TextMessage, []byte("nope"))
	closeCode(t, pub)
	defer func() {
		if t.Failed() {
			t.Log(logs)
		}
	}()
	eventually(t, "three kinds logged", func() bool {
		l := logs.String()
		return strings.Contains(l, "kind=ws-upgrade") && strings.Contains(l, "kind=content-type") && strings.Contains(l, "kind=publish-malformed")
	})
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(line, "hostile") && (!strings.Contains(line, "level=WARN") || !strings.Contains(line, "remote=127.0.0.1:")) {
			t.Fatalf("hostile input line without level WARN or the remote address: %s", line)
		}
	}
}

// fakeListener is a listener claiming addr that never accepts, for checks a
// real non-loopback bind would need.
type fakeListener struct {
	addr   net.Addr
	closed chan struct{}
	once   sync.Once
}

func newFakeListener(ip string) *fakeListener {
	return &fakeListener{addr: &net.TCPAddr{IP: net.ParseIP(ip), Port: 8080}, closed: make(chan struct{})}
}

func (l *fakeListener) Accept() (net.Conn, error) {
	<-l.closed
	return nil, net.ErrClosed
}

func (l *fakeListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *fakeListener) Addr() net.Addr { return l.addr }

func TestServeExposure(t *testing.T) {
	tests := []struct {
		name, ip, token string
		refused, warned bool
	}{
		{"loopback without token", "127.0.0.1", "", false, false},
		{"ipv6 loopback with token", "::1", "t", false, false},
		{"all interfaces without token", "0.0.0.0", "", true, false},
		{"ipv6 all interfaces without token", "::", "", true, false},
		{"lan address without token", "192.168.1.10", "", true, false},
		{"all interfaces with token", "0.0.0.0", "t", false, true},
		{"ipv6 all interfaces with token", "::", "t", false, true},
		{"lan address with token", "192.168.1.10", "t", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &syncBuffer{}
			srv := servers.New(servers.Config{PublishToken: tt.token}, slog.New(slog.NewTextHandler(logs, nil)))
			ctx, cancel := context.WithCancel(context.Background())
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ctx, newFakeListener(tt.ip)) }()
			if !tt.refused {
				eventually(t, "Serve logging its start", func() bool { return tt.warned == strings.Contains(logs.String(), "all interfaces") })
				time.Sleep(50 * time.Millisecond) // a refusal would have arrived by now
				cancel()
			}
			err := recv(t, served, "Serve's return")
			cancel()
			if refused := errors.Is(err, servers.ErrTokenRequired); refused != tt.refused || (!tt.refused && err != nil) {
				t.Fatalf("Serve: %v, want refused=%v", err, tt.refused)
			}
			if warned := strings.Contains(logs.String(), "level=WARN msg=\"listening on all interfaces"); warned != tt.warned {
				t.Fatalf("warned %v, want %v; log:\n%s", warned, tt.warned, logs)
			}
		})
	}
}

// stallClient opens path with a raw request and never reads, so the server's
// writes to it back up until they block.
func stallClient(t *testing.T, addr, request string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestShutdownWithStalledClientsSucceeds(t *testing.T) {
	logs := &syncBuffer{}
	srv := servers.New(servers.Config{ShutdownTimeout: 300 * time.Millisecond, QueueLen: 2, MaxPublishBytes: 4 << 20},
		slog.New(slog.NewTextHandler(logs, nil)))
	addr, stop := serveLoopback(t, srv)
	stalled := []net.Conn{
		stallClient(t, addr, "GET /sse HTTP/1.1\r\nHost: "+addr+"\r\n\r\n"),
		stallClient(t, addr, "GET /ws HTTP/1.1\r\nHost: "+addr+"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"),
	}
	waitSubscribers(t, srv, 2)
	// Publish until both subscribers have messages dropped: their writers are
	// blocked on sockets nobody reads.
	began, published := time.Now(), 0
	big := `{"data":"` + strings.Repeat("x", 1<<20) + `"}`
	for i := 0; srv.Hub().Stats().Dropped < 8; i++ {
		if i == 100 {
			t.Fatalf("subscribers not backed up after %d publishes: %+v", i, srv.Hub().Stats())
		}
		publish(t, "http://"+addr, big)
		published = i + 1
	}
	t.Logf("backed up after %d publishes, %s", published, time.Since(began).Round(time.Millisecond))
	began = time.Now()
	if err := recv(t, stop(), "Serve's return after shutdown"); err != nil {
		t.Fatalf("Serve: %v, want nil: force-closing stalled clients is a clean shutdown", err)
	}
	t.Logf("shutdown took %s with a %s timeout", time.Since(began).Round(time.Millisecond), 300*time.Millisecond)
	if !strings.Contains(logs.String(), "force-closed") || !strings.Contains(logs.String(), "connections=2") {
		t.Fatalf("no force-close warning:\n%s", logs)
	}
	defer func() { t.Logf("stalled clients drained in %s", time.Since(began).Round(time.Millisecond)) }()
	for i, c := range stalled {
		// The server closed its end: reading what is buffered ends in EOF or reset.
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if n, err := io.Copy(io.Discard, c); err != nil && errors.Is(err, errTimeout(err)) {
			t.Fatalf("stalled client %d still open after shutdown (read %d bytes): %v\n%s", i, n, err, logs)
		}
	}
}

// errTimeout returns err when it is a timeout, else a distinct sentinel.
func errTimeout(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return err
	}
	return errNotTimeout
}

var errNotTimeout = errors.New("not a timeout")
