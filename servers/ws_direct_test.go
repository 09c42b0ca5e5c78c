package servers_test

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/internal/wire"
	"github.com/pushbench/pushbench/servers"
)

// readServerFrame reads one unmasked frame from a raw client: its opcode and
// payload.
func readServerFrame(c *rawWS) (byte, []byte, error) {
	head := make([]byte, 2, 10)
	if _, err := io.ReadFull(c.r, head); err != nil {
		return 0, nil, err
	}
	switch head[1] & 0x7f {
	case 126:
		head = head[:4]
	case 127:
		head = head[:10]
	}
	if _, err := io.ReadFull(c.r, head[2:]); err != nil {
		return 0, nil, err
	}
	fin, op, n, _, ok := wire.ParseServerFrameHeader(head)
	if !ok || !fin {
		return 0, nil, fmt.Errorf("bad frame header %x", head)
	}
	payload := make([]byte, n)
	_, err := io.ReadFull(c.r, payload)
	return op, payload, err
}

// TestWSOneGoroutinePerIdleConn: an idle /ws connection costs the server one
// goroutine (its reader): the hub writes broadcasts itself and pings come
// from a timer.
func TestWSOneGoroutinePerIdleConn(t *testing.T) {
	srv, base := start(t, servers.Config{})
	before := srv.Stats().Goroutines
	const n = 40
	conns := make([]*rawWS, n)
	for i := range conns {
		conns[i] = dialRawWS(t, base, "/ws")
	}
	waitSubscribers(t, srv, n)
	eventually(t, "one goroutine per idle ws connection", func() bool { return srv.Stats().Goroutines-before <= n+2 })
	// And they are served: each gets a broadcast.
	srv.Hub().Publish(bigMessage(1, 10))
	for _, c := range conns {
		op, p, err := readServerFrame(c)
		if err != nil || op != wire.WSText || !strings.HasPrefix(string(p), `{"seq":1,`) {
			t.Fatalf("got opcode %d %.40q, %v", op, p, err)
		}
	}
}

// TestWSSlowPolicy: a client that stopped reading meets the slow policy
// under direct writes: its queue stays within the budget, and under
// disconnect it is kicked, and gets the 1008 close frame once it reads.
func TestWSSlowPolicy(t *testing.T) {
	for _, policy := range []servers.SlowPolicy{servers.SlowDrop, servers.SlowDisconnect} {
		t.Run(string(policy), func(t *testing.T) {
			const queueBytes = 1 << 20
			srv, base := start(t, servers.Config{QueueLen: 8, QueueBytes: queueBytes, SlowPolicy: policy, WriteTimeout: time.Minute})
			c := dialRawWS(t, base, "/ws") // does not read for now
			waitSubscribers(t, srv, 1)
			if !publishUntilDropped(t, srv, policy, queueBytes) {
				return
			}
			_ = c.conn.SetReadDeadline(time.Now().Add(waitLimit))
			for {
				op, p, err := readServerFrame(c)
				if err != nil {
					t.Fatalf("no close frame: %v", err)
				}
				if op == wire.WSClose {
					if code := binary.BigEndian.Uint16(p); code != websocket.ClosePolicyViolation {
						t.Fatalf("close code %d, want 1008", code)
					}
					break
				}
				if op != wire.WSText {
					t.Fatalf("opcode %d", op)
				}
			}
			waitSubscribers(t, srv, 0)
		})
	}
}

// TestWSOrder: broadcasts reach a client in publish order, none lost, whether
// the hub writes them directly, queues them while the socket is full or the
// flusher writes them.
func TestWSOrder(t *testing.T) {
	const total = 1500
	srv, base := start(t, servers.Config{QueueLen: 2 * total, QueueBytes: 64 << 20})
	c := dialWS(t, wsURL(base)+"/ws", nil)
	waitSubscribers(t, srv, 1)
	got := make(chan error, 1)
	go func() {
		time.Sleep(100 * time.Millisecond) // let the socket fill: the queue and flusher take over
		_ = c.SetReadDeadline(time.Now().Add(4 * waitLimit))
		for want := 1; want <= total; want++ {
			_, b, err := c.ReadMessage()
			if err != nil {
				got <- err
				return
			}
			var seq int
			if _, err := fmt.Sscanf(string(b[:min(len(b), 40)]), `{"seq":%d,`, &seq); err != nil || seq != want {
				got <- fmt.Errorf("got %.40q (%v), want seq %d", b, err, want)
				return
			}
		}
		got <- nil
	}()
	publishInBursts(t, srv, total, got, 5*waitLimit)
}

// TestWSPingAndPongTimeout: the ping timer pings an idle client, and one that
// never answers is closed once PongTimeout passes.
func TestWSPingAndPongTimeout(t *testing.T) {
	srv, base := start(t, servers.Config{PingInterval: 50 * time.Millisecond, PongTimeout: 400 * time.Millisecond})
	c := dialRawWS(t, base, "/ws")
	waitSubscribers(t, srv, 1)
	_ = c.conn.SetReadDeadline(time.Now().Add(waitLimit))
	pings := 0
	for {
		op, _, err := readServerFrame(c)
		if err != nil {
			if pings < 2 {
				t.Fatalf("connection ended after %d pings: %v", pings, err)
			}
			break
		}
		if op == wire.WSPing {
			pings++
		}
		if op == wire.WSClose {
			break
		}
	}
	waitSubscribers(t, srv, 0)
}

// TestWSEchoDuringBroadcasts: replies written by the reader and broadcasts
// written by the hub and the flusher share one socket without a frame ever
// cut by another: a gorilla client parses every frame and gets every echo and
// every broadcast, the broadcasts in order.
func TestWSEchoDuringBroadcasts(t *testing.T) {
	const (
		echoes     = 300
		broadcasts = 300
	)
	srv, base := start(t, servers.Config{QueueLen: 4 * broadcasts, QueueBytes: 256 << 20})
	c := dialWS(t, wsURL(base)+"/ws", nil)
	waitSubscribers(t, srv, 1)
	var wg sync.WaitGroup
	wg.Add(2)
	sendErr := make(chan error, 1)
	go func() {
		defer wg.Done()
		for i := range echoes {
			if err := c.WriteMessage(websocket.TextMessage, []byte("echo "+strings.Repeat("e", i*37%9000))); err != nil {
				sendErr <- err
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := 1; i <= broadcasts; i++ {
			srv.Hub().Publish(bigMessage(i, i*131%20000))
		}
	}()
	time.Sleep(200 * time.Millisecond) // let the socket fill: replies and broadcasts wait for the flusher
	_ = c.SetReadDeadline(time.Now().Add(6 * waitLimit))
	gotEchoes, wantSeq := 0, 1
	for gotEchoes < echoes || wantSeq <= broadcasts {
		_, b, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("after %d echoes and %d broadcasts: %v", gotEchoes, wantSeq-1, err)
		}
		if strings.HasPrefix(string(b), "echo ") {
			gotEchoes++
			continue
		}
		var seq int
		if _, err := fmt.Sscanf(string(b[:min(len(b), 40)]), `{"seq":%d,`, &seq); err != nil || seq != wantSeq {
			t.Fatalf("got %.40q (%v), want seq %d", b, err, wantSeq)
		}
		wantSeq++
	}
	wg.Wait()
	select {
	case err := <-sendErr:
		t.Fatal(err)
	default:
	}
}

// TestWSCloseCodes: the close frame the session writes itself says why the
// connection ends: 1001 for an admin drop, 1001 for a shutdown.
func TestWSCloseCodes(t *testing.T) {
	readClose := func(t *testing.T, c *rawWS) (int, string) {
		t.Helper()
		_ = c.conn.SetReadDeadline(time.Now().Add(waitLimit))
		for {
			op, p, err := readServerFrame(c)
			if err != nil {
				t.Fatalf("no close frame: %v", err)
			}
			if op == wire.WSClose {
				return int(binary.BigEndian.Uint16(p)), string(p[2:])
			}
		}
	}
	t.Run("admin drop", func(t *testing.T) {
		srv, base := start(t, servers.Config{AdminToken: "tok"})
		c := dialRawWS(t, base, "/ws")
		waitSubscribers(t, srv, 1)
		if status, body := adminDrop(t, base, "?percent=100", "Bearer tok"); status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		if code, reason := readClose(t, c); code != websocket.CloseGoingAway || !strings.Contains(reason, "admin") {
			t.Fatalf("close %d %q, want 1001 naming the admin drop", code, reason)
		}
		waitSubscribers(t, srv, 0)
	})
	t.Run("shutdown", func(t *testing.T) {
		srv, base := start(t, servers.Config{})
		c := dialRawWS(t, base, "/ws")
		waitSubscribers(t, srv, 1)
		srv.Close()
		if code, _ := readClose(t, c); code != websocket.CloseGoingAway {
			t.Fatalf("close %d, want 1001", code)
		}
	})
}
