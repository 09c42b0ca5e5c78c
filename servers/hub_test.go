package servers_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/pushbench/pushbench/internal/wire"
	"github.com/pushbench/pushbench/servers"
)

func TestHubSlowPolicies(t *testing.T) {
	tests := []struct {
		policy     servers.SlowPolicy
		wantQueued int
		wantStats  servers.HubStats
		wantKicked bool
	}{
		{servers.SlowDrop, 2, servers.HubStats{Subscribers: 2, Published: 5, Enqueued: 2 + 5, Dropped: 3}, false},
		{servers.SlowDisconnect, 2, servers.HubStats{Subscribers: 1, Published: 5, Enqueued: 2 + 5, Dropped: 1, Kicked: 1}, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy), func(t *testing.T) {
			hub := servers.NewHub(2, 1<<20, tt.policy)
			slow := hub.Subscribe()
			fast := hub.Subscribe()
			for i := range 5 {
				hub.Publish(servers.NewMessage(wire.Envelope{Seq: uint64(i + 1)}))
				fast.Release(next(t, fast, "fast subscriber's message")) // it keeps up
			}
			got := hub.Stats()
			got.QueuedBytes = 0 // TestHubByteBudget checks it
			if got != tt.wantStats {
				t.Fatalf("stats %+v, want %+v", got, tt.wantStats)
			}
			if slow.Len() != tt.wantQueued {
				t.Fatalf("slow subscriber holds %d messages, want its queue bound %d", slow.Len(), tt.wantQueued)
			}
			select {
			case <-slow.Kicked:
				if !tt.wantKicked {
					t.Fatal("slow subscriber kicked under the drop policy")
				}
			default:
				if tt.wantKicked {
					t.Fatal("slow subscriber not kicked under the disconnect policy")
				}
			}
			select {
			case <-fast.Kicked:
				t.Fatal("fast subscriber kicked")
			default:
			}
			// Queued messages keep publish order.
			for want := uint64(1); want <= 2; want++ {
				if m := next(t, slow, "slow subscriber's queued message"); m.Env.Seq != want {
					t.Fatalf("slow got seq %d, want %d", m.Env.Seq, want)
				}
			}
		})
	}
}

// TestHubByteBudget: a queue full in bytes, though not in messages, applies
// the slow policy as a full queue does; released bytes make room again; an
// empty queue takes one message larger than the whole budget.
func TestHubByteBudget(t *testing.T) {
	msg := func(seq uint64, n int) *servers.Message {
		return servers.NewMessage(wire.Envelope{Seq: seq, Data: strings.Repeat("x", n)})
	}
	size := msg(1, 1000).Size()
	tests := []struct {
		policy     servers.SlowPolicy
		wantStats  servers.HubStats
		wantKicked bool
	}{
		{servers.SlowDrop, servers.HubStats{Subscribers: 2, Published: 5, Enqueued: 3 + 5, QueuedBytes: 3 * size, Dropped: 2, OverBytes: 2}, false},
		{servers.SlowDisconnect, servers.HubStats{Subscribers: 1, Published: 5, Enqueued: 3 + 5, Dropped: 1, OverBytes: 1, Kicked: 1}, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy), func(t *testing.T) {
			// Room for 3 messages in bytes, 100 by count.
			hub := servers.NewHub(100, 3*size, tt.policy)
			slow := hub.Subscribe()
			fast := hub.Subscribe()
			for i := range 5 {
				hub.Publish(msg(uint64(i+1), 1000))
				fast.Release(next(t, fast, "fast subscriber's message"))
			}
			if got := hub.Stats(); got != tt.wantStats {
				t.Fatalf("stats %+v, want %+v", got, tt.wantStats)
			}
			select {
			case <-slow.Kicked:
				if !tt.wantKicked {
					t.Fatal("slow subscriber kicked under the drop policy")
				}
				return
			default:
				if tt.wantKicked {
					t.Fatal("slow subscriber not kicked under the disconnect policy")
				}
			}
			if got := slow.QueuedBytes(); got != 3*size {
				t.Fatalf("slow subscriber holds %d bytes, want its budget %d", got, 3*size)
			}
			// Writing one message makes room for one more.
			slow.Release(next(t, slow, "slow subscriber's message"))
			hub.Publish(msg(6, 1000))
			fast.Release(next(t, fast, "fast subscriber's message"))
			if n := slow.Len(); n != 3 {
				t.Fatalf("after a release the slow queue holds %d, want 3", n)
			}
			// An empty queue takes a message larger than the budget.
			for slow.Len() > 0 {
				slow.Release(slow.Next())
			}
			hub.Publish(msg(7, 10_000))
			if m := next(t, slow, "oversized message"); m.Env.Seq != 7 {
				t.Fatalf("got seq %d, want 7", m.Env.Seq)
			}
		})
	}
}

func TestHubCloseKicksAndRefuses(t *testing.T) {
	hub := servers.NewHub(4, 1<<20, servers.SlowDrop)
	s := hub.Subscribe()
	hub.Close()
	recv(t, s.Kicked, "kick of a subscriber of a closed hub")
	if hub.Subscribe() != nil {
		t.Fatal("a closed hub accepted a subscriber")
	}
}

func TestParseSlowPolicy(t *testing.T) {
	for _, ok := range []string{"drop", "disconnect"} {
		if _, err := servers.ParseSlowPolicy(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	if _, err := servers.ParseSlowPolicy("block"); err == nil {
		t.Error("block accepted")
	}
}

func TestMessageEncodings(t *testing.T) {
	m := servers.NewMessage(wire.Envelope{Seq: 7, TS: 9, Event: "tick", Data: "x"})
	json := `{"seq":7,"ts":9,"event":"tick","data":"x"}`
	prepared := func(f func() (*websocket.PreparedMessage, error)) func() []byte {
		return func() []byte {
			pm, err := f()
			if err != nil {
				t.Fatalf("prepare frame: %v", err)
			}
			return framePayload(t, pm)
		}
	}
	tests := []struct {
		name   string
		encode func() []byte
		want   string
	}{
		{"NDJSON line", m.NDJSONLine, json + "\n"},
		{"SSE event", m.SSEFrame, "id: 7\nevent: tick\ndata: " + json + "\n\n"},
		{"WebSocket frame", prepared(m.WebSocketFrame), json},
		{"Socket.IO event", m.SocketIOEvent, `2["msg",` + json + `]`},
		{"Socket.IO WebSocket frame", prepared(m.SocketIOFrame), `42["msg",` + json + `]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(tt.encode()); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// framePayload sends pm over a real WebSocket and returns the payload of the
// text message that arrives.
func framePayload(t *testing.T, pm *websocket.PreparedMessage) []byte {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.WritePreparedMessage(pm)
		_, _, _ = c.ReadMessage() // until the client hangs up
	}))
	defer ts.Close()
	c := dialWS(t, wsURL(ts.URL), nil)
	c.SetReadDeadline(time.Now().Add(waitLimit))
	kind, b, err := c.ReadMessage()
	if err != nil || kind != websocket.TextMessage {
		t.Fatalf("frame kind %d, %v", kind, err)
	}
	c.Close()
	return b
}
