package loadgen

import (
	"net/http"
	"strings"
	"sync"

	"context"
	"errors"
	"fmt"
	"github.com/gorilla/websocket"
	"sort"
	"time"
)

// Transport is one push transport's client side.
type Transport interface {
	// Name is the transport's name in results: chunked, sse, ws.
	Name() string
	// Endpoint is the transport's URL on a server whose base URL
	// (http://host:port) is base, at pushbench's reference paths.
	Endpoint(base string) string
	// Bidirectional reports whether Conn.Write works (needed by echo).
	Bidirectional() bool
	// Dial opens one connection and returns once it is ready to receive. ctx
	// bounds the connection's whole life: when it ends the connection closes.
	// ConnectTimeout in opts bounds the dial alone.
	Dial(ctx context.Context, url string, opts DialOptions) (Conn, Timings, error)
}

// Conn is one open push connection. Read and Write may be called from two
// different goroutines (one reader, one writer), never more.
type Conn interface {
	// Read returns the next message (an encoded envelope) and the clock reading
	// taken when its bytes came off the socket.
	Read() (msg []byte, at time.Duration, err error)
	// Write sends one message; receive-only transports return ErrReceiveOnly.
	Write(msg []byte) error
	// BytesRead counts bytes received, framing included.
	BytesRead() int64
	Close() error
}

// DialOptions are the settings and shared resources every transport's Dial
// takes; NewDialOptions fills them.
type DialOptions struct {
	Clock          Clock
	ConnectTimeout time.Duration
	HTTP           http.RoundTripper    // for HTTP streaming transports
	WSBuffers      websocket.BufferPool // WebSocket write buffers, held only during a write
}

// NewDialOptions returns options with fresh shared resources for one run.
func NewDialOptions(clock Clock, connectTimeout time.Duration) DialOptions {
	return DialOptions{
		Clock:          clock,
		ConnectTimeout: connectTimeout,
		HTTP:           NewStreamTransport(64),
		WSBuffers:      &sync.Pool{},
	}
}

// Timings are the phases of one dial, as offsets from its start.
type Timings struct {
	TCP   time.Duration // TCP handshake done (0 when not observed)
	Ready time.Duration // ready to receive: stream headers, 101, or Socket.IO connect answered
	// Phases are transport-specific steps in between, each recorded in a
	// histogram of its name (Socket.IO: eio_open, sio_connect).
	Phases []Phase
}

// Phase is one named step of a dial and when it completed.
type Phase struct {
	Name string
	At   time.Duration
}

// ErrReceiveOnly is returned by Write on transports that only push.
var ErrReceiveOnly = errors.New("transport is receive-only")

// DialError says where a connection failed: which URL and in which phase
// (tcp, handshake, status, content-type, timeout).
type DialError struct {
	URL   string
	Phase string
	Err   error
}

func (e *DialError) Error() string { return fmt.Sprintf("%s: %s: %v", e.URL, e.Phase, e.Err) }
func (e *DialError) Unwrap() error { return e.Err }

// dialTimeoutError turns a dial cut short by the connect timeout into a clear
// "timeout" error instead of a bare context.Canceled.
func dialTimeoutError(url string, timeout time.Duration, err error) error {
	return &DialError{URL: url, Phase: "timeout", Err: fmt.Errorf("not ready within %s: %w", timeout, err)}
}

// Transports lists the client transports by name.
func Transports() map[string]Transport {
	ts := map[string]Transport{}
	for _, t := range []Transport{chunkedClient{}, sseClient{}, wsClient{}, socketioClient{}, socketioClient{polling: true}} {
		ts[t.Name()] = t
	}
	return ts
}

// endpointOn joins base and path, switching http(s) to ws(s) when ws is set.
func endpointOn(base, path string, ws bool) string {
	u := strings.TrimSuffix(base, "/") + path
	if !ws {
		return u
	}
	return WebSocketURL(u)
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

// TransportNames lists the client transports in a stable order.
func TransportNames() []string {
	var names []string
	for n := range Transports() {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return transportOrder(names[i]) < transportOrder(names[j]) })
	return names
}

func transportOrder(name string) int {
	for i, n := range []string{"chunked", "sse", "ws", "socketio", "socketio-polling"} {
		if n == name {
			return i
		}
	}
	return 100
}

var (
	_ Transport = chunkedClient{}
	_ Transport = sseClient{}
	_ Transport = wsClient{}
	_ Conn      = (*streamConn)(nil)
	_ Conn      = (*wsConn)(nil)
	_ Transport = socketioClient{}
	_ Conn      = (*sioWSConn)(nil)
	_ Conn      = (*sioPollConn)(nil)
)
