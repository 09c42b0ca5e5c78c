package servers_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

// eioClient drives the Engine.IO polling transport by hand, byte for byte.
type eioClient struct {
	t    *testing.T
	base string // http://host/socket.io/?EIO=4&transport=polling
	sid  string
}

// do makes one request. It never calls t.Fatal, so goroutines may use it; a
// transport error comes back as status 0 with the error as the body.
func (c *eioClient) do(method, url, body string) (int, string, http.Header) {
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := client.Do(req)
	if err != nil {
		return 0, err.Error(), nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

var handshakeRE = regexp.MustCompile(`^0\{"sid":"([A-Za-z0-9_-]{20})","upgrades":\["websocket"\],"pingInterval":\d+,"pingTimeout":\d+,"maxPayload":\d+\}$`)

func openPolling(t *testing.T, base string) *eioClient {
	t.Helper()
	c := &eioClient{t: t, base: base + "/socket.io/?EIO=4&transport=polling"}
	status, body, h := c.do("GET", c.base, "")
	m := handshakeRE.FindStringSubmatch(body)
	if status != 200 || m == nil || h.Get("Content-Type") != "text/plain; charset=UTF-8" {
		t.Fatalf("handshake %d %q %v", status, body, h)
	}
	c.sid = m[1]
	return c
}

func (c *eioClient) post(body string) {
	c.t.Helper()
	status, got, h := c.do("POST", c.base+"&sid="+c.sid, body)
	if status != 200 || got != "ok" || h.Get("Content-Type") != "text/html" {
		c.t.Fatalf("POST %q: %d %q", body, status, got)
	}
}

func (c *eioClient) get() string {
	c.t.Helper()
	status, body, _ := c.do("GET", c.base+"&sid="+c.sid, "")
	if status != 200 {
		c.t.Fatalf("GET: %d %q", status, body)
	}
	return body
}

var sidRE = regexp.MustCompile(`"sid":"[A-Za-z0-9_-]{20}"`)

// normalize replaces random session ids so frames compare byte for byte.
func normalize(s string) string { return sidRE.ReplaceAllString(s, `"sid":"SID"`) }

func TestEngineIOHandshakeDefaults(t *testing.T) {
	_, base := start(t, servers.Config{})
	c := &eioClient{t: t}
	_, body, _ := c.do("GET", base+"/socket.io/?EIO=4&transport=polling", "")
	want := `0{"sid":"SID","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`
	if got := normalize(body); got != want {
		t.Fatalf("handshake %q, want %q", got, want)
	}
}

func TestEngineIOErrors(t *testing.T) {
	_, base := start(t, servers.Config{})
	tests := []struct {
		name, method, query, want string
	}{
		{"old protocol", "GET", "EIO=3&transport=polling", `{"code":5,"message":"Unsupported protocol version"}`},
		{"no protocol", "GET", "transport=polling", `{"code":5,"message":"Unsupported protocol version"}`},
		{"unknown transport", "GET", "EIO=4&transport=flash", `{"code":0,"message":"Transport unknown"}`},
		{"unknown sid", "GET", "EIO=4&transport=polling&sid=nope", `{"code":1,"message":"Session ID unknown"}`},
		{"handshake by POST", "POST", "EIO=4&transport=polling", `{"code":2,"message":"Bad handshake method"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &eioClient{t: t}
			status, body, h := c.do(tt.method, base+"/socket.io/?"+tt.query, "")
			if status != 400 || strings.TrimSpace(body) != tt.want || h.Get("Content-Type") != "application/json" {
				t.Fatalf("%d %q %v, want 400 %s", status, body, h.Get("Content-Type"), tt.want)
			}
		})
	}
}

func TestSocketIOPollingFrames(t *testing.T) {
	srv, base := start(t, servers.Config{})
	c := openPolling(t, base)
	steps := []struct{ send, want string }{
		{"40", `40{"sid":"SID"}`},
		{`4212["echo","x"]`, `4312["x"]`},
		{`42["echo",1]`, `42["echo",1]`},
		{"451-[\"echo\",{\"_placeholder\":true,\"num\":0}]\x1ebAQID", "451-[\"echo\",{\"_placeholder\":true,\"num\":0}]\x1ebAQID"},
		{"451-13[\"echo\",{\"_placeholder\":true,\"num\":0}]\x1ebAQID", "461-13[{\"_placeholder\":true,\"num\":0}]\x1ebAQID"},
		{`40/admin,{"token":"no"}`, `44/admin,{"message":"Not authorized","data":{"reason":"token"}}`},
		{`42/admin,14["echo","ignored: not connected"]` + "\x1e" + `40/admin,{"token":"ok"}`, `40/admin,{"sid":"SID"}`},
		{`42/admin,13["echo","bar"]`, `43/admin,13["bar"]`},
		{`40/nope,`, `44/nope,{"message":"Invalid namespace"}`},
		{"4212[\"echo\",\"a\"]\x1e4213[\"echo\",\"b\"]", "4312[\"a\"]\x1e4313[\"b\"]"},
	}
	for _, s := range steps {
		c.post(s.send)
		if got := normalize(c.get()); got != s.want {
			t.Fatalf("sent %q: got %q, want %q", s.send, got, s.want)
		}
	}
	// A broadcast reaches the "/" socket as the event msg.
	publish(t, base, `{"seq":3,"ts":4,"topic":"t","data":"d"}`)
	if got := c.get(); got != `42["msg",{"seq":3,"ts":4,"topic":"t","data":"d"}]` {
		t.Fatalf("broadcast frame %q", got)
	}
	// After DISCONNECT the socket gets no more broadcasts.
	c.post("41")
	waitSubscribers(t, srv, 0)
}

func TestSocketIOWebSocketFrames(t *testing.T) {
	_, base := start(t, servers.Config{})
	ws := dialWS(t, wsURL(base)+"/socket.io/?EIO=4&transport=websocket", nil)
	read := func() (int, string) {
		t.Helper()
		ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		kind, b, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		return kind, normalize(string(b))
	}
	if _, got := read(); got != `0{"sid":"SID","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}` {
		t.Fatalf("open frame %q", got)
	}
	for _, s := range []struct{ send, want string }{
		{"40", `40{"sid":"SID"}`},
		{`4212["echo","x"]`, `4312["x"]`},
	} {
		ws.WriteMessage(websocket.TextMessage, []byte(s.send))
		if _, got := read(); got != s.want {
			t.Fatalf("sent %q: got %q, want %q", s.send, got, s.want)
		}
	}
	// Binary attachments travel as raw binary frames.
	ws.WriteMessage(websocket.TextMessage, []byte(`451-7["echo",{"_placeholder":true,"num":0}]`))
	ws.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3})
	if _, got := read(); got != `461-7[{"_placeholder":true,"num":0}]` {
		t.Fatalf("binary ack %q", got)
	}
	if kind, got := read(); kind != websocket.BinaryMessage || got != "\x01\x02\x03" {
		t.Fatalf("attachment %d %q", kind, got)
	}
	publish(t, base, `{"seq":1,"ts":2,"data":"x"}`)
	if _, got := read(); got != `42["msg",{"seq":1,"ts":2,"data":"x"}]` {
		t.Fatalf("broadcast %q", got)
	}
}

func TestSocketIOUpgrade(t *testing.T) {
	srv, base := start(t, servers.Config{})
	c := openPolling(t, base)
	c.post("40")
	if got := normalize(c.get()); got != `40{"sid":"SID"}` {
		t.Fatalf("connect %q", got)
	}
	pending := make(chan string, 1)
	go func() { _, body, _ := c.do("GET", c.base+"&sid="+c.sid, ""); pending <- body }()
	ws := dialWS(t, wsURL(base)+"/socket.io/?EIO=4&transport=websocket&sid="+c.sid, nil)
	ws.WriteMessage(websocket.TextMessage, []byte("2probe"))
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, b, err := ws.ReadMessage(); err != nil || string(b) != "3probe" {
		t.Fatalf("probe answer %q %v", b, err)
	}
	if got := recv(t, pending, "pending poll"); got != "6" {
		t.Fatalf("pending poll answered %q, want the noop 6", got)
	}
	ws.WriteMessage(websocket.TextMessage, []byte("5"))
	waitSubscribers(t, srv, 1)
	publish(t, base, `{"seq":9,"ts":9,"data":"over ws"}`)
	if _, b, err := ws.ReadMessage(); err != nil || string(b) != `42["msg",{"seq":9,"ts":9,"data":"over ws"}]` {
		t.Fatalf("after upgrade %q %v", b, err)
	}
	// Polling is over for this session.
	if status, _, _ := c.do("GET", c.base+"&sid="+c.sid, ""); status != 400 {
		t.Fatalf("poll after upgrade: %d", status)
	}
}

// startClocked runs a server whose timers are on a fake clock.
func startClocked(t *testing.T, cfg servers.Config) (*servers.Server, *servers.FakeClock, string) {
	t.Helper()
	clk := servers.NewFakeClock()
	srv := servers.NewWithClock(cfg, quiet, clk)
	return srv, clk, servertest.Serve(t, srv)
}

// waitGone polls the session until the server no longer knows it; a poll
// pending while it closes is answered with the close packet first.
func waitGone(t *testing.T, c *eioClient) {
	t.Helper()
	for range 2 {
		status, body, _ := c.do("GET", c.base+"&sid="+c.sid, "")
		if status == 400 && strings.Contains(body, `"code":1`) {
			return
		}
		if status != 200 || body != "1" {
			t.Fatalf("session still alive: %d %q", status, body)
		}
	}
	t.Fatal("session still known after its close packet")
}

func TestEngineIOHeartbeat(t *testing.T) {
	cfg := servers.Config{SocketIO: servers.SocketIOConfig{PingInterval: 25 * time.Second, PingTimeout: 20 * time.Second}}
	t.Run("answered pings keep the session", func(t *testing.T) {
		_, clk, base := startClocked(t, cfg)
		c := openPolling(t, base)
		c.post("40") // joined, so the connect timeout does not end it
		if got := normalize(c.get()); got != `40{"sid":"SID"}` {
			t.Fatalf("connect %q", got)
		}
		for range 5 {
			clk.WaitTimer(t, cfg.SocketIO.PingInterval)
			clk.Advance(cfg.SocketIO.PingInterval)
			if got := c.get(); got != "2" {
				t.Fatalf("expected a ping, got %q", got)
			}
			c.post("3")
			// The pong re-arms the interval; the timeout never expires.
		}
		clk.WaitTimer(t, cfg.SocketIO.PingInterval)
		c.post("6") // a noop: the session outlived five ping timeouts' worth of time
	})
	t.Run("a missed pong ends the session", func(t *testing.T) {
		_, clk, base := startClocked(t, cfg)
		c := openPolling(t, base)
		c.post("6") // in use, so the handshake timeout does not end it
		clk.WaitTimer(t, cfg.SocketIO.PingInterval)
		clk.Advance(cfg.SocketIO.PingInterval)
		if got := c.get(); got != "2" {
			t.Fatalf("expected a ping, got %q", got)
		}
		clk.WaitTimer(t, cfg.SocketIO.PingTimeout)
		clk.Advance(cfg.SocketIO.PingTimeout - time.Millisecond)
		c.post("6") // a noop: still alive just before the timeout
		clk.Advance(time.Millisecond)
		waitGone(t, c)
	})
}

func TestEngineIOConnectTimeout(t *testing.T) {
	// Pings far apart, so only the connect timeout fires.
	cfg := servers.Config{SocketIO: servers.SocketIOConfig{ConnectTimeout: 45 * time.Second, PingInterval: time.Hour}}
	_, clk, base := startClocked(t, cfg)
	joined := openPolling(t, base)
	joined.post("40")
	idle := openPolling(t, base)
	idle.post("6") // in use, so the handshake timeout does not end it
	clk.Advance(cfg.SocketIO.ConnectTimeout - time.Millisecond)
	idle.post("6")                // a noop: the session is still there just before its timeout
	clk.Advance(time.Millisecond) // the AfterFunc runs before Advance returns
	if status, _, _ := idle.do("GET", idle.base+"&sid="+idle.sid, ""); status != 400 {
		t.Fatalf("a session that never sent CONNECT survived: %d", status)
	}
	if got := normalize(joined.get()); got != `40{"sid":"SID"}` {
		t.Fatalf("joined session got %q", got)
	}
}

func TestEngineIOMisbehavingClients(t *testing.T) {
	tests := []struct {
		name string
		act  func(srv *servers.Server, c *eioClient) (int, string)
	}{
		{"ping from client", func(_ *servers.Server, c *eioClient) (int, string) {
			status, body, _ := c.do("POST", c.base+"&sid="+c.sid, "2")
			return status, body
		}},
		{"garbage packet", func(_ *servers.Server, c *eioClient) (int, string) {
			return statusOf(c.do("POST", c.base+"&sid="+c.sid, "9x"))
		}},
		{"invalid socket.io packet", func(_ *servers.Server, c *eioClient) (int, string) {
			return statusOf(c.do("POST", c.base+"&sid="+c.sid, `42["connect"]`))
		}},
		{"payload over maxPayload", func(_ *servers.Server, c *eioClient) (int, string) {
			return statusOf(c.do("POST", c.base+"&sid="+c.sid, "4"+strings.Repeat("x", 2000)))
		}},
		{"overlapping polls", func(srv *servers.Server, c *eioClient) (int, string) {
			first := make(chan struct{})
			go func() { defer close(first); c.do("GET", c.base+"&sid="+c.sid, "") }()
			eventually(c.t, "first poll waiting", func() bool { return srv.PollWaiting(c.sid) })
			defer recv(c.t, first, "first poll's answer")
			return statusOf(c.do("GET", c.base+"&sid="+c.sid, ""))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, base := start(t, servers.Config{SocketIO: servers.SocketIOConfig{MaxPayload: 1000}})
			good := openPolling(t, base)
			c := openPolling(t, base)
			tt.act(srv, c)
			// The misbehaving session is gone ...
			if status, body, _ := c.do("GET", c.base+"&sid="+c.sid, ""); status != 400 || !strings.Contains(body, `"code":1`) {
				t.Fatalf("session survived: %d %q", status, body)
			}
			// ... and the other client is still served.
			good.post(`40`)
			if got := normalize(good.get()); got != `40{"sid":"SID"}` {
				t.Fatalf("other client got %q", got)
			}
		})
	}
}

func statusOf(status int, body string, _ http.Header) (int, string) { return status, body }
