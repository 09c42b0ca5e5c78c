package servers

import (
	"net/http"

	"github.com/pushbench/pushbench/internal/wire"
)

// sseTransport serves text/event-stream: a retry hint first, then each message
// as an event with the server's event id, and comment heartbeats. A request
// with Last-Event-ID (or ?lastEventId=) first gets what it missed from the
// replay buffer, or a pushbench-gap event when that is gone; during shutdown
// it gets 204, which tells an EventSource to stop reconnecting.
type sseTransport struct{ srv *Server }

func (t *sseTransport) Name() string    { return "sse" }
func (t *sseTransport) Pattern() string { return "GET /sse" }

func (t *sseTransport) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.srv.serveStream(w, r, streamWriter{
		contentType:   "text/event-stream; charset=utf-8",
		preamble:      wire.AppendSSERetry(nil, t.srv.cfg.SSERetry.Milliseconds()),
		heartbeat:     wire.AppendSSEComment(nil, " heartbeat"),
		open:          &t.srv.live.sse,
		frame:         (*Message).SSEFrame,
		chunk:         (*Message).SSEChunk,
		resume:        t.srv.resumeSSE,
		closingStatus: http.StatusNoContent,
	})
}
