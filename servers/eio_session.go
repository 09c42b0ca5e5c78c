package servers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/internal/wire"
)

// eioSession is one Engine.IO connection, over polling until it upgrades to
// WebSocket. Outgoing packets wait in a bounded queue (control packets, acks)
// or in the hub subscription (broadcasts); whichever transport is current
// drains them. Incoming packets are handled one at a time under in.
type eioSession struct {
	t      *socketioTransport
	sid    string
	remote net.Addr // the client that made the handshake, for the hostile-input log

	out       chan wire.EIOPacket
	pending   atomic.Int64  // bytes in out and in batches not yet written
	room      chan struct{} // signalled when written packets free room in out
	closed    chan struct{}
	closeOnce sync.Once
	endCode   int    // WebSocket close code for why the session ended; set before closed is closed
	endReason string // and the reason, likewise
	pong      chan struct{}
	probed    context.Context // done once a probe arrived: the pending poll answers noop
	probe     context.CancelFunc
	upgraded  chan struct{} // the session's transport is now WebSocket

	mu      sync.Mutex // guards the fields below
	ws      *websocket.Conn
	polling bool
	posting bool
	sub     *Subscriber // set while "/" is connected

	in      sync.Mutex // serializes packet handling
	sockets map[string]string
	binary  *pendingBinary

	joined       atomic.Bool // a namespace was joined
	connectTimer timer       // guarded by mu
	touched      atomic.Bool // a request came after the handshake
	unusedTimer  timer       // guarded by mu; closes a session never used after its handshake
}

func (s *eioSession) isUpgraded() bool {
	select {
	case <-s.upgraded:
		return true
	default:
		return false
	}
}

// close ends the session for reason; on WebSocket the close code is 1000.
func (s *eioSession) close(reason string) { s.closeWith(websocket.CloseNormalClosure, reason) }

// closeWith ends the session; on WebSocket the close frame carries code.
func (s *eioSession) closeWith(code int, reason string) {
	s.closeOnce.Do(func() {
		s.endCode, s.endReason = code, reason
		close(s.closed)
		s.t.forget(s.sid)
		s.mu.Lock()
		for _, t := range []timer{s.connectTimer, s.unusedTimer} {
			if t != nil {
				t.Stop()
			}
		}
		if s.sub != nil {
			s.t.srv.hub.Unsubscribe(s.sub)
			s.sub = nil
		}
		s.mu.Unlock()
		s.t.srv.log.Debug("engine.io session closed", "sid", s.sid, "reason", reason)
		if code == websocket.CloseProtocolError || code == websocket.CloseInvalidFramePayloadData || code == websocket.CloseUnsupportedData {
			s.t.srv.hostileConn("eio-protocol", s.remote, fmt.Errorf("session %s closed %d: %s", s.sid, code, reason))
		}
	})
}

func (s *eioSession) subscription() *Subscriber {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sub
}

// eioItem is one packet to send: a queued packet, or a hub broadcast whose
// encodings are shared by every session.
type eioItem = pumpItem[wire.EIOPacket]

// packet is the Engine.IO packet that carries it.
func packet(it eioItem) wire.EIOPacket {
	if it.msg != nil {
		return wire.EIOPacket{Type: wire.EIOMessage, Data: it.msg.SocketIOEvent()}
	}
	return it.control
}

var closePacket = eioBatch{items: []eioItem{{control: wire.EIOPacket{Type: wire.EIOClose}}}}

// collect waits for the first outgoing packet, then takes whatever else is
// already queued, up to maxPayload bytes. It returns no items when ctx ends,
// and a close packet once the session is closed. The caller calls written
// once it has written the batch.
func (s *eioSession) collect(ctx context.Context) eioBatch {
	sub := s.subscription()
	p := newPump(s.t.srv, sub, s.t.srv.cfg.SocketIO.MaxPayload, func(it eioItem) int {
		return len(packet(it).Data) + 2
	})
	p.control, p.ended = s.out, s.closed
	w := p.next(ctx, nil)
	switch w.stop {
	case clientGone:
		return eioBatch{}
	case connEnded:
		return closePacket
	case serverClosing:
		s.closeWith(websocket.CloseGoingAway, w.stop.String())
		return closePacket
	case tooSlow:
		s.closeWith(websocket.ClosePolicyViolation, w.stop.String())
		return closePacket
	case adminDrop:
		s.closeWith(websocket.CloseGoingAway, w.stop.String())
		return closePacket
	}
	return eioBatch{s: s, items: w.items, sub: sub}
}

// touch notes a request after the handshake: the session is in use.
func (s *eioSession) touch() {
	if s.touched.Swap(true) {
		return
	}
	s.mu.Lock()
	if s.unusedTimer != nil {
		s.unusedTimer.Stop()
	}
	s.mu.Unlock()
}

// handle processes one incoming Engine.IO packet.
func (s *eioSession) handle(p wire.EIOPacket) error {
	s.in.Lock()
	defer s.in.Unlock()
	switch {
	case p.Binary:
		return s.attachment(p.Data)
	case p.Type == wire.EIOPong:
		select {
		case s.pong <- struct{}{}:
		default:
		}
	case p.Type == wire.EIOMessage:
		return s.socketIO(p.Data)
	case p.Type == wire.EIOClose:
		s.close("client closed")
	case p.Type == wire.EIONoop:
	case p.Type == wire.EIOPing:
		return errors.New("ping from client: in Engine.IO v4 the server pings")
	default:
		return fmt.Errorf("unexpected packet type %q", p.Type)
	}
	return nil
}
