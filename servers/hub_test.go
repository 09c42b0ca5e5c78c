package servers_test

import (
	"testing"

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
			hub := servers.NewHub(2, tt.policy)
			slow := hub.Subscribe()
			fast := hub.Subscribe()
			for i := range 5 {
				hub.Publish(servers.NewMessage(wire.Envelope{Seq: uint64(i + 1)}))
				<-fast.C // the fast subscriber keeps up
			}
			if got := hub.Stats(); got != tt.wantStats {
				t.Fatalf("stats %+v, want %+v", got, tt.wantStats)
			}
			if len(slow.C) != tt.wantQueued {
				t.Fatalf("slow subscriber holds %d messages, want its queue bound %d", len(slow.C), tt.wantQueued)
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
				if m := <-slow.C; m.Env.Seq != want {
					t.Fatalf("slow got seq %d, want %d", m.Env.Seq, want)
				}
			}
		})
	}
}

func TestHubCloseKicksAndRefuses(t *testing.T) {
	hub := servers.NewHub(4, servers.SlowDrop)
	s := hub.Subscribe()
	hub.Close()
	<-s.Kicked
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
	if got := string(m.SSEFrame()); got != "id: 7\nevent: tick\ndata: "+json+"\n\n" {
		t.Errorf("SSE frame %q", got)
	}
	if got := string(m.NDJSONLine()); got != json+"\n" {
		t.Errorf("NDJSON line %q", got)
	}
	if _, err := m.WebSocketFrame(); err != nil {
		t.Errorf("WebSocket frame: %v", err)
	}
}
