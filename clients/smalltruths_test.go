package clients_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

// TestInstantRefusalIsTCPNotTimeout: a port nothing listens on refuses at
// once; with the default 10 s connect timeout the stream transports report
// that refusal, not a timeout.
func TestInstantRefusalIsTCPNotTimeout(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	dead := ts.URL
	ts.Close()
	for _, name := range []clients.Name{clients.SSE, clients.Chunked} {
		t.Run(string(name), func(t *testing.T) {
			e, _ := clients.Lookup(name)
			de := dialFails(t, name, e.Endpoint(dead), 10*time.Second)
			if de.Phase != clients.PhaseTCP || strings.Contains(de.Error(), "not ready within") || !strings.Contains(de.Error(), "refused") {
				t.Fatalf("error %q: want phase tcp saying refused", de)
			}
		})
	}
}

// TestWebSocketCloseCodesAreNamed: a server that closes with a code other
// than 1000/1001 ends the read with a WSCloseError naming the code and what
// it means, and ErrorClass classifies it by code.
func TestWebSocketCloseCodesAreNamed(t *testing.T) {
	tests := []struct {
		code    int
		meaning string
	}{
		{websocket.CloseProtocolError, "protocol error"},
		{websocket.ClosePolicyViolation, "policy violation"},
		{websocket.CloseMessageTooBig, "message too big"},
		{websocket.CloseInternalServerErr, "internal server error"},
		{4001, "application-defined"},
	}
	for _, tt := range tests {
		t.Run(tt.meaning, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
				if err != nil {
					return
				}
				defer c.Close()
				c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(tt.code, "why"), time.Now().Add(time.Second))
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				c.ReadMessage() // until the client answers the close
			}))
			defer ts.Close()
			conn, _, err := dial(t, context.Background(), clients.WS, wsURL(ts.URL), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_, err = readUntilEnd(t, conn)
			var ce *clients.WSCloseError
			if !errors.As(err, &ce) || ce.Code != tt.code || !strings.Contains(err.Error(), tt.meaning) || !strings.Contains(err.Error(), `"why"`) {
				t.Fatalf("read: %v, want a close %d (%s) with its reason", err, tt.code, tt.meaning)
			}
			if errors.Is(err, clients.ErrEnded) {
				t.Fatal("an error close counted as a clean end")
			}
			if got, want := clients.ErrorClass(err), "ws-close/"+strconv.Itoa(tt.code); got != want {
				t.Fatalf("ErrorClass = %q, want %q", got, want)
			}
		})
	}
}

// TestWebSocketWriteOverServerLimitNames1009: the reference server closes a
// WebSocket whose message passes its read limit with 1009; a write that
// fails on the reset which follows names the 1009, not the reset.
func TestWebSocketWriteOverServerLimitNames1009(t *testing.T) {
	_, base := servertest.Start(t, servers.Config{WSReadLimit: 1024})
	for range 3 { // the reset races the write; every outcome must name 1009
		conn, _, err := dial(t, context.Background(), clients.WS, wsURL(base)+"/ws", 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		read := make(chan error, 1)
		go func() {
			for {
				if _, err := conn.Read(); err != nil {
					read <- err
					return
				}
			}
		}()
		var werr error
		for i := 0; i < 16 && werr == nil; i++ { // 16 × 4 MiB at most, until the reset
			werr = conn.Write([]byte(strings.Repeat("x", 4<<20)))
		}
		var ce *clients.WSCloseError
		if werr != nil && (!errors.As(werr, &ce) || ce.Code != websocket.CloseMessageTooBig || !strings.Contains(werr.Error(), "message too big")) {
			t.Fatalf("write: %v, want the server's close 1009 (message too big)", werr)
		}
		select {
		case err := <-read:
			if !errors.As(err, &ce) || ce.Code != websocket.CloseMessageTooBig {
				t.Fatalf("read: %v, want the server's close 1009", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("read did not end within 5s of the server's close")
		}
		conn.Close()
	}
}

// TestPollBodyOverLimitSaysSo: a long-poll response over 16 MiB ends the
// connection with ErrTooLarge naming the limit, not "invalid" anything.
func TestPollBodyOverLimitSaysSo(t *testing.T) {
	var polls atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Query().Get("sid") == "":
			io.WriteString(w, fakeOpen)
		case r.Method == http.MethodPost:
			io.Copy(io.Discard, r.Body)
			io.WriteString(w, "ok")
		default:
			if polls.Add(1) == 1 {
				io.WriteString(w, `40{"sid":"x"}`)
				return
			}
			// One message of 16 MiB + 1 KiB: a body over the bound.
			io.WriteString(w, `42["msg","`)
			chunk := strings.Repeat("a", 1<<20)
			for range 16 {
				if _, err := io.WriteString(w, chunk); err != nil {
					return
				}
			}
			io.WriteString(w, strings.Repeat("b", 1024)+`"]`)
		}
	}))
	defer ts.Close()
	conn, _, err := dialReceive(t, context.Background(), clients.SocketIOPolling, ts.URL+"/socket.io/", clients.Receive{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = readUntilEnd(t, conn)
	if !errors.Is(err, clients.ErrTooLarge) || !strings.Contains(err.Error(), "16777216") || strings.Contains(err.Error(), "invalid") {
		t.Fatalf("read: %v, want ErrTooLarge naming the 16 MiB limit", err)
	}
}

// TestPollMessageOverMaxMessage: a polled message over --max-message ends
// the connection with ErrTooLarge, as on every other transport.
func TestPollMessageOverMaxMessage(t *testing.T) {
	var polls atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Query().Get("sid") == "":
			io.WriteString(w, fakeOpen)
		case r.Method == http.MethodPost:
			io.Copy(io.Discard, r.Body)
			io.WriteString(w, "ok")
		default:
			if polls.Add(1) == 1 {
				io.WriteString(w, `40{"sid":"x"}`)
				return
			}
			io.WriteString(w, `42["msg","`+strings.Repeat("a", 2000)+`"]`)
		}
	}))
	defer ts.Close()
	conn, _, err := dialReceive(t, context.Background(), clients.SocketIOPolling, ts.URL+"/socket.io/", clients.Receive{MaxMessage: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = readUntilEnd(t, conn)
	if !errors.Is(err, clients.ErrTooLarge) || !strings.Contains(err.Error(), "1000 bytes") {
		t.Fatalf("read: %v, want ErrTooLarge naming the 1000-byte limit", err)
	}
}
