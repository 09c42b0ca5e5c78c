package clients

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/pushbench/pushbench/internal/wire"
)

// eioLink is the per-transport half of an Engine.IO client session: how a
// packet reaches the server and how a message reaches the reader.
type eioLink interface {
	// send writes one packet to the server: a WebSocket frame, or a POST.
	send(ctx context.Context, p wire.EIOPacket) error
	// deliver hands one message (an event's first argument or an ack's) to
	// Read, stamped with the clock reading at which its bytes arrived.
	deliver(ctx context.Context, f Frame) error
}

// eioSession is the part of a Socket.IO client that does not depend on how
// Engine.IO packets travel: it interprets every packet the server sends
// (answers pings, ends on close, delivers messages, notes the namespace
// connect) and numbers the echo events it sends. The WebSocket and polling
// connections each feed it their packets and give it their eioLink.
type eioSession struct {
	link eioLink
	// namespace, event and auth are Receive's SIONamespace, SIOEvent and
	// SIOAuth: the socket joins namespace with auth and delivers the events
	// named event.
	namespace string
	event     string
	echoEvent string
	auth      json.RawMessage
	// connected is set once the server accepted the namespace connect; only
	// the goroutine calling receive touches it.
	connected bool
	// pid and offset are connection-state recovery's session id (from the
	// server's CONNECT answer; empty when the server does not offer
	// recovery) and the offset of the last event (its last argument,
	// a string, as socket.io-client reads it). A redial sends both in its
	// CONNECT; they start from the replaced connection's (recoverFrom).
	pid, offset string

	ackMu sync.Mutex
	ackID uint64
}

// newEIOSession is a session over link speaking as rcv (defaults filled) says.
func newEIOSession(link eioLink, rcv Receive) eioSession {
	return eioSession{link: link, namespace: rcv.SIONamespace, event: rcv.SIOEvent, echoEvent: rcv.SIOEchoEvent, auth: rcv.SIOAuth}
}

// errEIOClosed reports the server ending the Engine.IO session: a clean end.
var errEIOClosed = fmt.Errorf("%w: engine.io close packet", ErrEnded)

// join connects to the session's namespace: it sends CONNECT (with the auth
// object, if any), then calls receiveNext (which reads what the server sent
// and feeds it to receive) until the server has answered.
func (s *eioSession) join(ctx context.Context, receiveNext func() error) error {
	data := s.auth
	if s.pid != "" {
		data = recoveryAuth(s.auth, s.pid, s.offset)
	}
	connect := wire.SIOPacket{Type: wire.SIOConnect, Namespace: s.namespace, Data: data}
	if err := s.link.send(ctx, wire.EIOPacket{Type: wire.EIOMessage, Data: wire.AppendSIO(nil, connect)}); err != nil {
		return err
	}
	for !s.connected {
		if err := receiveNext(); err != nil {
			return err
		}
	}
	return nil
}

// recoverFrom starts the session from the connection it replaces, so its
// CONNECT asks a server with connection-state recovery for what was missed.
func (s *eioSession) recoverFrom(r Resume) { s.pid, s.offset = r.SIOPid, r.SIOOffset }

// resumeState is what a redial after this session sends.
func (s *eioSession) resumeState() Resume { return Resume{SIOPid: s.pid, SIOOffset: s.offset} }

// recoveryAuth is the CONNECT payload of a recovering socket, as
// socket.io-client sends it: {"pid":..,"offset":..} merged with the auth
// object (which Receive.Validate checked is one), e.g.
// 0{"pid":"_iPipPPxsCK3FAmaAAAB","offset":"Q8SA0eC"}.
func recoveryAuth(auth json.RawMessage, pid, offset string) json.RawMessage {
	obj := map[string]any{}
	if len(auth) > 0 {
		_ = json.Unmarshal(auth, &obj)
	}
	obj["pid"] = pid
	if offset != "" {
		obj["offset"] = offset
	}
	b, _ := json.Marshal(obj)
	return b
}

// receive interprets one packet from the server whose bytes arrived at at.
// Binary packets (attachments; the load generator sends none) are skipped.
func (s *eioSession) receive(ctx context.Context, p wire.EIOPacket, at time.Duration) error {
	switch {
	case p.Binary:
	case p.Type == wire.EIOPing:
		if err := s.link.send(ctx, wire.EIOPacket{Type: wire.EIOPong, Data: p.Data}); err != nil {
			return fmt.Errorf("pong: %w", err)
		}
	case p.Type == wire.EIOClose:
		return errEIOClosed
	case p.Type == wire.EIOMessage:
		f, ok, connected, err := s.inbound(p.Data)
		if err != nil {
			return err
		}
		s.connected = s.connected || connected
		if ok {
			f.At = at
			return s.link.deliver(ctx, f)
		}
	}
	return nil
}

// emit sends msg as the event named event, without an ack, on the session's
// namespace: how a publisher speaks to a Socket.IO app.
func (s *eioSession) emit(ctx context.Context, event string, msg []byte) error {
	data := wire.AppendSIOArray(nil, event, sioArg(msg))
	return s.link.send(ctx, wire.EIOPacket{Type: wire.EIOMessage, Data: wire.AppendSIO(nil, wire.SIOPacket{Type: wire.SIOEvent, Namespace: s.namespace, Data: data})})
}

// echo sends msg as an echo event with the next ack id on the session's
// namespace; the server's ack carries the reply, which receive delivers.
func (s *eioSession) echo(ctx context.Context, msg []byte) error {
	s.ackMu.Lock()
	id := s.ackID
	s.ackID++
	s.ackMu.Unlock()
	return s.link.send(ctx, wire.EIOPacket{Type: wire.EIOMessage, Data: echoEvent(nil, s.namespace, s.echoEvent, id, msg)})
}
