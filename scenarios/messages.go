package scenarios

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/workload"
)

// Messages says how the target's messages look when it is not pushbench's
// own server: the bodies to send in its format, and where the numbers are in
// what it pushes.
type Messages struct {
	// PublishBody and EchoBody are body templates for fan-out publishes and
	// echo sends, with {{marker}} (required), {{seq}}, {{ts}}, {{payload}}.
	// Empty: pushbench's envelope.
	PublishBody string `yaml:"publish_body" json:"publish_body,omitempty"`
	EchoBody    string `yaml:"echo_body" json:"echo_body,omitempty"`
	// PublishEvent makes the publisher a Socket.IO client of the publish URL
	// that emits each message as this event.
	PublishEvent string `yaml:"publish_event" json:"publish_event,omitempty"`
	// Timestamp and Seq locate a pushed message's own send time (PATH[:UNIT])
	// and sequence number (PATH, or sse-id), for the listen pattern.
	Timestamp string `yaml:"timestamp" json:"timestamp,omitempty"`
	Seq       string `yaml:"seq" json:"seq,omitempty"`

	// Headers go with every request and handshake (tokens, cookies).
	Headers map[string]string `yaml:"headers" json:"headers,omitempty"`
	// ChunkedFraming is lines (NDJSON, default) or chunks (each HTTP chunk
	// one message, as a browser's readyState 3 handler sees it).
	ChunkedFraming string `yaml:"chunked_framing" json:"chunked_framing,omitempty"`
	// SSEEvent keeps only SSE events of this type (default: every event).
	SSEEvent string `yaml:"sse_event" json:"sse_event,omitempty"`
	// SIOEvent, SIONamespace and SIOAuth: the Socket.IO event to receive
	// (default msg), the namespace to join (default /) and the auth object
	// its CONNECT carries.
	SIOEvent     string         `yaml:"sio_event" json:"sio_event,omitempty"`
	SIOEchoEvent string         `yaml:"echo_event" json:"echo_event,omitempty"`
	SIONamespace string         `yaml:"sio_namespace" json:"sio_namespace,omitempty"`
	SIOAuth      map[string]any `yaml:"sio_auth" json:"sio_auth,omitempty"`
	// MaxMessage bounds one received message (default 1MiB); a larger one
	// ends its connection with an error.
	MaxMessage workload.Size `yaml:"max_message" json:"max_message,omitempty"`
}

// Receive is the clients' form of the receive settings.
func (m Messages) Receive() (clients.Receive, error) {
	r := clients.Receive{MaxMessage: int(m.MaxMessage), ChunkedFraming: m.ChunkedFraming, SSEEvent: m.SSEEvent, SIOEvent: m.SIOEvent, SIOEchoEvent: m.SIOEchoEvent, SIONamespace: m.SIONamespace}
	if len(m.Headers) > 0 {
		r.Headers = http.Header{}
		for k, v := range m.Headers {
			r.Headers.Set(k, v)
		}
	}
	if m.SIOAuth != nil {
		b, err := json.Marshal(m.SIOAuth)
		if err != nil {
			return r, fmt.Errorf("sio_auth: %w", err)
		}
		r.SIOAuth = b
	}
	return r, r.Validate()
}

// Body is the template of the messages the pattern sends, if any.
func (m Messages) Body(p workload.Pattern) string {
	if p == workload.Echo {
		return m.EchoBody
	}
	return m.PublishBody
}
