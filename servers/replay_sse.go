package servers

import (
	"net/http"
	"strconv"

	"github.com/pushbench/pushbench/internal/wire"
)

// resumeRounds bounds how many times a resume catches up with the ring before
// it subscribes whatever is left; resumeTail is how many messages may remain
// for the final round. Catching up from the ring, not from a subscription,
// keeps a long replay from overflowing the subscriber queue while it is
// written.
const (
	resumeRounds = 4
	resumeTail   = 64
)

// lastEventID is the id an SSE request resumes from: the Last-Event-ID header
// a browser's EventSource sends on reconnect, or else the lastEventId query
// parameter (the convention of EventSource polyfills). ok is false when there
// is none.
func lastEventID(r *http.Request) (id string, ok bool) {
	if id = r.Header.Get("Last-Event-ID"); id != "" {
		return id, true
	}
	id = r.URL.Query().Get("lastEventId")
	return id, id != ""
}

// resumeSSE is the SSE stream's resume hook: nil for a request without a
// Last-Event-ID, which is subscribed before its headers like any stream.
func (s *Server) resumeSSE(r *http.Request) func(emit func([]byte) bool) (*Subscriber, uint64) {
	text, ok := lastEventID(r)
	if !ok {
		return nil
	}
	return func(emit func([]byte) bool) (*Subscriber, uint64) { return s.replaySSE(text, emit) }
}

// replaySSE subscribes a resuming SSE request, first writing through emit
// every buffered event after its Last-Event-ID text, preceded by a
// pushbench-gap event when some are gone. It returns the subscription (nil:
// the stream must end) and the last id written, so live messages up to it can
// be skipped. It catches up from the buffer in rounds and subscribes only
// for the last few messages, so a long replay never fills the subscriber
// queue; anything published meanwhile is in the buffer.
func (s *Server) replaySSE(text string, emit func([]byte) bool) (*Subscriber, uint64) {
	pos, err := strconv.ParseUint(text, 10, 64)
	known := err == nil
	s.replay.resumes.Add(1)
	var out []byte
	for round := 1; ; round++ {
		rd := s.replay.since(pos, known, text, func(n int) bool { return n <= resumeTail || round >= resumeRounds })
		if rd.gap != nil {
			s.replay.gaps.Add(1)
			// The oldest id is a positive decimal, so this cannot fail.
			out, _ = wire.AppendSSEGap(out, wire.SSEGap{LastEventID: rd.gap.LastEventID, OldestID: strconv.FormatUint(rd.gap.OldestID, 10)})
		}
		s.replay.replayed.Add(int64(len(rd.entries)))
		for _, e := range rd.entries {
			out = append(out, e.sse...)
			if len(out) >= streamBatchBytes {
				if !emit(out) {
					return s.unsubscribeNil(rd.sub), 0
				}
				out = out[:0]
			}
		}
		if len(out) > 0 && !emit(out) {
			return s.unsubscribeNil(rd.sub), 0
		}
		out = out[:0]
		if rd.subscribed {
			return rd.sub, rd.pos
		}
		pos, known = rd.pos, true
		text = strconv.FormatUint(pos, 10)
	}
}

// unsubscribeNil drops sub, if any, and returns nil.
func (s *Server) unsubscribeNil(sub *Subscriber) *Subscriber {
	if sub != nil {
		s.hub.Unsubscribe(sub)
	}
	return nil
}

// shuttingDown reports whether graceful shutdown has begun.
func (s *Server) shuttingDown() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// refuseStream answers a stream request during shutdown with status (zero:
// 503). A 204 tells an EventSource to stop reconnecting.
func (s *Server) refuseStream(w http.ResponseWriter, status int) {
	if status == 0 {
		http.Error(w, "server is shutting down", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(status)
}
