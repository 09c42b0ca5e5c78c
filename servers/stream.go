package servers

import (
	"errors"
	"net"
	"net/http"
	"os"
	"slices"
	"sync/atomic"
	"time"
)

// streamBatchBytes is how much queued output one flush of a stream may carry.
const streamBatchBytes = 64 << 10

// streamWriter is what differs between the HTTP streaming transports: how a
// message and a heartbeat look on the wire.
type streamWriter struct {
	contentType string
	preamble    []byte // written once after the headers
	heartbeat   []byte
	frame       func(*Message) []byte
	chunk       func(*Message) []byte // frame as a chunk of the chunked coding
	// resume, when set, returns for a request that resumes (SSE
	// Last-Event-ID) what subscribes it after the headers: that writes what
	// the client missed through emit and returns the subscription (nil ends
	// the stream) and the last id it wrote, so live messages up to that id
	// are skipped. Other requests (nil) are subscribed before the headers.
	resume func(r *http.Request) func(emit func([]byte) bool) (*Subscriber, uint64)
	// closingStatus answers a stream request that comes during shutdown;
	// zero means 503 (SSE answers 204: browsers stop reconnecting).
	closingStatus int
	// open counts this transport's open streams, for /metrics.
	open *atomic.Int64
}

// serveStream subscribes the request to the hub and writes each message as it
// arrives until the client leaves, the server shuts down, or the hub drops the
// subscriber for being slow. An HTTP/1.1 stream is taken from net/http after
// its request (see rawStream); others stream through the ResponseWriter.
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request, sw streamWriter) {
	rc := http.NewResponseController(w)
	var sub *Subscriber
	var resume func(emit func([]byte) bool) (*Subscriber, uint64)
	if sw.resume != nil {
		resume = sw.resume(r)
	}
	if resume == nil {
		sub = s.hub.Subscribe()
	}
	if sub == nil && (resume == nil || s.shuttingDown()) {
		s.refuseStream(w, sw.closingStatus)
		return
	}
	h := w.Header()
	h.Set("Content-Type", sw.contentType)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Accel-Buffering", "no")
	s.allowCORS(h, r)
	if canHijack(r) {
		if conn, _, err := rc.Hijack(); err == nil {
			s.runRawStream(conn, h, sw, sub, resume)
			return
		}
	}
	s.streamThroughHTTP(w, r, sw, sub, resume)
}

// streamThroughHTTP is serveStream where the connection cannot be taken from
// net/http (HTTP/1.0, HTTP/2, a ResponseWriter that cannot hijack): the
// handler goroutine writes each batch through the ResponseWriter and flushes.
func (s *Server) streamThroughHTTP(w http.ResponseWriter, r *http.Request, sw streamWriter, sub *Subscriber,
	resume func(emit func([]byte) bool) (*Subscriber, uint64)) {
	rc := http.NewResponseController(w)
	sw.open.Add(1)
	defer sw.open.Add(-1)
	defer func() {
		if sub != nil {
			s.hub.Unsubscribe(sub)
		}
	}()
	w.WriteHeader(http.StatusOK)

	// Small frames are gathered in buf and written together; a frame as large
	// as a batch is written as it is, so buf never grows past a batch and an
	// idle connection keeps no copy of a large message.
	buf := make([]byte, 0, 4<<10)
	write := func(extra, frames [][]byte) bool {
		if err := rc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout)); err != nil && err != http.ErrNotSupported {
			return false
		}
		var err error
		put := func(b []byte) {
			if err == nil && len(b) > 0 {
				_, err = w.Write(b)
			}
		}
		for _, f := range append(extra, frames...) {
			if len(f) >= streamBatchBytes {
				put(buf)
				buf = buf[:0]
				put(f)
				continue
			}
			buf = append(buf, f...)
		}
		put(buf)
		buf = buf[:0]
		if err == nil {
			err = rc.Flush()
		}
		s.noteWriteError(err)
		return err == nil
	}
	if !write([][]byte{sw.preamble}, nil) {
		return
	}
	var through uint64
	if resume != nil {
		sub, through = resume(func(b []byte) bool { return write(nil, [][]byte{b}) })
		if sub == nil {
			return
		}
	}

	p := newPump(s, sub, streamBatchBytes, func(it pumpItem[struct{}]) int { return len(sw.frame(it.msg)) })
	if s.cfg.Heartbeat > 0 {
		t := s.clock.NewTicker(s.cfg.Heartbeat)
		defer t.Stop()
		p.tick = t.C()
	}
	var items []pumpItem[struct{}]
	var frames, extra [][]byte
	for {
		w := p.next(r.Context(), items)
		if w.stop != notStopped {
			return
		}
		extra = extra[:0]
		if w.tick {
			extra = append(extra, sw.heartbeat)
		}
		frames = frames[:0]
		for _, it := range w.items {
			if it.msg.ID != 0 && it.msg.ID <= through {
				continue // already replayed
			}
			frames = append(frames, sw.frame(it.msg))
		}
		items = w.items
		ok := write(extra, frames)
		clear(frames) // keep no reference to a written message
		p.written(w.items)
		clear(w.items) // an idle connection pins no written message
		if !ok {
			return
		}
	}
}

// noteWriteError counts a write that hit its deadline: a client that stopped
// reading, ended by the write timeout.
func (s *Server) noteWriteError(err error) {
	if isTimeout(err) {
		s.hub.countWriteTimeout()
	}
}

// isTimeout reports whether err is a deadline that expired.
func isTimeout(err error) bool {
	if err == nil {
		return false
	}
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// allowCORS lets configured origins read the stream from another origin. By
// default no cross-origin reads are allowed.
func (s *Server) allowCORS(h http.Header, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" || len(s.cfg.CORSOrigins) == 0 {
		return
	}
	h.Add("Vary", "Origin")
	switch {
	case slices.Contains(s.cfg.CORSOrigins, "*"):
		h.Set("Access-Control-Allow-Origin", "*")
	case slices.Contains(s.cfg.CORSOrigins, origin):
		h.Set("Access-Control-Allow-Origin", origin)
	}
}
