package servers_test

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/servers"
)

// joinedPolling opens a polling session that has joined "/".
func joinedPolling(t *testing.T, base string) *eioClient {
	t.Helper()
	c := openPolling(t, base)
	c.post("40")
	if got := normalize(c.get()); got != `40{"sid":"SID"}` {
		t.Fatalf("connect %q", got)
	}
	return c
}

// TestEngineIOSessionThatNeverPollsStaysBounded: what waits for a session
// that never polls (broadcasts, or replies to events it posts) stays within
// queue-bytes plus one message, with the slow policy applied past it, while a
// well-behaved session gets every message.
func TestEngineIOSessionThatNeverPollsStaysBounded(t *testing.T) {
	const (
		queueBytes = 256 << 10
		size       = 64 << 10
		limit      = queueBytes + size + 64 // + one message and its framing
	)
	t.Run("broadcasts", func(t *testing.T) {
		srv, base := start(t, servers.Config{QueueBytes: queueBytes})
		idle := joinedPolling(t, base)
		good := joinedPolling(t, base)
		for i := 1; i <= 40; i++ {
			publish(t, base, bigEnvelope(i, size))
			if got := good.get(); !strings.Contains(got, fmt.Sprintf(`{"seq":%d,`, i)) {
				t.Fatalf("well-behaved session got %.60q, want seq %d", got, i)
			}
			if p := srv.EngineIOPending(idle.sid); p > limit {
				t.Fatalf("after %d messages the idle session holds %d bytes, over %d", i, p, limit)
			}
		}
		if st := srv.Hub().Stats(); st.Dropped == 0 || st.OverBytes == 0 {
			t.Fatalf("stats %+v: want the idle session's drops counted", st)
		}
		t.Logf("idle session holds %d bytes (bound %d)", srv.EngineIOPending(idle.sid), limit)
	})
	for _, policy := range []servers.SlowPolicy{servers.SlowDrop, servers.SlowDisconnect} {
		t.Run("replies/"+string(policy), func(t *testing.T) {
			srv, base := start(t, servers.Config{QueueBytes: queueBytes, SlowPolicy: policy, WriteTimeout: 100 * time.Millisecond})
			idle := joinedPolling(t, base)
			good := joinedPolling(t, base)
			event := `42["echo","` + strings.Repeat("y", size) + `"]`
			gone := false
			for i := 0; i < 12 && !gone; i++ {
				status, body, _ := idle.do("POST", idle.base+"&sid="+idle.sid, event)
				switch {
				case status == 400 && strings.Contains(body, `"code":1`):
					gone = true
				case status != 200:
					t.Fatalf("POST: %d %q", status, body)
				}
				if p := srv.EngineIOPending(idle.sid); p > limit {
					t.Fatalf("after %d events the idle session holds %d bytes, over %d", i+1, p, limit)
				}
				good.post(fmt.Sprintf(`4212["echo",%d]`, i))
				if got := good.get(); got != fmt.Sprintf(`4312[%d]`, i) {
					t.Fatalf("well-behaved session got %q", got)
				}
			}
			st := srv.Hub().Stats()
			switch policy {
			case servers.SlowDrop:
				if gone || st.Dropped == 0 || st.OverBytes == 0 {
					t.Fatalf("drop policy: session gone %v, stats %+v", gone, st)
				}
			case servers.SlowDisconnect:
				if !gone || st.Kicked != 1 {
					t.Fatalf("disconnect policy: session gone %v, stats %+v", gone, st)
				}
			}
		})
	}
}

// TestEngineIOHandshakeFlood: handshakes past MaxSessions are refused 503
// with the Engine.IO error body, the session count stays at the cap, the
// flood's sessions (never used) expire after the handshake timeout, and the
// heap they took is given back; a well-behaved session gets every message
// throughout.
func TestEngineIOHandshakeFlood(t *testing.T) {
	const (
		maxSessions = 1000
		flood       = 1200
		perSession  = 16 << 10 // bound on the heap one idle session takes
	)
	cfg := servers.Config{SocketIO: servers.SocketIOConfig{MaxSessions: maxSessions, HandshakeTimeout: 10 * time.Second}}
	srv, clk, base := startClocked(t, cfg)
	good := joinedPolling(t, base)
	before := heapInuse()

	var mu sync.Mutex
	statuses := map[int]int{}
	var refusal string
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for range flood {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			c := &eioClient{t: t}
			status, body, _ := c.do("GET", base+"/socket.io/?EIO=4&transport=polling", "")
			mu.Lock()
			defer mu.Unlock()
			statuses[status]++
			if status == http.StatusServiceUnavailable {
				refusal = body
			}
		}()
	}
	wg.Wait()
	if statuses[200] != maxSessions-1 || statuses[503] != flood-maxSessions+1 {
		t.Fatalf("answers %v, want %d × 200 and %d × 503", statuses, maxSessions-1, flood-maxSessions+1)
	}
	if want := `{"code":4,"message":"too many Engine.IO sessions: at most 1000"}`; strings.TrimSpace(refusal) != want {
		t.Fatalf("refusal %q, want %q", refusal, want)
	}
	if n := srv.EngineIOSessions(); n != maxSessions {
		t.Fatalf("%d sessions, want the cap %d", n, maxSessions)
	}
	// A direct WebSocket handshake is refused the same way, before the upgrade.
	_, resp, err := websocket.DefaultDialer.Dial(wsURL(base)+"/socket.io/?EIO=4&transport=websocket", nil)
	if err == nil || resp == nil || resp.StatusCode != 503 {
		t.Fatalf("websocket handshake over the cap: %v %v", resp, err)
	}
	during := heapInuse()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	stacks := ms.StackInuse
	publish(t, base, `{"seq":1,"ts":1,"data":"during"}`)
	if got := good.get(); !strings.Contains(got, `"during"`) {
		t.Fatalf("well-behaved session got %q", got)
	}

	clk.Advance(cfg.SocketIO.HandshakeTimeout) // the AfterFuncs run before Advance returns
	if n := srv.EngineIOSessions(); n != 1 {
		t.Fatalf("%d sessions after the handshake timeout, want only the one in use", n)
	}
	after := heapInuse()
	openPolling(t, base) // room again
	publish(t, base, `{"seq":2,"ts":1,"data":"after"}`)
	if got := good.get(); !strings.Contains(got, `"after"`) {
		t.Fatalf("well-behaved session got %q", got)
	}
	grown := int64(during) - int64(before)
	t.Logf("heap in use: before %d KiB, at the cap of %d sessions %d KiB (%d B per session; goroutine stacks %d KiB), after expiry %d KiB",
		before>>10, maxSessions, during>>10, grown/maxSessions, stacks>>10, after>>10)
	if grown > maxSessions*perSession {
		t.Fatalf("%d sessions took %d KiB, over %d KiB", maxSessions, grown>>10, maxSessions*perSession>>10)
	}
}

// TestSocketIOWebSocketProtocolErrorsCloseCodes: a client breaking the
// Engine.IO or Socket.IO protocol over WebSocket is closed with the code that
// says why, never 1000, and other sessions are still served.
func TestSocketIOWebSocketProtocolErrorsCloseCodes(t *testing.T) {
	tests := []struct {
		name string
		kind int
		send string
		want int
	}{
		{"garbage engine.io packet", websocket.TextMessage, "9x", websocket.CloseInvalidFramePayloadData},
		{"garbage socket.io packet", websocket.TextMessage, `4{"x"`, websocket.CloseInvalidFramePayloadData},
		{"reserved event name", websocket.TextMessage, `42["connect"]`, websocket.CloseInvalidFramePayloadData},
		{"invalid UTF-8", websocket.TextMessage, "42[\"echo\",\"\xff\"]", websocket.CloseInvalidFramePayloadData},
		{"ping from client", websocket.TextMessage, "2", websocket.CloseProtocolError},
		{"upgrade packet on a websocket session", websocket.TextMessage, "5", websocket.CloseProtocolError},
		{"binary without a binary packet", websocket.BinaryMessage, "\x01", websocket.CloseUnsupportedData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, base := start(t, servers.Config{})
			url := wsURL(base) + "/socket.io/?EIO=4&transport=websocket"
			good, bad := dialWS(t, url, nil), dialWS(t, url, nil)
			for _, c := range []*websocket.Conn{good, bad} {
				c.SetReadDeadline(time.Now().Add(waitLimit))
				c.ReadMessage() // the open packet
				c.WriteMessage(websocket.TextMessage, []byte("40"))
				c.ReadMessage() // the CONNECT answer
			}
			bad.WriteMessage(tt.kind, []byte(tt.send))
			if code := closeCode(t, bad); code != tt.want {
				t.Fatalf("close code %d, want %d", code, tt.want)
			}
			good.WriteMessage(websocket.TextMessage, []byte(`4212["echo","x"]`))
			if _, b, err := good.ReadMessage(); err != nil || string(b) != `4312["x"]` {
				t.Fatalf("well-behaved session got %q %v", b, err)
			}
		})
	}
}
