package loadgen_test

// Tests against servers pushbench did not write: each fixture speaks its own
// message format, the way teams' own push services do.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

// fixtureDelay is how long a fixture waits after a client connects before it
// pushes: long enough for every connection to open and the measured window to
// begin, so the fixture's whole burst falls inside it.
const fixtureDelay = 400 * time.Millisecond

// listenLoad is a listen workload of 10 connections, no warm-up and a 2 s
// window, against url.
func listenLoad(transport clients.Name, url string, p loadgen.Payload) loadgen.Config {
	return loadgen.Config{
		Transport: transport,
		URL:       url,
		Payload:   p,
		Workload: workload.Workload{
			Pattern:        workload.Listen,
			Connections:    10,
			Ramp:           2000,
			Warmup:         workload.Duration(0).Ptr(),
			Duration:       workload.Duration(2 * time.Second),
			ConnectTimeout: workload.Duration(5 * time.Second),
		},
	}
}

// pushFixture serves one push format: after fixtureDelay, n messages 5 ms
// apart, each written by write(i) and flushed, then holds the connection
// until the client leaves. An index for which skip is true is not sent, and
// one for which dup is true is sent twice.
func streamFixture(t *testing.T, contentType string, n int, write func(w http.ResponseWriter, i int)) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-time.After(fixtureDelay):
		case <-r.Context().Done():
			return
		}
		for i := 1; i <= n; i++ {
			write(w, i)
			w.(http.Flusher).Flush()
			time.Sleep(5 * time.Millisecond)
		}
		<-r.Context().Done()
	}))
	t.Cleanup(func() { ts.CloseClientConnections(); ts.Close() })
	return ts
}

func runListen(t *testing.T, cfg loadgen.Config) *results.TransportResult {
	t.Helper()
	res, err := loadgen.Run(context.Background(), cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestListenCountsForeignFormats(t *testing.T) {
	tests := []struct {
		name      string
		transport clients.Name
		server    func(t *testing.T) *httptest.Server
		path      string
		payload   loadgen.Payload
		want      results.Counters // counts per connection; the test multiplies
		latency   bool
	}{
		{
			name: "chunked bare numbers", transport: clients.Chunked, path: "/",
			server: func(t *testing.T) *httptest.Server {
				return streamFixture(t, "text/plain", 50, func(w http.ResponseWriter, i int) { fmt.Fprintf(w, "%d\n", i) })
			},
			payload: loadgen.Payload{Seq: "."},
			want:    results.Counters{Received: 50, Expected: 50},
		},
		{
			name: "sse ticker with ids", transport: clients.SSE, path: "/",
			server: func(t *testing.T) *httptest.Server {
				return streamFixture(t, "text/event-stream", 50, func(w http.ResponseWriter, i int) {
					if i == 20 {
						return // the ticker skips one: lost
					}
					fmt.Fprintf(w, ": keep-alive\n\nid: %d\ndata: 0.%02d\n\n", i, i)
					if i == 30 {
						fmt.Fprintf(w, "id: %d\ndata: 0.%02d\n\n", i, i) // sent twice: a duplicate
					}
				})
			},
			payload: loadgen.Payload{Seq: loadgen.SeqFromSSEID},
			want:    results.Counters{Received: 49, Expected: 50, Lost: 1, Duplicated: 1},
		},
		{
			name: "sse ticker without ids counts messages", transport: clients.SSE, path: "/",
			server: func(t *testing.T) *httptest.Server {
				return streamFixture(t, "text/event-stream", 40, func(w http.ResponseWriter, i int) { fmt.Fprintf(w, "data: 0.%02d\n\n", i) })
			},
			want: results.Counters{Received: 40, Expected: 40},
		},
		{
			name: "websocket broadcaster with its own JSON", transport: clients.WS, path: "/",
			server: func(t *testing.T) *httptest.Server {
				return wsFixture(t, 50, func(i int) []byte {
					b, _ := json.Marshal(map[string]any{"t": time.Now().UnixMilli(), "n": i, "price": 0.42})
					return b
				})
			},
			payload: loadgen.Payload{Timestamp: "t:ms", Seq: "n"},
			want:    results.Counters{Received: 50, Expected: 50},
			latency: true,
		},
		{
			name: "nested RFC 3339 timestamps", transport: clients.WS, path: "/",
			server: func(t *testing.T) *httptest.Server {
				return wsFixture(t, 30, func(i int) []byte {
					return []byte(fmt.Sprintf(`{"data":{"sent_at":%q,"seq":"%d"}}`, time.Now().UTC().Format(time.RFC3339Nano), i))
				})
			},
			payload: loadgen.Payload{Timestamp: "data.sent_at", Seq: "data.seq"},
			want:    results.Counters{Received: 30, Expected: 30},
			latency: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := tt.server(t)
			url := ts.URL + tt.path
			if tt.transport == clients.WS {
				url = wsURL(url)
			}
			res := runListen(t, listenLoad(tt.transport, url, tt.payload))
			c := res.Counters
			const conns = 10
			want := results.Counters{
				ConnAttempted: conns, ConnReady: conns,
				Received: conns * tt.want.Received, Expected: conns * tt.want.Expected,
				Lost: conns * tt.want.Lost, Duplicated: conns * tt.want.Duplicated,
				BytesReceived: c.BytesReceived,
			}
			if c != want {
				t.Fatalf("counters\n got %+v\nwant %+v\nerrors %v", c, want, res.Errors)
			}
			if len(res.Errors) != 0 {
				t.Fatalf("errors %v", res.Errors)
			}
			if n := res.Hist(results.HistFirstMessage).Count(); n != conns {
				t.Errorf("first_message samples %d, want %d", n, conns)
			}
			// One gap per message after each connection's first.
			if n := res.Hist(results.HistGap).Count(); n != c.Received-conns {
				t.Errorf("gap samples %d, want %d", n, c.Received-conns)
			}
			var series int64
			for _, n := range res.Received {
				series += n
			}
			if series != c.Received {
				t.Errorf("per-second series sums to %d, want %d", series, c.Received)
			}
			lat := res.Hist(results.HistLatency)
			if !tt.latency {
				if lat.Count() != 0 || res.LatencyClock != "" {
					t.Fatalf("latency recorded without a timestamp: %d samples, clock %q", lat.Count(), res.LatencyClock)
				}
				return
			}
			// Same host, so the server's clock is ours: latency is small but
			// real (ms resolution for the "t:ms" fixture).
			if lat.Count() != c.Received || res.LatencyClock != results.ClockServer {
				t.Fatalf("latency samples %d (want %d), clock %q", lat.Count(), c.Received, res.LatencyClock)
			}
			if p99 := lat.Quantile(0.99); p99 > time.Second {
				t.Fatalf("latency p99 %s: the message timestamps were misread", p99)
			}
		})
	}
}

// wsFixture is a WebSocket server that, after fixtureDelay, sends n messages
// made by msg(i), 5 ms apart.
func wsFixture(t *testing.T, n int, msg func(i int) []byte) *httptest.Server {
	t.Helper()
	var wg sync.WaitGroup
	up := websocket.Upgrader{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		wg.Add(1)
		defer wg.Done()
		defer c.Close()
		gone := make(chan struct{})
		go func() { // the one reader: sees the client's close
			defer close(gone)
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					c.Close()
					return
				}
			}
		}()
		time.Sleep(fixtureDelay)
		for i := 1; i <= n; i++ {
			if c.WriteMessage(websocket.TextMessage, msg(i)) != nil {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		<-gone // hold until the client closes
	}))
	t.Cleanup(func() { ts.CloseClientConnections(); ts.Close(); wg.Wait() })
	return ts
}

func TestListenPayloadErrorsQuoteTheMessage(t *testing.T) {
	ts := wsFixture(t, 5, func(i int) []byte { return []byte(`{"price":0.42}`) })
	res := runListen(t, listenLoad(clients.WS, wsURL(ts.URL), loadgen.Payload{Timestamp: "t:ms"}))
	e := res.Errors["payload"]
	if e == nil || e.Count != 50 || !strings.Contains(e.First, `timestamp t: no field "t" in "{\"price\":0.42}"`) {
		t.Fatalf("payload errors %+v", res.Errors)
	}
	if res.Counters.Received != 50 {
		t.Fatalf("messages without the timestamp are still received: %+v", res.Counters)
	}
}

// chatRelay is a chat room: every message a client sends is rebroadcast to
// every client as {"from":N,"text":"<what was sent>"}, the text JSON-escaped.
func chatRelay(t *testing.T) *httptest.Server {
	t.Helper()
	var mu sync.Mutex
	clients := map[*websocket.Conn]chan []byte{}
	var wg sync.WaitGroup
	up := websocket.Upgrader{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		out := make(chan []byte, 4096)
		mu.Lock()
		id := len(clients)
		clients[c] = out
		mu.Unlock()
		wg.Add(2)
		done := make(chan struct{})
		go func() { // writer
			defer wg.Done()
			for {
				select {
				case m := <-out:
					if c.WriteMessage(websocket.TextMessage, m) != nil {
						return
					}
				case <-done:
					return
				}
			}
		}()
		go func() { // reader
			defer wg.Done()
			defer close(done)
			defer func() { mu.Lock(); delete(clients, c); mu.Unlock(); c.Close() }()
			for {
				_, text, err := c.ReadMessage()
				if err != nil {
					return
				}
				b, _ := json.Marshal(map[string]any{"from": id, "text": string(text)})
				mu.Lock()
				for _, o := range clients {
					select {
					case o <- b:
					default:
					}
				}
				mu.Unlock()
			}
		}()
	}))
	t.Cleanup(func() { ts.CloseClientConnections(); ts.Close(); wg.Wait() })
	return ts
}

// TestFanoutThroughForeignRelay publishes a body template through a chat room
// that wraps each message in its own JSON: receivers find the marker inside
// the escaped text, so loss and latency are measured on pushbench's clock.
func TestFanoutThroughForeignRelay(t *testing.T) {
	ts := chatRelay(t)
	url := wsURL(ts.URL)
	cfg := smallLoad("ws", url, url)
	cfg.Body = `{"say":"{{marker}}","pad":"{{payload}}"}`
	res, err := loadgen.Run(context.Background(), cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Counters
	if c.ConnReady != 20 || c.Scheduled != 50 || c.Sent != 50 || c.Expected != 20*50 || c.Received != c.Expected || c.Lost != 0 || c.Duplicated != 0 {
		t.Fatalf("counters %+v errors %v", c, res.Errors)
	}
	if n := res.Hist(results.HistLatency).Count(); n != c.Received {
		t.Fatalf("latency samples %d, want %d", n, c.Received)
	}
	if res.LatencyClock != results.ClockGenerator {
		t.Fatalf("fan-out latency is on pushbench's clock, got %q", res.LatencyClock)
	}
}

func TestBodyTemplateWithoutMarkerIsRefused(t *testing.T) {
	cfg := smallLoad("ws", "ws://127.0.0.1:1/", "ws://127.0.0.1:1/")
	cfg.Body = `{"text":"{{seq}}"}`
	_, err := loadgen.Run(context.Background(), cfg, quiet)
	if err == nil || !strings.Contains(err.Error(), "has no {{marker}}") {
		t.Fatalf("err = %v", err)
	}
}

// TestEchoThroughBroadcastingRelay echoes through a chat room that sends
// every message to every connection: each connection counts its own replies
// once, and the other connections' copies as foreign, not as duplicates.
func TestEchoThroughBroadcastingRelay(t *testing.T) {
	ts := chatRelay(t)
	url := wsURL(ts.URL)
	cfg := smallLoad("ws", url, "")
	cfg.Workload.Pattern = workload.Echo
	cfg.Workload.Connections = 5
	cfg.Workload.Rate = 10
	cfg.Body = `{"q":"{{marker}}"}`
	res, err := loadgen.Run(context.Background(), cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Counters
	if c.ConnReady != 5 || c.Expected != 5*10 || c.Received != c.Expected || c.Lost != 0 || c.Duplicated != 0 {
		t.Fatalf("counters %+v errors %v", c, res.Errors)
	}
	// Each connection also sees the 4 others' messages (warm-up included).
	if c.Foreign < 4*c.Received {
		t.Fatalf("foreign %d, want at least %d (the other connections' copies)", c.Foreign, 4*c.Received)
	}
}
