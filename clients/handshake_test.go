package clients_test

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
)

// answerFunc writes a hand-written answer to req on c. It returns when it is
// done with c (which is then closed) and must return once done is closed.
type answerFunc func(c net.Conn, req *http.Request, done <-chan struct{})

// rawServer serves every TCP connection with answer after reading its request
// head, and returns the server's address and the Sec-WebSocket-Key of the
// last request. Everything it started ends when the test does.
func rawServer(t *testing.T, answer answerFunc) (addr string, lastKey func() string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		key string
	)
	done := make(chan struct{})
	t.Cleanup(func() {
		ln.Close()
		close(done)
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				mu.Lock()
				key = req.Header.Get("Sec-WebSocket-Key")
				mu.Unlock()
				answer(c, req, done)
			})
		}
	})
	return ln.Addr().String(), func() string {
		mu.Lock()
		defer mu.Unlock()
		return key
	}
}

// acceptOf is the Sec-WebSocket-Accept for key, computed here from RFC 6455
// section 4.2.2 independently of the client.
func acceptOf(key string) string {
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// write sends lines, each ended by CRLF, then tail as it is.
func write(c net.Conn, tail string, lines ...string) {
	for _, l := range lines {
		c.Write([]byte(l + "\r\n"))
	}
	c.Write([]byte(tail))
}

func hold(_ net.Conn, _ *http.Request, done <-chan struct{}) { <-done }

// answerThenHold writes tail after lines and keeps the connection open.
func answerThenHold(tail string, lines ...string) answerFunc {
	return func(c net.Conn, _ *http.Request, done <-chan struct{}) {
		write(c, tail, lines...)
		<-done
	}
}

// answerThenTrickle writes lines and then one byte every 50 ms until the
// connection or the test ends: a page that never stops streaming.
func answerThenTrickle(lines ...string) answerFunc {
	return func(c net.Conn, _ *http.Request, done <-chan struct{}) {
		write(c, "", lines...)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if _, err := c.Write([]byte(".")); err != nil {
					return
				}
			}
		}
	}
}

// upgrade answers with a valid 101 head.
func upgrade(c net.Conn, req *http.Request) {
	write(c, "\r\n", "HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
		"Sec-WebSocket-Accept: "+acceptOf(req.Header.Get("Sec-WebSocket-Key")))
}

const (
	status101   = "HTTP/1.1 101 Switching Protocols"
	upgradeLine = "Upgrade: websocket"
)

// partial101 is a 101 head cut before its blank line.
var partial101 = status101 + "\r\n" + upgradeLine + "\r\n"

// timedDial dials transport at url and returns its error and how long it took.
func timedDial(t *testing.T, transport clients.Name, url string, timeout time.Duration) (error, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	began := time.Now()
	conn, _, err := dial(t, ctx, transport, url, timeout)
	took := time.Since(began)
	if conn != nil {
		conn.Close()
	}
	return err, took
}

// TestWebSocketHandshakeFailures dials hand-written servers that get the
// opening handshake wrong: each failure is named, in its phase, and reported
// well within the connect timeout once the server has answered.
func TestWebSocketHandshakeFailures(t *testing.T) {
	longBody := strings.Repeat("x", 300)
	tests := []struct {
		name    string
		answer  answerFunc
		timeout time.Duration
		phase   string
		want    string // "{accept}" stands for the right Sec-WebSocket-Accept
		within  time.Duration
	}{
		{
			name: "wrong Sec-WebSocket-Accept",
			answer: answerThenHold("\r\n", status101, upgradeLine, "Connection: Upgrade",
				"Sec-WebSocket-Accept: d3Jvbmc="),
			phase: clients.PhaseHandshake,
			want:  `Sec-WebSocket-Accept mismatch (got "d3Jvbmc=", want "{accept}")`,
		},
		{
			name: "101 without Upgrade",
			answer: func(c net.Conn, req *http.Request, done <-chan struct{}) {
				write(c, "\r\n", status101, "Connection: Upgrade",
					"Sec-WebSocket-Accept: "+acceptOf(req.Header.Get("Sec-WebSocket-Key")))
				<-done
			},
			phase: clients.PhaseHandshake,
			want:  `101 without "Upgrade: websocket": header missing`,
		},
		{
			name: "101 with Connection keep-alive",
			answer: func(c net.Conn, req *http.Request, done <-chan struct{}) {
				write(c, "\r\n", status101, upgradeLine, "Connection: keep-alive",
					"Sec-WebSocket-Accept: "+acceptOf(req.Header.Get("Sec-WebSocket-Key")))
				<-done
			},
			phase: clients.PhaseHandshake,
			want:  `101 without "Connection: Upgrade": got "keep-alive"`,
		},
		{
			name:   "101 whose headers never end",
			answer: answerThenHold(partial101),
			phase:  clients.PhaseHandshake,
			want:   "101 with incomplete headers: no blank line after 54 bytes, then silent for " + clients.DefaultHandshakeQuiet.String(),
		},
		{
			name: "connection closed mid-headers",
			answer: func(c net.Conn, _ *http.Request, _ <-chan struct{}) {
				write(c, partial101)
			},
			phase: clients.PhaseHandshake,
			want:  "101 with incomplete headers: no blank line after 54 bytes, then the connection closed",
		},
		{
			name:   "connection closed without an answer",
			answer: func(net.Conn, *http.Request, <-chan struct{}) {},
			phase:  clients.PhaseHandshake,
			want:   "server closed the connection without answering the handshake",
		},
		{
			name:   "200 with a slowly streaming page",
			answer: answerThenTrickle("HTTP/1.1 200 OK", "Content-Type: text/html", "", "<html><body>"),
			phase:  clients.PhaseStatus,
			want:   `expected 101 Switching Protocols, got 200 OK: "<html><body>`,
		},
		{
			name: "404 with a body",
			answer: answerThenHold("404 page not found", "HTTP/1.1 404 Not Found",
				"Content-Type: text/plain", "Content-Length: 18", ""),
			phase: clients.PhaseStatus,
			want:  `expected 101 Switching Protocols, got 404 Not Found: "404 page not found"`,
		},
		{
			name:   "404 with a long body is quoted in part",
			answer: answerThenHold(longBody, "HTTP/1.1 404 Not Found", "Content-Length: 300", ""),
			phase:  clients.PhaseStatus,
			want:   `got 404 Not Found: "` + longBody[:80] + `" (220 more bytes not shown)`,
		},
		{
			name:    "accepts TCP and never answers",
			answer:  hold,
			timeout: time.Second,
			phase:   clients.PhaseTimeout,
			want:    "timeout: not ready within 1s",
			within:  3 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			timeout, within := tt.timeout, tt.within
			if timeout == 0 {
				timeout, within = 5*time.Second, 1500*time.Millisecond
			}
			addr, lastKey := rawServer(t, tt.answer)
			url := "ws://" + addr + "/ws"
			err, took := timedDial(t, clients.WS, url, timeout)
			var de *clients.DialError
			if !errors.As(err, &de) {
				t.Fatalf("error %v: want a DialError", err)
			}
			want := strings.ReplaceAll(tt.want, "{accept}", acceptOf(lastKey()))
			if de.Phase != tt.phase || de.URL != url || !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q:\nwant phase %s, the URL and %q", err, tt.phase, want)
			}
			if strings.Contains(err.Error(), "&{") || strings.Contains(err.Error(), "{0x") {
				t.Fatalf("error %q holds a Go value dump", err)
			}
			if took >= within {
				t.Fatalf("dial failed after %s, want under %s", took, within)
			}
		})
	}
}

// TestWebSocketHandshakeQuietRuleSparesSlowServers: the quiet rule starts only
// once the server has begun answering, allows gaps shorter than the quiet
// period, and ends with the handshake.
func TestWebSocketHandshakeQuietRuleSparesSlowServers(t *testing.T) {
	tests := []struct {
		name   string
		answer answerFunc
	}{
		{"answers after longer than the quiet period", func(c net.Conn, req *http.Request, done <-chan struct{}) {
			time.Sleep(600 * time.Millisecond)
			upgrade(c, req)
			write(c, "\x81\x02hi")
			<-done
		}},
		{"answers in pieces under the quiet period", func(c net.Conn, req *http.Request, done <-chan struct{}) {
			for _, l := range []string{status101, upgradeLine, "Connection: Upgrade"} {
				write(c, "", l)
				time.Sleep(150 * time.Millisecond)
			}
			write(c, "\r\n", "Sec-WebSocket-Accept: "+acceptOf(req.Header.Get("Sec-WebSocket-Key")))
			write(c, "\x81\x02hi")
			<-done
		}},
		{"first message after longer than the quiet period", func(c net.Conn, req *http.Request, done <-chan struct{}) {
			upgrade(c, req)
			time.Sleep(700 * time.Millisecond)
			write(c, "\x81\x02hi")
			<-done
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, _ := rawServer(t, tt.answer)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			conn, _, err := dial(t, ctx, clients.WS, "ws://"+addr+"/ws", 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if got := readWithin(t, conn, 5*time.Second); got != "hi" {
				t.Fatalf("read %q, want hi", got)
			}
		})
	}
}

// readWithin reads one message from conn, failing the test if none comes
// within d.
func readWithin(t *testing.T, conn clients.Conn, d time.Duration) string {
	t.Helper()
	type read struct {
		f   clients.Frame
		err error
	}
	got := make(chan read, 1)
	go func() {
		f, err := conn.Read()
		got <- read{f, err}
	}()
	select {
	case r := <-got:
		if r.err != nil {
			t.Fatalf("read: %v", r.err)
		}
		return string(r.f.Data)
	case <-time.After(d):
		conn.Close()
		<-got
		t.Fatalf("no message within %s", d)
	}
	return ""
}

// TestStreamNon200WithSlowBody: an HTTP streaming transport answered with an
// error page that keeps streaming reports the status and the page's first
// bytes within the quiet period, not the connect timeout.
func TestStreamNon200WithSlowBody(t *testing.T) {
	for _, transport := range []clients.Name{clients.SSE, clients.Chunked} {
		t.Run(string(transport), func(t *testing.T) {
			addr, _ := rawServer(t, answerThenTrickle("HTTP/1.1 503 Service Unavailable",
				"Content-Type: text/html", "", "<html>"))
			err, took := timedDial(t, transport, "http://"+addr+"/stream", 5*time.Second)
			var de *clients.DialError
			want := `expected 200, got 503 Service Unavailable: "<html>\r\n`
			if !errors.As(err, &de) || de.Phase != clients.PhaseStatus || !strings.Contains(err.Error(), want) {
				t.Fatalf("error %v: want phase status and %q", err, want)
			}
			if took >= 1500*time.Millisecond {
				t.Fatalf("dial failed after %s, want under 1.5s", took)
			}
		})
	}
}
