package servers

import (
	"context"
	"net"
	"net/http"
)

// Transport is one push transport's server side, speaking its protocol on top
// of the shared hub. It is either an HTTPTransport, served by the server's
// HTTP listener, or a ListenerTransport with a listener of its own.
type Transport interface {
	// Name is the transport's name in results: chunked, sse, ws, socketio.
	Name() string
}

// HTTPTransport is a transport served at a path of the server's HTTP listener.
type HTTPTransport interface {
	Transport
	// Pattern is the ServeMux pattern, method included.
	Pattern() string
	http.Handler
}

// ListenerTransport is a transport that accepts on a listener of its own (a
// raw-TCP protocol, say), so it cannot be an HTTP handler.
type ListenerTransport interface {
	Transport
	// Serve accepts connections on ln until ctx is cancelled, then closes ln
	// and its connections and returns once they have ended. Graceful shutdown
	// cancels ctx and waits up to Config.ShutdownTimeout for Serve to return.
	Serve(ctx context.Context, ln net.Listener) error
}

var (
	_ HTTPTransport = (*chunkedTransport)(nil)
	_ HTTPTransport = (*sseTransport)(nil)
	_ HTTPTransport = (*wsTransport)(nil)
	_ HTTPTransport = (*socketioTransport)(nil)
)
