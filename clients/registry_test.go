package clients_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pushbench/pushbench/clients"
)

func TestNamesInDisplayOrder(t *testing.T) {
	want := []clients.Name{clients.Chunked, clients.SSE, clients.WS, clients.SocketIO, clients.SocketIOPolling, clients.TCP}
	if got := clients.Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	if got := clients.JoinNames(","); got != "chunked,sse,ws,socketio,socketio-polling,tcp" {
		t.Fatalf("JoinNames = %q", got)
	}
	for _, e := range clients.Entries() {
		if e.New == nil || (e.Path == "") != e.OwnListener {
			t.Errorf("entry %s is incomplete: %+v", e.Name, e)
		}
	}
}

func TestParseAndLookup(t *testing.T) {
	tests := []struct {
		in      string
		want    clients.Name
		wantErr string
	}{
		{"sse", clients.SSE, ""},
		{"socketio-polling", clients.SocketIOPolling, ""},
		{"carrier-pigeon", "", `unknown transport "carrier-pigeon": want one of chunked, sse, ws, socketio, socketio-polling`},
		{"SSE", "", `unknown transport "SSE"`},
		{"", "", `unknown transport ""`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := clients.Parse(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse(%q) error %v, want it to contain %q", tt.in, err, tt.wantErr)
				}
				if _, err := clients.Lookup(clients.Name(tt.in)); err == nil {
					t.Fatalf("Lookup(%q) succeeded", tt.in)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Parse(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			e, err := clients.Lookup(got)
			if err != nil || e.Name != tt.want {
				t.Fatalf("Lookup(%q) = %+v, %v", got, e, err)
			}
		})
	}
}

func TestEntriesAreTheCallersOwn(t *testing.T) {
	e, _ := clients.Lookup(clients.SocketIO)
	e.Phases[0] = "changed"
	e.Bidirectional = false
	again, _ := clients.Lookup(clients.SocketIO)
	if again.Phases[0] == "changed" || !again.Bidirectional {
		t.Fatalf("a caller changed the registry: %+v", again)
	}
}

func TestEndpoint(t *testing.T) {
	tests := []struct {
		transport  clients.Name
		base, want string
	}{
		{clients.Chunked, "http://127.0.0.1:8080/", "http://127.0.0.1:8080/chunked"},
		{clients.SSE, "http://127.0.0.1:8080", "http://127.0.0.1:8080/sse"},
		{clients.WS, "http://127.0.0.1:8080", "ws://127.0.0.1:8080/ws"},
		{clients.WS, "https://example.test", "wss://example.test/ws"},
		{clients.SocketIO, "http://127.0.0.1:8080", "http://127.0.0.1:8080/socket.io/"},
		{clients.SocketIOPolling, "https://example.test/", "https://example.test/socket.io/"},
		{clients.TCP, "http://127.0.0.1:8080", ""}, // its own port: announced or given, never derived
	}
	for _, tt := range tests {
		t.Run(string(tt.transport)+" "+tt.base, func(t *testing.T) {
			e, err := clients.Lookup(tt.transport)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.Endpoint(tt.base); got != tt.want {
				t.Fatalf("Endpoint(%q) = %q, want %q", tt.base, got, tt.want)
			}
		})
	}
}

func TestWebSocketURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://h:1/p":   "ws://h:1/p",
		"https://h/p":    "wss://h/p",
		"ws://h/p":       "ws://h/p",
		"unix:///x.sock": "unix:///x.sock",
	} {
		if got := clients.WebSocketURL(in); got != want {
			t.Errorf("WebSocketURL(%q) = %q, want %q", in, got, want)
		}
	}
}
