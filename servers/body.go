package servers

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// errBodyTimeout is a request body that did not arrive within BodyTimeout.
var errBodyTimeout = errors.New("request body not received within the body timeout")

// readBody reads a request body of at most max bytes, which must arrive within
// BodyTimeout: a client trickling its body is cut off rather than held with
// its buffers. The deadline is lifted once the body is in, so a handler that
// takes longer afterwards keeps its connection; after an error the answer
// closes the connection. bodyStatus gives the status
// that answers an error.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	rc := http.NewResponseController(w)
	deadline := rc.SetReadDeadline(time.Now().Add(s.cfg.BodyTimeout)) == nil
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err == nil {
		if deadline {
			_ = rc.SetReadDeadline(time.Time{})
		}
		return body, nil
	}
	// The rest of the body is not worth waiting for: the answer closes the
	// connection instead of reading on (net/http would, with no deadline).
	w.Header().Set("Connection", "close")
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, fmt.Errorf("body over %d bytes: %w", max, err)
	case isTimeout(err):
		s.hostile("slow-body", r, fmt.Errorf("cut at the body timeout %s: %w", s.cfg.BodyTimeout, err))
		return nil, fmt.Errorf("%w (%v)", errBodyTimeout, s.cfg.BodyTimeout)
	default:
		return nil, fmt.Errorf("read body: %w", err)
	}
}

// bodyStatus is the HTTP status that answers a readBody error.
func bodyStatus(err error) int {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, errBodyTimeout):
		return http.StatusRequestTimeout
	default:
		return http.StatusBadRequest
	}
}

// boundBodies gives every request that carries a body BodyTimeout to deliver
// it, whoever reads it. A handler that refuses a request without reading its
// body (415, 401, 404, 405, 403) leaves net/http to read up to 256 KiB of it
// before answering, with no deadline of its own: a client trickling that body
// would hold the connection forever. readBody lifts the deadline once a body
// it wanted is in.
func (s *Server) boundBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.cfg.BodyTimeout))
		}
		next.ServeHTTP(w, r)
	})
}
