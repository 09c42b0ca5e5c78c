package clients_test

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
)

// TestEndlessResponseHeadIsBounded: a server that streams a header line
// that never ends is refused once the head passes 1 MiB, long before the
// connect timeout, on every transport that reads HTTP heads itself (SSE
// and chunked streams, Socket.IO long-polling): the client's memory stays
// bounded whatever the server sends.
func TestEndlessResponseHeadIsBounded(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				_, _ = c.Read(make([]byte, 4096))
				_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nX-Endless: "))
				junk := bytes.Repeat([]byte("a"), 64<<10)
				for range 32 * 16 { // 32 MiB at most, then the test's deadline
					if _, err := c.Write(junk); err != nil {
						return
					}
				}
			}()
		}
	}()
	base := "http://" + ln.Addr().String()
	for _, c := range []struct {
		transport clients.Name
		url       string
	}{
		{clients.SSE, base + "/sse"},
		{clients.Chunked, base + "/chunked"},
		{clients.SocketIOPolling, base + "/socket.io/"},
	} {
		t.Run(string(c.transport), func(t *testing.T) {
			entry, _ := clients.Lookup(c.transport)
			opts := clients.NewDialOptions(sinceClock{time.Now()}, 10*time.Second)
			defer opts.Close()
			start := time.Now()
			conn, _, err := entry.New().Dial(context.Background(), c.url, opts)
			if err == nil {
				conn.Close()
				t.Fatal("dial succeeded")
			}
			if !strings.Contains(err.Error(), "response head larger than 1048576 bytes") {
				t.Fatalf("error %v, want the head bound named", err)
			}
			if took := time.Since(start); took > 8*time.Second {
				t.Errorf("refused after %s: the bound, not the connect timeout, should end it", took)
			}
		})
	}
}
