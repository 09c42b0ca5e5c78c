package servers_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushbench/pushbench/servers"
)

// trickle sends a POST whose body would take far longer than the body
// timeout, a byte at a time, and returns the status the server answered
// with once it cut the body off (0 if it just closed).
func trickle(t *testing.T, addr, target string) int {
	// /publish takes only JSON (anything else is refused before the body is
	// read); Engine.IO polling posts text/plain.
	contentType := "text/plain"
	if strings.HasPrefix(target, "/publish") {
		contentType = "application/json"
	}
	return trickleAs(t, addr, target, contentType, "")
}

// trickleAs is trickle with the content type and extra header lines given.
func trickleAs(t *testing.T, addr, target, contentType, header string) int {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return -1
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\n%sContent-Length: 1000\r\n\r\n", target, addr, contentType, header)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 1000; i++ { // 1000 × 50 ms: 50 s if nobody cuts it
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if _, err := conn.Write([]byte("x")); err != nil {
				return
			}
		}
	}()
	defer wg.Wait()
	defer close(stop)
	conn.SetReadDeadline(time.Now().Add(waitLimit))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Errorf("POST %s: body still open after %v", target, waitLimit)
			return -1
		}
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestTrickledBodiesCutAtTheDeadline: POST bodies that trickle in are cut at
// the body timeout (408), many at once, while other clients are served.
func TestTrickledBodiesCutAtTheDeadline(t *testing.T) {
	const trickles = 20
	cfg := servers.Config{BodyTimeout: 300 * time.Millisecond}
	tests := []struct {
		name   string
		target func(t *testing.T, base string) string
	}{
		{"POST /publish", func(*testing.T, string) string { return "/publish" }},
		{"Engine.IO polling POST", func(t *testing.T, base string) string {
			return "/socket.io/?EIO=4&transport=polling&sid=" + openPolling(t, base).sid
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, base := start(t, cfg)
			addr := strings.TrimPrefix(base, "http://")
			good := dialWS(t, wsURL(base)+"/ws", nil)
			waitSubscribers(t, srv, 1)
			statuses := make(chan int, trickles)
			for range trickles {
				target := tt.target(t, base)
				go func() { statuses <- trickle(t, addr, target) }()
			}
			for i := 1; i <= 5; i++ { // served meanwhile
				publish(t, base, fmt.Sprintf(`{"seq":%d,"ts":1,"data":"x"}`, i))
				if got := readSeq(t, good); got != i {
					t.Fatalf("well-behaved client got seq %d, want %d", got, i)
				}
			}
			for range trickles {
				if status := recv(t, statuses, "trickled POST's end"); status != http.StatusRequestTimeout {
					t.Fatalf("trickled POST answered %d, want 408", status)
				}
			}
		})
	}
}

// TestRefusedTrickledBodiesAreCutToo: a POST the server refuses without
// reading its body (wrong type, no token, no such path, wrong method) must not
// let the client hold the connection by trickling that body: net/http would
// read it before answering, with no deadline of its own.
func TestRefusedTrickledBodiesAreCutToo(t *testing.T) {
	cfg := servers.Config{BodyTimeout: 300 * time.Millisecond, PublishToken: "tok"}
	_, base := start(t, cfg)
	addr := strings.TrimPrefix(base, "http://")
	tests := []struct {
		name, target, contentType, header string
	}{
		{"publish as text/plain", "/publish", "text/plain", "Authorization: Bearer tok\r\n"},
		{"publish without the token", "/publish", "application/json", ""},
		{"no such path", "/nope", "application/json", ""},
		{"wrong method", "/stats", "application/json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status := trickleAs(t, addr, tt.target, tt.contentType, tt.header); status == -1 {
				t.Fatalf("connection still held")
			}
		})
	}
}
