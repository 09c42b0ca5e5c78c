package clients_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/internal/wire"
	"github.com/pushbench/pushbench/servers"
)

func TestReceiveValidate(t *testing.T) {
	tests := []struct {
		name    string
		rcv     clients.Receive
		wantErr string // empty: valid
	}{
		{"zero", clients.Receive{}, ""},
		{"everything set", clients.Receive{Headers: http.Header{"Authorization": {"Bearer x"}, "Cookie": {"a=b"}},
			ChunkedFraming: clients.FramingChunks, SSEEvent: "tick", SIOEvent: "time", SIONamespace: "/chat", SIOAuth: []byte(`{"token":"x"}`)}, ""},
		{"framing", clients.Receive{ChunkedFraming: "bytes"}, `chunked framing "bytes": want lines or chunks`},
		{"namespace without slash", clients.Receive{SIONamespace: "chat"}, `socket.io namespace "chat": must start with "/"`},
		{"namespace with comma", clients.Receive{SIONamespace: "/a,b"}, `contain no ","`},
		{"auth not an object", clients.Receive{SIOAuth: []byte(`"token"`)}, `socket.io auth "\"token\"": must be a JSON object`},
		{"auth not JSON", clients.Receive{SIOAuth: []byte(`{token}`)}, "must be a JSON object"},
		{"auth null", clients.Receive{SIOAuth: []byte(`null`)}, "must be a JSON object"},
		{"reserved event", clients.Receive{SIOEvent: "disconnect"}, `socket.io event "disconnect": reserved`},
		{"sse event with line break", clients.Receive{SSEEvent: "a\nb"}, "contains a line break"},
		{"handshake header", clients.Receive{Headers: http.Header{"Upgrade": {"h2c"}}}, "header Upgrade: set by the client itself"},
		{"header value with CRLF", clients.Receive{Headers: http.Header{"X-A": {"1\r\nX-B: 2"}}}, "contains a line break"},
		{"bad header name", clients.Receive{Headers: http.Header{"X A": {"1"}}}, `header name "X A"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rcv.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestDialRefusesInvalidReceive(t *testing.T) {
	for _, e := range clients.Entries() {
		t.Run(string(e.Name), func(t *testing.T) {
			_, _, err := dialReceive(t, context.Background(), e.Name, e.Endpoint("http://127.0.0.1:1"), clients.Receive{SIONamespace: "x", ChunkedFraming: "x", Headers: http.Header{"Upgrade": {"x"}}})
			var de *clients.DialError
			if !errors.As(err, &de) || de.Phase != clients.PhaseRequest {
				t.Fatalf("dial: %v, want a request-phase DialError", err)
			}
		})
	}
}

// requireCredentials refuses, with 401, requests without the header, cookie
// and query parameter a foreign server might demand.
func requireCredentials(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Cookie("session")
		if r.Header.Get("Authorization") != "Bearer x" || c == nil || c.Value != "c" || r.URL.Query().Get("token") != "q" {
			http.Error(w, "credentials required", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

var credentials = http.Header{"Authorization": {"Bearer x"}, "Cookie": {"session=c"}}

// TestHeadersAndQueryReachTheServer runs every transport (and both chunked
// framings, and both publishers) against a server that refuses requests
// without credentials: without the headers the dial fails with the 401,
// with them a message goes through.
func TestHeadersAndQueryReachTheServer(t *testing.T) {
	type variant struct {
		name    clients.Name
		framing string
		pubWS   bool // publish over WebSocket rather than HTTP POST
	}
	var variants []variant
	for _, e := range clients.Entries() {
		if !e.OwnListener { // no HTTP request to carry headers
			variants = append(variants, variant{name: e.Name})
		}
	}
	variants = append(variants, variant{name: clients.Chunked, framing: clients.FramingChunks, pubWS: true},
		variant{name: clients.SSE, pubWS: true})
	for _, v := range variants {
		t.Run(string(v.name)+"/"+v.framing+map[bool]string{true: "/ws-publisher"}[v.pubWS], func(t *testing.T) {
			srv := servers.New(servers.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
			ts := httptest.NewServer(requireCredentials(srv.Handler()))
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				srv.Shutdown(ctx)
				ts.Close()
			}()
			entry, _ := clients.Lookup(v.name)
			url := entry.Endpoint(ts.URL) + "?token=q"
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()

			_, _, err := dialReceive(t, ctx, v.name, url, clients.Receive{ChunkedFraming: v.framing})
			if err == nil || !strings.Contains(err.Error(), "401") {
				t.Fatalf("dial without credentials: %v, want the 401", err)
			}

			rcv := clients.Receive{ChunkedFraming: v.framing, Headers: credentials}
			conn, _, err := dialReceive(t, ctx, v.name, url, rcv)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			want := wire.Envelope{Seq: 1, TS: 2, Topic: "creds", Data: "y"}
			if entry.Bidirectional {
				if err := conn.Write(want.AppendJSON(nil)); err != nil {
					t.Fatal(err)
				}
			} else {
				waitSubscribers(t, srv, 1)
				opts := clients.NewDialOptions(sinceClock{time.Now()}, 5*time.Second)
				defer opts.Close()
				opts.Receive = rcv
				pubURL := ts.URL + "/publish?token=q"
				if v.pubWS {
					pubURL = wsURL(pubURL)
				}
				publishOne(t, ctx, pubURL, opts, want)
			}
			if got := readEnvelope(t, conn); got != want {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
}
