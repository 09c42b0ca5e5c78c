package clients

import (
	"fmt"
	"slices"
	"strings"
)

// Name names a client transport, as written in scenarios, flags and results.
type Name string

// The client transports.
const (
	Chunked         Name = "chunked"
	SSE             Name = "sse"
	WS              Name = "ws"
	SocketIO        Name = "socketio"
	SocketIOPolling Name = "socketio-polling"
	TCP             Name = "tcp"
)

func (n Name) String() string { return string(n) }

// Entry is what the load generator knows about one transport: the registry is
// the one place a transport is named, so adding one is its file plus a line
// in registry.
type Entry struct {
	Name Name
	// Path is the transport's endpoint on a pushbench reference server.
	Path string
	// WebSocketScheme says the endpoint URL is ws(s):// rather than http(s)://.
	WebSocketScheme bool
	// OwnListener says the endpoint is not a path of the HTTP server but a
	// listener of its own, tcp://HOST:PORT: a pushbench server announces its
	// address, a user's server is given it (--url tcp=...), and Endpoint
	// cannot derive it from the base URL.
	OwnListener bool
	// Bidirectional says Conn.Write works (the echo pattern needs it).
	Bidirectional bool
	// Phases are the names of the connect steps Dial reports in
	// Timings.Phases, each a histogram in the results.
	Phases []string
	// New returns the transport's client.
	New func() Transport
}

// registry lists every client transport, in the order tables and flags show
// them. It builds a fresh table on each call so no caller can change another's.
func registry() []Entry {
	return []Entry{
		{Name: Chunked, Path: "/chunked", New: func() Transport { return chunkedClient{} }},
		{Name: SSE, Path: "/sse", New: func() Transport { return sseClient{} }},
		{Name: WS, Path: "/ws", WebSocketScheme: true, Bidirectional: true, New: func() Transport { return wsClient{} }},
		{Name: SocketIO, Path: "/socket.io/", Bidirectional: true,
			Phases: []string{histUpgrade, histEIOOpen, histSIOConnect}, New: func() Transport { return socketioWSClient{} }},
		{Name: SocketIOPolling, Path: "/socket.io/", Bidirectional: true,
			Phases: []string{histEIOOpen, histSIOConnect}, New: func() Transport { return socketioPollingClient{} }},
		{Name: TCP, OwnListener: true, Bidirectional: true, New: func() Transport { return tcpClient{} }},
	}
}

// Entries lists the registry entries in display order; the slice is the
// caller's own.
func Entries() []Entry { return registry() }

// Names lists the client transports in their display order.
func Names() []Name {
	var names []Name
	for _, e := range registry() {
		names = append(names, e.Name)
	}
	return names
}

// JoinNames joins the transport names in display order with sep, for help
// texts and error messages.
func JoinNames(sep string) string {
	var names []string
	for _, n := range Names() {
		names = append(names, string(n))
	}
	return strings.Join(names, sep)
}

// Lookup returns the registry entry of the transport n; the error lists the
// valid names.
func Lookup(n Name) (Entry, error) {
	entries := registry()
	i := slices.IndexFunc(entries, func(e Entry) bool { return e.Name == n })
	if i < 0 {
		return Entry{}, fmt.Errorf("unknown transport %q: want one of %s", string(n), JoinNames(", "))
	}
	return entries[i], nil
}

// Parse checks that s names a transport and returns it typed; the error lists
// the valid names.
func Parse(s string) (Name, error) {
	e, err := Lookup(Name(s))
	return e.Name, err
}

// Endpoint is the transport's URL on a pushbench server whose base URL
// (http://host:port) is base; "" for a transport on a listener of its own
// (OwnListener), whose address the base does not tell.
func (e Entry) Endpoint(base string) string {
	if e.OwnListener {
		return ""
	}
	u := strings.TrimSuffix(base, "/") + e.Path
	if e.WebSocketScheme {
		return WebSocketURL(u)
	}
	return u
}

// Schemes are the URL schemes the transport's endpoint may have.
func (e Entry) Schemes() []string {
	switch {
	case e.OwnListener:
		return []string{TCPScheme}
	case e.WebSocketScheme:
		return []string{"ws", "wss"}
	}
	return []string{"http", "https"}
}

// WebSocketURL switches an http(s) URL to the ws(s) scheme.
func WebSocketURL(u string) string {
	if rest, ok := strings.CutPrefix(u, "https://"); ok {
		return "wss://" + rest
	}
	if rest, ok := strings.CutPrefix(u, "http://"); ok {
		return "ws://" + rest
	}
	return u
}
