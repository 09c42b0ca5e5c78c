package clients_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/internal/wire"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

// fakeSIO is a foreign Socket.IO server written against the wire format, for
// what pushbench's reference server does not do: emit events of its own
// names and end sessions. It expects the CONNECT packet wantConnect, accepts
// it with accept, sends script (Engine.IO packets in text form), then drops
// the connection unless the script ended the session.
type fakeSIO struct {
	t           *testing.T
	wantConnect string
	accept      string
	script      []string

	mu    sync.Mutex
	polls int
}

const fakeOpen = `0{"sid":"fake","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`

func (f *fakeSIO) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("EIO") != "4":
		http.Error(w, `{"code":5,"message":"Unsupported protocol version"}`, http.StatusBadRequest)
	case q.Get("transport") == "websocket":
		f.serveWebSocket(w, r)
	case q.Get("sid") == "":
		io.WriteString(w, fakeOpen)
	case r.Method == http.MethodPost:
		body, _ := io.ReadAll(r.Body)
		if string(body) != f.wantConnect && string(body) != "1" { // Close sends "1"
			f.t.Errorf("POST %q, want the connect %q", body, f.wantConnect)
		}
		io.WriteString(w, "ok")
	default:
		f.mu.Lock()
		f.polls++
		n := f.polls
		f.mu.Unlock()
		switch n {
		case 1:
			io.WriteString(w, f.accept)
		case 2:
			io.WriteString(w, strings.Join(f.script, "\x1e"))
		default:
			panic(http.ErrAbortHandler) // the server drops the session
		}
	}
}

func (f *fakeSIO) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		f.t.Errorf("upgrade: %v", err)
		return
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	conn.WriteMessage(websocket.TextMessage, []byte(fakeOpen))
	if _, msg, err := conn.ReadMessage(); err != nil || string(msg) != f.wantConnect {
		f.t.Errorf("got %q, %v; want the connect %q", msg, err, f.wantConnect)
		return
	}
	conn.WriteMessage(websocket.TextMessage, []byte(f.accept))
	for _, p := range f.script {
		conn.WriteMessage(websocket.TextMessage, []byte(p))
	}
}

func TestSocketIOFramesOfAForeignServer(t *testing.T) {
	chat := clients.Receive{SIONamespace: "/chat", SIOEvent: "time", SIOAuth: []byte(`{"token":"t"}`)}
	events := []string{`42/chat,["time","12:00"]`, `42/chat,["other",1]`, `42["time",0]`, `42/chat,["time",{"t":3},"extra"]`}
	tests := []struct {
		name    string
		script  []string
		want    []string
		wantErr string
	}{
		{"socket.io disconnect is a clean end", append(slices.Clone(events), `41/chat,`), []string{`"12:00"`, `{"t":3}`}, ""},
		{"engine.io close is a clean end", append(slices.Clone(events), `1`), []string{`"12:00"`, `{"t":3}`}, ""},
		{"disconnect of another namespace is not the end", []string{`41`, `42/chat,["time",5]`, `1`}, []string{`5`}, ""},
		{"dropped session is an error", events, []string{`"12:00"`, `{"t":3}`}, "EOF"},
	}
	for _, transport := range []clients.Name{clients.SocketIO, clients.SocketIOPolling} {
		for _, tt := range tests {
			t.Run(string(transport)+"/"+tt.name, func(t *testing.T) {
				fake := &fakeSIO{t: t, wantConnect: `40/chat,{"token":"t"}`, accept: `40/chat,{"sid":"s1"}`, script: tt.script}
				ts := httptest.NewServer(fake)
				defer ts.Close()
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				conn, _, err := dialReceive(t, ctx, transport, ts.URL+"/socket.io/", chat)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				frames, err := readUntilEnd(t, conn)
				if got := frameData(frames); !slices.Equal(got, tt.want) {
					t.Fatalf("frames %q, want %q", got, tt.want)
				}
				for _, f := range frames {
					if f.Event != "time" || f.At <= 0 {
						t.Errorf("frame %+v: want event time and an arrival time", f)
					}
				}
				checkEnd(t, err, tt.wantErr)
			})
		}
	}
}

func TestSocketIONamespaceAndAuthOnTheReferenceServer(t *testing.T) {
	tests := []struct {
		name      string
		rcv       clients.Receive
		wantPhase string // empty: the echo goes through
		wantErr   string
	}{
		{"namespace with its token", clients.Receive{SIONamespace: "/admin", SIOAuth: []byte(`{"token":"ok"}`)}, "", ""},
		{"wrong token", clients.Receive{SIONamespace: "/admin", SIOAuth: []byte(`{"token":"no"}`)}, clients.PhaseSIOConnect, "connect to namespace /admin refused: Not authorized"},
		{"unknown namespace", clients.Receive{SIONamespace: "/nope"}, clients.PhaseSIOConnect, "Invalid namespace"},
	}
	for _, transport := range []clients.Name{clients.SocketIO, clients.SocketIOPolling} {
		for _, tt := range tests {
			t.Run(string(transport)+"/"+tt.name, func(t *testing.T) {
				_, base := servertest.Start(t, servers.Config{})
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				conn, _, err := dialReceive(t, ctx, transport, base+"/socket.io/", tt.rcv)
				if tt.wantPhase != "" {
					var de *clients.DialError
					if !errors.As(err, &de) || de.Phase != tt.wantPhase || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("dial: %v, want phase %s containing %q", err, tt.wantPhase, tt.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				want := wire.Envelope{Seq: 3, TS: 4, Topic: "admin", Data: "x"}
				if err := conn.Write(want.AppendJSON(nil)); err != nil {
					t.Fatal(err)
				}
				if got := readEnvelope(t, conn); got != want {
					t.Fatalf("echo %+v, want %+v", got, want)
				}
			})
		}
	}
}
