package clients

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Transport is one push transport's client side. What a transport is (its
// name, default path, whether it sends, its connect phases) is data in the
// registry; the interface is only what differs in code: how to connect.
type Transport interface {
	// Dial opens one connection and returns once it is ready to receive. ctx
	// bounds the connection's whole life: when it ends the connection closes.
	// ConnectTimeout in opts bounds the dial alone.
	Dial(ctx context.Context, url string, opts DialOptions) (Conn, Timings, error)
}

// Conn is one open push connection. Read and Write may be called from two
// different goroutines (one reader, one writer), never more.
type Conn interface {
	// Read returns the next message as the server framed it, stamped with
	// the clock reading taken when its bytes came off the socket. Its Data
	// is valid until the next Read: connections reuse their buffers, so a
	// caller that keeps a frame copies its Data.
	Read() (Frame, error)
	// Write sends one message; receive-only transports return ErrReceiveOnly.
	Write(msg []byte) error
	// BytesRead counts bytes received, framing included.
	BytesRead() int64
	Close() error
}

// Frame is one message as the server framed it: an NDJSON line or HTTP
// chunk, an SSE event's data, a WebSocket message, or a Socket.IO event's
// first argument (its JSON text: a string argument keeps its quotes).
type Frame struct {
	Data []byte
	At   time.Duration // clock reading when its bytes arrived
	// ID and Event are what the protocol says besides the data: an SSE
	// event's id and type, a Socket.IO event's name. Empty when absent.
	ID    string
	Event string
}

// Clock is what clients read time from: a monotonic offset from the run's
// epoch. loadgen.Clock satisfies it; tests may pass a fake.
type Clock interface {
	Now() time.Duration
}

// DialOptions are the settings and shared resources every transport's Dial
// takes; NewDialOptions fills them and Close releases them.
type DialOptions struct {
	Clock          Clock
	ConnectTimeout time.Duration
	HTTP           *http.Transport      // for HTTP streaming transports and the HTTP publisher
	WSBuffers      websocket.BufferPool // WebSocket write buffers, held only during a write
	// HandshakeQuiet is how long a server that has begun answering a
	// handshake may fall silent before the answer counts as incomplete (a
	// header block that never ends, an error page that keeps streaming);
	// zero means DefaultHandshakeQuiet. It applies during the dial only.
	HandshakeQuiet time.Duration
	// AckedPublish makes an HTTP publisher post one message at a time and
	// return the server's answer from Publish: a message counts as published
	// only once the server accepted it, so a retry under a reconnect policy
	// resends exactly what the server does not have. Default: up to 64 POSTs
	// in flight, failures reported to onError.
	AckedPublish bool
	// Receive says how to speak to a server pushbench did not write: headers,
	// framing, event filters, Socket.IO namespace and auth. Zero is how
	// pushbench's own servers speak.
	Receive Receive
	// Resume, on a redial, is what the connection it replaces learnt (an
	// SSE Last-Event-ID and retry, a Socket.IO recovery id and offset);
	// zero for a fresh connection.
	Resume Resume
	// LocalAddr, when set, is the IP the connection's local side binds to
	// (port 0: the kernel's choice), so a generator can spread connections
	// over several source addresses (127.0.0.2, ...) when one
	// source/destination pair's ephemeral ports would run out. Every
	// transport's connections honour it; publishers need not.
	LocalAddr string
}

// DefaultHandshakeQuiet is the HandshakeQuiet of zero-valued options: long
// enough for any server that is writing its answer, short enough that a
// broken answer is reported well within a second.
const DefaultHandshakeQuiet = 400 * time.Millisecond

// handshakeQuiet is HandshakeQuiet with its default filled in.
func (o DialOptions) handshakeQuiet() time.Duration {
	if o.HandshakeQuiet <= 0 {
		return DefaultHandshakeQuiet
	}
	return o.HandshakeQuiet
}

// writeTimeout bounds one write or publish: a server that stops reading
// cannot hold the load generator past it. It is the connect timeout: the time
// the run already allows a server to answer.
func (o DialOptions) writeTimeout() time.Duration {
	if o.ConnectTimeout <= 0 {
		return 10 * time.Second
	}
	return o.ConnectTimeout
}

// errNotReading marks a write the server did not take within the write
// timeout.
func errNotReading(timeout time.Duration, err error) error {
	return fmt.Errorf("the server did not take the message within %s (it stopped reading): %w", timeout, err)
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

// Close releases the idle keep-alive connections of the shared HTTP
// transport, so a finished run leaves no sockets or reader goroutines behind.
// Connections still in use are not affected.
func (o DialOptions) Close() {
	if o.HTTP != nil {
		o.HTTP.CloseIdleConnections()
	}
}

// Timings are the phases of one dial, as offsets from its start.
type Timings struct {
	TCP   time.Duration // TCP handshake done (0 when not observed)
	Ready time.Duration // ready to receive: stream headers, 101, or Socket.IO connect answered
	// Phases are transport-specific steps in between, each recorded in a
	// histogram of its name (Socket.IO: eio_open, sio_connect); the registry
	// entry's Phases lists them.
	Phases []Phase
}

// Phase is one named step of a dial and when it completed.
type Phase struct {
	Name string
	At   time.Duration
}

// ErrReceiveOnly is returned by Write on transports that only push.
var ErrReceiveOnly = errors.New("transport is receive-only")

// ErrEnded is returned by Read when the server ended the connection cleanly:
// an HTTP stream that closed at a frame boundary, a WebSocket close 1000 or
// 1001, a Socket.IO disconnect or Engine.IO close. The load generator counts
// such a connection as ended, not dropped by an error.
var ErrEnded = errors.New("server ended the connection")

// isTimeout reports whether err is a deadline that passed.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
