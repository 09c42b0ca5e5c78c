package servers_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/internal/wire"
	"github.com/pushbench/pushbench/servers"
)

// openRawStream opens path over a bare TCP connection (no client goroutines)
// and reads the response head; the stream's body is then read from the
// returned reader, or not at all.
func openRawStream(t *testing.T, base, path string) (net.Conn, *bufio.Reader) {
	t.Helper()
	addr := strings.TrimPrefix(base, "http://")
	c, err := net.DialTimeout("tcp", addr, waitLimit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: "+addr+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("%s: %s, transfer encoding %v", path, resp.Status, resp.TransferEncoding)
	}
	_ = c.SetReadDeadline(time.Time{})
	return c, bufio.NewReader(resp.Body)
}

// TestRawStreamOneGoroutinePerIdleStream: an idle SSE or NDJSON stream costs
// the server one goroutine (its reader), not a handler, a background reader
// and a writer.
func TestRawStreamOneGoroutinePerIdleStream(t *testing.T) {
	for _, path := range []string{"/sse", "/chunked"} {
		t.Run(path, func(t *testing.T) {
			srv, base := start(t, servers.Config{Heartbeat: time.Hour})
			before := srv.Stats().Goroutines
			const n = 40
			for range n {
				openRawStream(t, base, path)
			}
			waitSubscribers(t, srv, n)
			// A handler's goroutine may take a moment to end after the hijack.
			eventually(t, "one goroutine per idle stream", func() bool { return srv.Stats().Goroutines-before <= n+2 })
		})
	}
}

// TestRawStreamSlowPolicy: a stream whose client stopped reading meets the
// slow policy under direct writes as under a writer goroutine: its queue is
// bounded, and under disconnect it is kicked and its connection closed.
func TestRawStreamSlowPolicy(t *testing.T) {
	for _, policy := range []servers.SlowPolicy{servers.SlowDrop, servers.SlowDisconnect} {
		t.Run(string(policy), func(t *testing.T) {
			const queueBytes = 1 << 20
			srv, base := start(t, servers.Config{QueueLen: 8, QueueBytes: queueBytes, SlowPolicy: policy, Heartbeat: -1, WriteTimeout: time.Minute})
			c, _ := openRawStream(t, base, "/chunked") // never reads
			waitSubscribers(t, srv, 1)
			if !publishUntilDropped(t, srv, policy, queueBytes) {
				return
			}
			// The flusher's blocked write ends when the connection closes:
			// the client draining it sees the stream end.
			_ = c.SetReadDeadline(time.Now().Add(waitLimit))
			if _, err := io.Copy(io.Discard, c); err != nil {
				t.Fatalf("kicked stream still open: %v", err)
			}
			waitSubscribers(t, srv, 0)
		})
	}
}

// TestRawStreamOrder: messages reach a stream in publish order, none lost,
// whether the hub writes them directly, queues them while the socket is full
// or its flusher writes them.
func TestRawStreamOrder(t *testing.T) {
	const total = 1500
	srv, base := start(t, servers.Config{QueueLen: 2 * total, QueueBytes: 64 << 20, Heartbeat: -1})
	c, body := openRawStream(t, base, "/chunked")
	waitSubscribers(t, srv, 1)
	got := make(chan error, 1)
	go func() {
		time.Sleep(100 * time.Millisecond) // let the socket fill: the queue and flusher take over
		want := uint64(1)
		for want <= total {
			line, err := body.ReadBytes('\n')
			if err != nil {
				got <- err
				return
			}
			if len(line) <= 1 {
				continue // the preamble
			}
			var env wire.Envelope
			if err := json.Unmarshal(line, &env); err != nil {
				got <- err
				return
			}
			if env.Seq != want {
				got <- fmt.Errorf("got seq %d, want %d", env.Seq, want)
				return
			}
			want++
		}
		got <- nil
	}()
	_ = c.SetReadDeadline(time.Now().Add(4 * waitLimit))
	publishInBursts(t, srv, total, got, 4*waitLimit)
}
