package clients

import (
	"errors"
	"time"
)

// Resume is what a redialled connection carries over from the one it
// replaces, so the server can continue where the old one ended: an SSE
// Last-Event-ID and the server's retry delay, a Socket.IO session's
// private id and offset for connection-state recovery. The zero value is a
// fresh connection.
type Resume struct {
	// LastEventID is SSE's last event ID (WHATWG: it persists across
	// events and connections); a redial sends it as Last-Event-ID.
	LastEventID string
	// Retry is the reconnection delay the SSE server asked for with a
	// retry: field; zero when it sent none.
	Retry time.Duration
	// SIOPid and SIOOffset are a Socket.IO session's private id (from
	// the CONNECT answer of a server with connection-state recovery) and
	// the offset of the last event received; a redial sends both in its
	// CONNECT so the server replays what was missed.
	SIOPid    string
	SIOOffset string
}

// Resumable is a Conn whose protocol can resume: ResumeState, called by the
// reader once Read has failed, says what a redial sends to continue.
type Resumable interface {
	ResumeState() Resume
}

// ResumeOf is what a redial after conn sends: conn's resume state when its
// protocol resumes (a connection dialled with a Resume starts from it, so
// what it did not learn, such as an SSE retry it never got, carries over, as
// a browser's EventSource keeps it), else prev.
func ResumeOf(conn Conn, prev Resume) Resume {
	if rc, ok := conn.(Resumable); ok {
		return rc.ResumeState()
	}
	return prev
}

// ErrNoReconnect marks a dial whose answer tells the client not to try
// again: an SSE server answering 204 (the conventional "stop"), another
// status than 200, or another media type than text/event-stream (WHATWG:
// such a failure does not reconnect). errors.Is finds it in a dial error
// without changing its message.
var ErrNoReconnect = errors.New("the server's answer says not to reconnect")

// noReconnect wraps err so errors.Is(err, ErrNoReconnect) holds; its text and
// what errors.As finds in it are err's.
type noReconnect struct{ error }

func (e noReconnect) Unwrap() error        { return e.error }
func (e noReconnect) Is(target error) bool { return target == ErrNoReconnect }
