package clients_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
)

func TestErrorClass(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&clients.DialError{URL: "http://x", Phase: clients.PhaseTCP, Err: errors.New("refused")}, "connect/tcp"},
		{fmt.Errorf("sse: %w", &clients.DialError{URL: "http://x", Phase: clients.PhaseTimeout}), "connect/timeout"},
		{errors.New("something else"), "connect"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := clients.ErrorClass(tt.err); got != tt.want {
				t.Fatalf("ErrorClass(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

// dialFails dials transport at url and returns the DialError it must fail with.
func dialFails(t *testing.T, transport clients.Name, url string, timeout time.Duration) *clients.DialError {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conn, _, err := dial(t, ctx, transport, url, timeout)
	if err == nil {
		conn.Close()
		t.Fatalf("dial %s succeeded", url)
	}
	var de *clients.DialError
	if !errors.As(err, &de) {
		t.Fatalf("error %v is not a DialError", err)
	}
	return de
}

func TestDialUnreachableIsTCPAndNamesTheURL(t *testing.T) {
	// Take a free port and close it so nothing listens there.
	ts := httptest.NewServer(http.NotFoundHandler())
	dead := ts.URL
	ts.Close()
	for _, e := range clients.Entries() {
		t.Run(string(e.Name), func(t *testing.T) {
			url := endpointAt(e, dead)
			de := dialFails(t, e.Name, url, 2*time.Second)
			// The error names the URL dialled (Socket.IO adds its query and
			// switches to ws://), whatever the scheme.
			_, hostPath, _ := strings.Cut(url, "://")
			if de.Phase != clients.PhaseTCP || !strings.Contains(de.Error(), hostPath) || !strings.Contains(de.Error(), "refused") {
				t.Fatalf("error %q: want phase tcp, the URL and refused", de)
			}
		})
	}
}

func TestDialWrongResponseSaysWhatWasExpected(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<html>hello</html>")
	}))
	defer ts.Close()
	tests := []struct {
		transport clients.Name
		path      string
		phase     string
		want      string
	}{
		{clients.SSE, "/sse", clients.PhaseContentType, "expected text/event-stream, got text/html"},
		{clients.Chunked, "/chunked", clients.PhaseContentType, "expected application/x-ndjson, got text/html"},
		{clients.SSE, "/missing", clients.PhaseStatus, "expected 200, got 404"},
		{clients.WS, "/ws", clients.PhaseStatus, "expected 101 Switching Protocols, got 200"},
		{clients.SocketIO, "/socket.io/", clients.PhaseStatus, "expected 101 Switching Protocols, got 200"},
		{clients.SocketIOPolling, "/socket.io/", clients.PhaseEIOOpen, "bad handshake payload"},
	}
	for _, tt := range tests {
		t.Run(string(tt.transport)+tt.path, func(t *testing.T) {
			e, _ := clients.Lookup(tt.transport)
			base := ts.URL
			if e.WebSocketScheme {
				base = wsURL(base)
			}
			url := base + tt.path
			de := dialFails(t, tt.transport, url, 5*time.Second)
			_, hostPath, _ := strings.Cut(url, "://")
			if de.Phase != tt.phase || !strings.Contains(de.Error(), tt.want) || !strings.Contains(de.Error(), hostPath) {
				t.Fatalf("error %q: want phase %s, %q and the URL %s", de, tt.phase, tt.want, url)
			}
		})
	}
}

// TestDialTimeout dials a server that accepts and then says nothing (or, for
// Socket.IO, upgrades and then says nothing): every transport reports the
// phase timeout within about the connect timeout.
func TestDialTimeout(t *testing.T) {
	hold := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	}))
	defer silent.Close()
	defer close(hold)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	mute := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(mute)
				return
			}
			mute <- c
		}
	}()
	defer func() {
		ln.Close()
		for c := range mute {
			c.Close()
		}
	}()
	for _, e := range clients.Entries() {
		t.Run(string(e.Name), func(t *testing.T) {
			if e.OwnListener {
				t.Skip("a plain TCP connection is ready once accepted: there is no answer to wait for")
			}
			de := dialFails(t, e.Name, e.Endpoint(silent.URL), 200*time.Millisecond)
			if de.Phase != clients.PhaseTimeout || !strings.Contains(de.Error(), "not ready within 200ms") {
				t.Fatalf("error %q: want phase timeout", de)
			}
		})
	}
	t.Run("raw TCP that never answers the WebSocket handshake", func(t *testing.T) {
		de := dialFails(t, clients.WS, "ws://"+ln.Addr().String()+"/ws", 200*time.Millisecond)
		if de.Phase != clients.PhaseTimeout {
			t.Fatalf("error %q: want phase timeout", de)
		}
	})
}
