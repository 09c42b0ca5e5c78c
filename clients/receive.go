package clients

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/pushbench/pushbench/internal/wire"
)

// Chunked framings: how the chunked transport splits a stream into messages.
const (
	// FramingLines splits on newlines (NDJSON), whatever the chunk
	// boundaries; blank lines are heartbeats, not messages.
	FramingLines = "lines"
	// FramingChunks takes each HTTP chunk as one message, as a browser's
	// readyState-3 handler sees a server that writes one message per flush.
	FramingChunks = "chunks"
)

// Receive says how clients speak to a server pushbench did not write: what
// they send besides the protocol (headers, Socket.IO namespace and auth) and
// which of the server's frames are messages. The zero value is how
// pushbench's own servers speak; withDefaults fills it.
type Receive struct {
	// Headers go with every HTTP request and WebSocket handshake of every
	// transport (stream GETs, Engine.IO polls, publishers), for tokens and
	// cookies. A Host header sets the request's host.
	Headers http.Header
	// ChunkedFraming is FramingLines (default) or FramingChunks.
	ChunkedFraming string
	// SSEEvent keeps only SSE events of this type; empty keeps every event.
	SSEEvent string
	// SIOEvent is the Socket.IO event whose first argument is a message;
	// default "msg". Other events are ignored.
	SIOEvent string
	// SIOEchoEvent is the event an echo send emits, with an ack id; the
	// reply is the ack, or an event named SIOEvent; default "echo".
	SIOEchoEvent string
	// SIONamespace is the Socket.IO namespace to join; default "/".
	SIONamespace string
	// SIOAuth is the JSON object sent in the namespace CONNECT packet, e.g.
	// {"token":"x"}; empty sends none.
	SIOAuth json.RawMessage
	// MaxMessage bounds one message a client buffers (a WebSocket message,
	// an SSE event with all its data lines, an NDJSON line, an HTTP chunk);
	// a larger one ends the connection with an error, so a server that
	// floods cannot grow the load generator's memory. Zero is
	// DefaultMaxMessage.
	MaxMessage int
}

// DefaultMaxMessage is the largest message a client takes by default.
const DefaultMaxMessage = 1 << 20

// maxMessage is MaxMessage with its default filled in.
func (r Receive) maxMessage() int {
	if r.MaxMessage <= 0 {
		return DefaultMaxMessage
	}
	return r.MaxMessage
}

// ErrTooLarge is the error of a message over the MaxMessage limit.
var ErrTooLarge = errors.New("message larger than the --max-message limit; connection closed")

// errTooLarge says which limit a message passed.
func errTooLarge(limit int) error {
	return fmt.Errorf("%w (%d bytes)", ErrTooLarge, limit)
}

// Defaults of Receive.
const (
	DefaultSIOEvent     = "msg"
	DefaultSIOEchoEvent = "echo"
	DefaultSIONamespace = "/"
)

// handshakeHeaders are set by the clients themselves; a user value would
// break the request or the WebSocket handshake.
var handshakeHeaders = []string{"Upgrade", "Connection", "Sec-Websocket-Key", "Sec-Websocket-Version",
	"Sec-Websocket-Extensions", "Content-Length", "Transfer-Encoding"}

// withDefaults is r with its zero fields filled: the one place the defaults
// live.
func (r Receive) withDefaults() Receive {
	if r.ChunkedFraming == "" {
		r.ChunkedFraming = FramingLines
	}
	if r.SIOEvent == "" {
		r.SIOEvent = DefaultSIOEvent
	}
	if r.SIONamespace == "" {
		r.SIONamespace = DefaultSIONamespace
	}
	if r.SIOEchoEvent == "" {
		r.SIOEchoEvent = DefaultSIOEchoEvent
	}
	return r
}

// Validate checks r, so a run can refuse bad settings before it dials; each
// Dial checks again and fails in the "request" phase.
func (r Receive) Validate() error {
	for k, vs := range r.Headers {
		name := http.CanonicalHeaderKey(k)
		if k == "" || strings.ContainsAny(k, " \t\r\n:") {
			return fmt.Errorf("header name %q: not a valid field name", k)
		}
		for _, h := range handshakeHeaders {
			if name == h {
				return fmt.Errorf("header %s: set by the client itself, cannot be overridden", name)
			}
		}
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n\x00") {
				return fmt.Errorf("header %s: value %.40q contains a line break or NUL", name, v)
			}
		}
	}
	if r.MaxMessage < 0 {
		return fmt.Errorf("max message %d: must not be negative", r.MaxMessage)
	}
	switch r.ChunkedFraming {
	case "", FramingLines, FramingChunks:
	default:
		return fmt.Errorf("chunked framing %q: want %s or %s", r.ChunkedFraming, FramingLines, FramingChunks)
	}
	if strings.ContainsAny(r.SSEEvent, "\r\n") {
		return fmt.Errorf("sse event %q: contains a line break", r.SSEEvent)
	}
	if wire.SIOReservedEvent(r.SIOEchoEvent) {
		return fmt.Errorf("socket.io echo event %q: reserved by Socket.IO", r.SIOEchoEvent)
	}
	if wire.SIOReservedEvent(r.SIOEvent) {
		return fmt.Errorf("socket.io event %q: reserved by Socket.IO, a server cannot emit it", r.SIOEvent)
	}
	if nsp := r.SIONamespace; nsp != "" && (!strings.HasPrefix(nsp, "/") || strings.Contains(nsp, ",")) {
		return fmt.Errorf("socket.io namespace %q: must start with \"/\" and contain no \",\", e.g. /chat", nsp)
	}
	if len(r.SIOAuth) > 0 {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(r.SIOAuth, &obj); err != nil || obj == nil {
			return fmt.Errorf("socket.io auth %.60q: must be a JSON object, e.g. {\"token\":\"x\"}", r.SIOAuth)
		}
	}
	return nil
}

// resolve validates r and fills its defaults, for a Dial.
func (r Receive) resolve() (Receive, error) {
	if err := r.Validate(); err != nil {
		return r, err
	}
	return r.withDefaults(), nil
}

// applyHeaders sets h on req, replacing any value the client set itself (the
// user knows the server); Host sets req.Host, as net/http ignores the header.
func applyHeaders(req *http.Request, h http.Header) {
	for k, vs := range h {
		if len(vs) == 0 {
			continue
		}
		if http.CanonicalHeaderKey(k) == "Host" {
			req.Host = vs[0]
			continue
		}
		req.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
}
