package servers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/internal/wire"
)

// eioQueueLen bounds a session's queue of control packets and replies.
const eioQueueLen = 1024

// eioSession is one Engine.IO connection, over polling until it upgrades to
// WebSocket. Outgoing packets wait in a bounded queue (control packets, acks)
// or in the hub subscription (broadcasts); whichever transport is current
// drains them. Incoming packets are handled one at a time under in.
type eioSession struct {
	t   *socketioTransport
	sid string

	out       chan wire.EIOPacket
	closed    chan struct{}
	closeOnce sync.Once
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
}

func (s *eioSession) isUpgraded() bool {
	select {
	case <-s.upgraded:
		return true
	default:
		return false
	}
}

// send queues a packet for the client; a client too slow to take eioQueueLen
// queued packets is disconnected rather than buffered without bound.
func (s *eioSession) send(p wire.EIOPacket) {
	select {
	case s.out <- p:
	case <-s.closed:
	default:
		s.close("send queue full")
	}
}

func (s *eioSession) close(reason string) {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.t.forget(s.sid)
		s.mu.Lock()
		if s.connectTimer != nil {
			s.connectTimer.Stop()
		}
		if s.sub != nil {
			s.t.srv.hub.Unsubscribe(s.sub)
			s.sub = nil
		}
		s.mu.Unlock()
		s.t.srv.log.Debug("engine.io session closed", "sid", s.sid, "reason", reason)
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

var closePacket = []eioItem{{control: wire.EIOPacket{Type: wire.EIOClose}}}

// collect waits for the first outgoing packet, then takes whatever else is
// already queued, up to maxPayload bytes. It returns nil when ctx ends, and a
// close packet once the session is closed.
func (s *eioSession) collect(ctx context.Context) []eioItem {
	p := newPump(s.t.srv, s.subscription(), s.t.srv.cfg.SocketIO.MaxPayload, func(it eioItem) int {
		return len(packet(it).Data) + 2
	})
	p.control, p.ended = s.out, s.closed
	w := p.next(ctx, nil)
	switch w.stop {
	case clientGone:
		return nil
	case connEnded:
		return closePacket
	case serverClosing, tooSlow:
		s.close(w.stop.String())
		return closePacket
	}
	return w.items
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
