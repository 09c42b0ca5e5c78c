package clients_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
)

// TestPollingPongThatIsNeverAnsweredEnds: a Socket.IO long-polling server
// that pings and then never answers the pong POST must not hold the
// connection: the POST has the write timeout, and Read fails naming it.
func TestPollingPongThatIsNeverAnsweredEnds(t *testing.T) {
	done := make(chan struct{})
	var polls, posts atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case q.Get("sid") == "":
			io.WriteString(w, `0{"sid":"s1","upgrades":[],"pingInterval":10000,"pingTimeout":5000,"maxPayload":1000000}`)
		case r.Method == http.MethodPost:
			if posts.Add(1) == 1 { // the CONNECT
				io.WriteString(w, "ok")
				return
			}
			select { // the pong: never answered
			case <-done:
			case <-r.Context().Done():
			}
		default:
			switch polls.Add(1) {
			case 1:
				io.WriteString(w, `40{"sid":"n1"}`)
			case 2:
				io.WriteString(w, "2")
			default:
				select {
				case <-done:
				case <-r.Context().Done():
				}
			}
		}
	}))
	defer func() { close(done); ts.CloseClientConnections(); ts.Close() }()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := clients.NewDialOptions(sinceClock{time.Now()}, 500*time.Millisecond)
	defer opts.Close()
	entry, _ := clients.Lookup(clients.SocketIOPolling)
	conn, _, err := entry.New().Dial(ctx, ts.URL+"/socket.io/", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	_, err = conn.Read()
	if err == nil || !strings.Contains(err.Error(), "no answer within 500ms") {
		t.Fatalf("Read: %v, want the pong POST's timeout", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("Read took %s", took)
	}
}
