// Command foreign is a push server of the kind teams write themselves, for
// trying pushbench against formats it did not define (README, "Load-testing
// your own server"):
//
//	/numbers  chunked HTTP, a bare number per chunk every 100 ms ("1\n", "2\n", ...)
//	/ticker   SSE, "id: N" and "data: 0.42" every 100 ms, a comment heartbeat between
//	/feed     WebSocket, {"t":<ms since 1970>,"n":N,"price":0.42} every 100 ms
//	/chat     WebSocket chat room: every message a client sends goes to every
//	          client as {"from":<client>,"text":"<what was sent>"}
//
//	go run ./examples/foreign --addr 127.0.0.1:9000
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	flag.Parse()
	room := &chatRoom{clients: map[*websocket.Conn]chan []byte{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /numbers", numbers)
	mux.HandleFunc("GET /ticker", ticker)
	mux.HandleFunc("GET /feed", feed)
	mux.HandleFunc("GET /chat", room.serve)
	log.Printf("listening on http://%s", *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}

var upgrader = websocket.Upgrader{}

// every calls f every 100 ms with 1, 2, 3, ... until it fails or r ends.
func every(r *http.Request, f func(n int) error) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-r.Context().Done():
			return
		case <-t.C:
		}
		if f(n) != nil {
			return
		}
	}
}

func numbers(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	every(r, func(n int) error {
		_, err := fmt.Fprintf(w, "%d\n", n)
		w.(http.Flusher).Flush()
		return err
	})
}

func ticker(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	every(r, func(n int) error {
		_, err := fmt.Fprintf(w, ": heartbeat\n\nid: %d\ndata: 0.42\n\n", n)
		w.(http.Flusher).Flush()
		return err
	})
}

func feed(w http.ResponseWriter, r *http.Request) {
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	go func() { // read, so close frames and pings are handled
		for {
			if _, _, err := c.NextReader(); err != nil {
				c.Close()
				return
			}
		}
	}()
	every(r, func(n int) error {
		b, _ := json.Marshal(map[string]any{"t": time.Now().UnixMilli(), "n": n, "price": 0.42})
		return c.WriteMessage(websocket.TextMessage, b)
	})
}

// chatRoom rebroadcasts every client's message to every client, with one
// writer goroutine per client.
type chatRoom struct {
	mu      sync.Mutex
	next    int
	clients map[*websocket.Conn]chan []byte
}

func (room *chatRoom) serve(w http.ResponseWriter, r *http.Request) {
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	out := make(chan []byte, 1024)
	room.mu.Lock()
	room.next++
	id := room.next
	room.clients[c] = out
	room.mu.Unlock()
	done := make(chan struct{})
	go func() {
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
	defer func() {
		room.mu.Lock()
		delete(room.clients, c)
		room.mu.Unlock()
		close(done)
		c.Close()
	}()
	for {
		_, text, err := c.ReadMessage()
		if err != nil {
			return
		}
		b, _ := json.Marshal(map[string]any{"from": id, "text": string(text)})
		room.mu.Lock()
		for _, o := range room.clients {
			select {
			case o <- b:
			default: // a client too slow for the room misses the message
			}
		}
		room.mu.Unlock()
	}
}
