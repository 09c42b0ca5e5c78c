package cluster_test

// Servers pushbench did not write, for coordinated runs against them: a chat
// relay in its own JSON and a ticker with its own timestamps and sequence
// numbers. Each counts what it took from clients, so a test can tell how
// many publishers there were.

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// foreignServer counts what a fixture took from its clients.
type foreignServer struct {
	url string // ws:// URL of the fixture

	mu       sync.Mutex
	upgrades int            // WebSocket connections accepted
	messages int            // messages clients sent
	senders  map[int]int    // messages by the id of the connection that sent them
	wg       sync.WaitGroup // every connection's goroutines
}

func (s *foreignServer) accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.upgrades
}

// received is how many messages clients sent, and from how many connections.
func (s *foreignServer) received() (messages, senders int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messages, len(s.senders)
}

// accept upgrades r and numbers the connection.
func (s *foreignServer) accept(w http.ResponseWriter, r *http.Request) (*websocket.Conn, int, bool) {
	c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		return nil, 0, false
	}
	s.mu.Lock()
	id := s.upgrades
	s.upgrades++
	s.mu.Unlock()
	return c, id, true
}

// took counts a message connection id sent.
func (s *foreignServer) took(id int) {
	s.mu.Lock()
	s.messages++
	s.senders[id]++
	s.mu.Unlock()
}

// serve starts the fixture's handler; the test's cleanup closes every
// connection and waits for their goroutines.
func (s *foreignServer) serve(t *testing.T, h http.HandlerFunc) {
	t.Helper()
	s.senders = map[int]int{}
	ts := httptest.NewServer(h)
	s.url = "ws" + strings.TrimPrefix(ts.URL, "http") + "/"
	t.Cleanup(func() { ts.CloseClientConnections(); ts.Close(); s.wg.Wait() })
}

// startForeignRelay is a chat room: every message a client sends goes to
// every client as {"from":N,"text":"<what was sent>"}, the text
// JSON-escaped, the way a chat app's own format wraps it.
func startForeignRelay(t *testing.T) *foreignServer {
	t.Helper()
	s := &foreignServer{}
	var mu sync.Mutex
	room := map[int]chan []byte{}
	s.serve(t, func(w http.ResponseWriter, r *http.Request) {
		c, id, ok := s.accept(w, r)
		if !ok {
			return
		}
		out := make(chan []byte, 4096)
		mu.Lock()
		room[id] = out
		mu.Unlock()
		done := make(chan struct{})
		s.wg.Add(2)
		go func() { // writer
			defer s.wg.Done()
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
			defer s.wg.Done()
			defer close(done)
			defer func() { mu.Lock(); delete(room, id); mu.Unlock(); c.Close() }()
			for {
				_, text, err := c.ReadMessage()
				if err != nil {
					return
				}
				s.took(id)
				b, _ := json.Marshal(map[string]any{"from": id, "text": string(text)})
				mu.Lock()
				for _, o := range room {
					select {
					case o <- b:
					default: // a full queue: the relay drops, the run counts it lost
					}
				}
				mu.Unlock()
			}
		}()
	})
	return s
}

// tickerDelay is how long the ticker waits after a client connects before
// its burst: past every worker's ramp, the plan's lead and into the
// measured window, which outlasts the burst.
const tickerDelay = 800 * time.Millisecond

// tickerBurst is how many numbers the ticker's burst counts to; it skips
// tickerSkipped (lost) and sends tickerDoubled twice (a duplicate).
const (
	tickerBurst   = 50
	tickerSkipped = 20
	tickerDoubled = 30
)

// startForeignTicker is a WebSocket ticker in its own JSON: tickerDelay
// after a client connects it sends {"at": <unix ms>, "n": i, "price": ...}
// for i = 1..tickerBurst, 5 ms apart, then holds the connection until the
// client leaves. Whatever a client sends is counted (nothing should be).
func startForeignTicker(t *testing.T) *foreignServer {
	t.Helper()
	s := &foreignServer{}
	s.serve(t, func(w http.ResponseWriter, r *http.Request) {
		c, id, ok := s.accept(w, r)
		if !ok {
			return
		}
		s.wg.Add(1)
		defer s.wg.Done()
		defer c.Close()
		gone := make(chan struct{})
		go func() { // the one reader: counts what the client sends, sees its close
			defer close(gone)
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					c.Close()
					return
				}
				s.took(id)
			}
		}()
		select {
		case <-time.After(tickerDelay):
		case <-gone:
			return
		}
		for i := 1; i <= tickerBurst; i++ {
			copies := 1
			switch i {
			case tickerSkipped:
				copies = 0
			case tickerDoubled:
				copies = 2
			}
			for range copies {
				b, _ := json.Marshal(map[string]any{"at": time.Now().UnixMilli(), "n": i, "price": 0.42})
				if c.WriteMessage(websocket.TextMessage, b) != nil {
					return
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
		<-gone
	})
	return s
}
