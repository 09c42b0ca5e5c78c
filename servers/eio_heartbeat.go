package servers

import (
	"time"

	"github.com/pushbench/pushbench/internal/wire"
)

// heartbeat is the server-driven Engine.IO v4 heartbeat: a ping every
// pingInterval, and the session closes when no pong arrives within pingTimeout.
func (s *eioSession) heartbeat() {
	cfg := s.t.srv.cfg.SocketIO
	t := s.t.srv.clock.NewTimer(cfg.PingInterval)
	defer t.Stop()
	for {
		if _, alive := s.await(t.C(), nil); !alive {
			return
		}
		select {
		case <-s.pong: // a stale pong does not answer this ping
		default:
		}
		s.send(wire.EIOPacket{Type: wire.EIOPing})
		t.Reset(cfg.PingTimeout)
		expired, alive := s.await(t.C(), s.pong)
		if !alive {
			return
		}
		if expired {
			s.close("ping timeout")
			return
		}
		t.Reset(cfg.PingInterval)
	}
}

// await waits for the timer, or a pong when pong is not nil. alive is false
// when the session or the server ended first.
func (s *eioSession) await(timer <-chan time.Time, pong <-chan struct{}) (expired, alive bool) {
	select {
	case <-s.closed:
		return false, false
	case <-s.t.srv.done:
		s.close("server shutting down")
		return false, false
	case <-timer:
		return true, true
	case <-pong:
		return false, true
	}
}
