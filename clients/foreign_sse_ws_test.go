package clients_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/clients"
)

// sseTicker is a foreign SSE server: bare-number data, its own event types
// and ids, comments as heartbeats, each piece flushed on its own; tail is
// written last, before the handler returns.
func sseTicker(tail string) http.HandlerFunc {
	pieces := []string{
		": connected\n\n",
		"event: tick\nid: 1\ndata: 0.42\n\n",
		": ping\n\n",
		"event: other\ndata: x\n\n",
		"event: tick\nid: 2\ndata: 0.43\n\n",
		":\n\n",
		"data: 7\n\n",
		tail,
	}
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for _, p := range pieces {
			io.WriteString(w, p)
			w.(http.Flusher).Flush()
		}
	}
}

func TestSSEFramesOfAForeignServer(t *testing.T) {
	tick1 := clients.Frame{Data: []byte("0.42"), ID: "1", Event: "tick"}
	other := clients.Frame{Data: []byte("x"), ID: "1", Event: "other"}
	tick2 := clients.Frame{Data: []byte("0.43"), ID: "2", Event: "tick"}
	plain := clients.Frame{Data: []byte("7"), ID: "2", Event: "message"}
	tests := []struct {
		name    string
		filter  string
		tail    string
		want    []clients.Frame
		wantErr string
	}{
		{"every event", "", "", []clients.Frame{tick1, other, tick2, plain}, ""},
		{"only tick", "tick", "", []clients.Frame{tick1, tick2}, ""},
		{"only message", "message", "", []clients.Frame{plain}, ""},
		{"ended inside an event", "", "event: tick\ndata: 1\n", []clients.Frame{tick1, other, tick2, plain}, "stream ended inside a frame: 2 bytes pending"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := httptest.NewServer(sseTicker(tt.tail))
			defer ts.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			conn, _, err := dialReceive(t, ctx, clients.SSE, ts.URL, clients.Receive{SSEEvent: tt.filter})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			frames, err := readUntilEnd(t, conn)
			for i := range frames {
				if frames[i].At <= 0 {
					t.Errorf("frame %d has no arrival time", i)
				}
				frames[i].At = 0
			}
			if !slices.EqualFunc(frames, tt.want, sameFrame) {
				t.Fatalf("frames %+v, want %+v", frames, tt.want)
			}
			checkEnd(t, err, tt.wantErr)
		})
	}
}

func sameFrame(a, b clients.Frame) bool {
	return string(a.Data) == string(b.Data) && a.ID == b.ID && a.Event == b.Event && a.At == b.At
}

// wsBroadcaster is a foreign WebSocket server: it broadcasts its own JSON
// and a binary message, then ends as end says: a close code, or 0 to drop
// the TCP connection without a close frame.
func wsBroadcaster(t *testing.T, end int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			t.Errorf("upgrade: %v", err)
			return
		}
		defer conn.Close()
		conn.WriteMessage(websocket.TextMessage, []byte(`{"t":1}`))
		conn.WriteMessage(websocket.TextMessage, []byte(`{"t":2}`))
		conn.WriteMessage(websocket.BinaryMessage, []byte{0, 1})
		if end == 0 {
			return
		}
		conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(end, "bye"), time.Now().Add(time.Second))
		// Wait for the client's close answer, as a polite server does.
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		for {
			if _, _, err := conn.NextReader(); err != nil {
				return
			}
		}
	}
}

func TestWebSocketFramesOfAForeignServer(t *testing.T) {
	tests := []struct {
		name    string
		end     int
		wantErr string
	}{
		{"close 1000 is a clean end", websocket.CloseNormalClosure, ""},
		{"close 1001 is a clean end", websocket.CloseGoingAway, ""},
		{"close 1011 is an error", websocket.CloseInternalServerErr, "1011"},
		{"dropped connection is an error", 0, "1006"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := httptest.NewServer(wsBroadcaster(t, tt.end))
			defer ts.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			conn, _, err := dialReceive(t, ctx, clients.WS, wsURL(ts.URL), clients.Receive{})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			frames, err := readUntilEnd(t, conn)
			if got := frameData(frames); !slices.Equal(got, []string{`{"t":1}`, `{"t":2}`, "\x00\x01"}) {
				t.Fatalf("frames %q", got)
			}
			for _, f := range frames {
				if f.Event != "" || f.ID != "" || f.At <= 0 {
					t.Errorf("frame %+v: want an arrival time, no event or id", f)
				}
			}
			checkEnd(t, err, tt.wantErr)
		})
	}
}
