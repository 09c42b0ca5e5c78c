package servers

import (
	"net/http"

	"github.com/pushbench/pushbench/internal/wire"
)

// sseTransport serves text/event-stream: a retry hint first, then each message
// as an event with its seq as id, and comment heartbeats.
type sseTransport struct{ srv *Server }

func (t *sseTransport) Name() string    { return "sse" }
func (t *sseTransport) Pattern() string { return "GET /sse" }

func (t *sseTransport) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.srv.serveStream(w, r, streamWriter{
		contentType: "text/event-stream; charset=utf-8",
		preamble:    wire.AppendSSERetry(nil, t.srv.cfg.SSERetry.Milliseconds()),
		heartbeat:   wire.AppendSSEComment(nil, " heartbeat"),
		frame:       (*Message).SSEFrame,
	})
}
