package clients

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

// Dial phases a DialError names. Results count failed connects under
// "connect/<phase>" (see ErrorClass), so these strings are part of the
// result format.
const (
	PhaseRequest     = "request"      // the request could not be built (bad URL)
	PhaseTCP         = "tcp"          // the TCP connection was not opened
	PhaseHandshake   = "handshake"    // connected, but the HTTP or WebSocket exchange failed
	PhaseStatus      = "status"       // the server answered with the wrong status
	PhaseContentType = "content-type" // the server answered with the wrong media type
	PhaseTimeout     = "timeout"      // not ready within the connect timeout
	PhaseEIOOpen     = "eio-open"     // no valid Engine.IO open packet
	PhaseSIOConnect  = "sio-connect"  // the Socket.IO namespace connect failed
)

// DialError says where a connection failed: which URL and in which phase.
type DialError struct {
	URL   string
	Phase string
	Err   error
}

func (e *DialError) Error() string { return fmt.Sprintf("%s: %s: %v", e.URL, e.Phase, e.Err) }
func (e *DialError) Unwrap() error { return e.Err }

// ErrorClass is the result's error class of a failed dial: "connect/<phase>"
// for a DialError, "ws-close/<code>" for a WebSocket the server closed with a
// code that is not a clean end (see WSCloseError), "connect" for anything
// else.
func ErrorClass(err error) string {
	var de *DialError
	if errors.As(err, &de) {
		return "connect/" + de.Phase
	}
	var ce *WSCloseError
	if errors.As(err, &ce) {
		return "ws-close/" + strconv.Itoa(ce.Code)
	}
	return "connect"
}

// IOErrorClass is the result's error class of a connection that failed in op
// (read or write) once open: "OP/ws-close/<code>" for a WebSocket the server
// closed with an error code, "OP/ping-timeout" for an Engine.IO server that
// stopped pinging, "OP/too-large" for a message over --max-message, else op.
func IOErrorClass(op string, err error) string {
	var ce *WSCloseError
	switch {
	case errors.As(err, &ce):
		return op + "/ws-close/" + strconv.Itoa(ce.Code)
	case errors.Is(err, ErrPingTimeout):
		return op + "/ping-timeout"
	case errors.Is(err, ErrTooLarge):
		return op + "/too-large"
	}
	return op
}

// dialPhase classifies a dial failure that happened during step (one of the
// Phase constants). A dial cut short by the connect timeout is a timeout
// whatever its step; during the handshake step, a connection that could not
// be opened at all is tcp.
func dialPhase(step string, timedOut bool, err error) string {
	var op *net.OpError
	switch {
	case timedOut, errors.Is(err, os.ErrDeadlineExceeded):
		return PhaseTimeout
	case step == PhaseHandshake && errors.As(err, &op) && op.Op == "dial":
		return PhaseTCP
	}
	return step
}

// dialAttempt is one dial bounded by the connect timeout. Its ctx ends when
// the caller's does or when the timeout fires; it is a cancel, not a deadline,
// so an HTTP stream opened with it can outlive the dial once settle stopped
// the timer.
type dialAttempt struct {
	url     string
	timeout time.Duration
	parent  context.Context
	ctx     context.Context
	cancel  context.CancelFunc
	timer   *time.Timer
	fired   atomic.Bool // the timeout, not the caller or end, cancelled ctx
}

// startDial starts the connect timeout of a dial to url within parent.
func startDial(parent context.Context, url string, timeout time.Duration) *dialAttempt {
	ctx, cancel := context.WithCancel(parent)
	a := &dialAttempt{url: url, timeout: timeout, parent: parent, ctx: ctx, cancel: cancel}
	a.timer = time.AfterFunc(timeout, func() {
		a.fired.Store(true)
		cancel()
	})
	return a
}

// settle stops the connect timeout, leaving ctx live; it reports false when
// the timeout fired first.
func (a *dialAttempt) settle() bool { return a.timer.Stop() }

// end stops the timeout and ends ctx.
func (a *dialAttempt) end() {
	a.timer.Stop()
	a.cancel()
}

// timedOut reports whether the connect timeout, not the caller, ended ctx.
func (a *dialAttempt) timedOut() bool { return a.parent.Err() == nil && a.fired.Load() }

// fail is the DialError for err during step, classified by dialPhase.
func (a *dialAttempt) fail(step string, err error) *DialError {
	phase := dialPhase(step, a.timedOut(), err)
	if phase == PhaseTimeout {
		err = fmt.Errorf("not ready within %s: %w", a.timeout, err)
	}
	return &DialError{URL: a.url, Phase: phase, Err: err}
}

// answered is the DialError for err during step once the server has
// answered: its answer says what went wrong, so the step stands even if the
// connect timeout fired meanwhile.
func (a *dialAttempt) answered(step string, err error) *DialError {
	return &DialError{URL: a.url, Phase: step, Err: err}
}

// statusError is a handshake answered with the wrong status: what was
// expected, what came, and the first bytes of the answer's body, which
// usually say why (an HTML error page, a framework's 404 text).
type statusError struct {
	want   string // e.g. "101 Switching Protocols"
	code   int
	status string // e.g. "200 OK"
	body   []byte
}

func (e *statusError) Error() string {
	s := "expected " + e.want + ", got " + e.status
	if len(e.body) > 0 {
		s += ": " + quoteBytes(e.body, quotedBytesMax)
	}
	return s
}

// quotedBytesMax is how many bytes of a server's answer an error quotes.
const quotedBytesMax = 80

// quoteBytes quotes the first max bytes of b as a Go string and says how
// many more were left out, so an error shows what the server sent without
// flooding the log.
func quoteBytes(b []byte, max int) string {
	if len(b) <= max {
		return strconv.Quote(string(b))
	}
	return fmt.Sprintf("%s (%d more bytes not shown)", strconv.Quote(string(b[:max])), len(b)-max)
}

// WSCloseError is a WebSocket the server closed with a code that is not a
// clean end (anything but 1000 and 1001): the code says why, so the error
// names it rather than the connection reset that often follows it.
type WSCloseError struct {
	Code   int
	Reason string // the close frame's text, possibly empty
	Err    error  // the failure that revealed the close, e.g. a write reset by the peer
}

func (e *WSCloseError) Error() string {
	s := fmt.Sprintf("server closed the WebSocket with %d (%s)", e.Code, CloseCodeMeaning(e.Code))
	if e.Reason != "" {
		s += ": " + strconv.Quote(e.Reason)
	}
	if e.Err != nil {
		s += fmt.Sprintf(" (%v)", e.Err)
	}
	return s
}

func (e *WSCloseError) Unwrap() error { return e.Err }

// closeCodeMeanings are the RFC 6455 §7.4.1 close codes by what they say.
var closeCodeMeanings = map[int]string{
	1000: "normal closure",
	1001: "going away",
	1002: "protocol error",
	1003: "unsupported data",
	1005: "no status",
	1006: "abnormal closure",
	1007: "invalid payload data",
	1008: "policy violation",
	1009: "message too big",
	1010: "mandatory extension",
	1011: "internal server error",
	1012: "service restart",
	1013: "try again later",
	1014: "bad gateway",
	1015: "TLS handshake",
}

// CloseCodeMeaning is what a WebSocket close code says, in a few words.
func CloseCodeMeaning(code int) string {
	if m, ok := closeCodeMeanings[code]; ok {
		return m
	}
	switch {
	case code >= 4000 && code <= 4999:
		return "application-defined"
	case code >= 3000 && code <= 3999:
		return "registered by a library or framework"
	}
	return "unknown code"
}
