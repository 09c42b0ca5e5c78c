package servers

import (
	"fmt"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/internal/wire"
)

// eioQueueLen bounds a session's queue of control packets and replies in
// packets; Config.QueueBytes bounds it in bytes. The channel's buffer is
// allocated with every session, so it stays small: a handshake flood of
// MaxSessions sessions must not cost much.
const eioQueueLen = 64

// packetSize is what a packet counts against a session's byte budget.
func packetSize(p wire.EIOPacket) int64 { return int64(len(p.Data)) + 2 }

// send queues a packet for the client. When the queue is full (in packets or
// bytes) it waits up to WriteTimeout for the client to take some: a client
// that polls, or reads its WebSocket, makes room; one that does not meets the
// slow policy (the reply is dropped, or the session is closed), so replies
// for a client that never polls are not buffered without bound.
func (s *eioSession) send(p wire.EIOPacket) {
	n := packetSize(p)
	limit := s.t.srv.cfg.QueueBytes
	var wait *time.Timer
	for {
		overBytes := !s.reserve(n, limit)
		if !overBytes {
			select {
			case s.out <- p:
				return
			case <-s.closed:
				s.pending.Add(-n)
				return
			default:
				s.pending.Add(-n)
			}
		}
		if wait == nil {
			// A network write deadline, so real time, as the others are.
			wait = time.NewTimer(s.t.srv.cfg.WriteTimeout)
			defer wait.Stop()
		}
		select {
		case <-s.room:
		case <-s.closed:
			return
		case <-s.t.srv.done:
			return
		case <-wait.C:
			s.overflow(overBytes)
			return
		}
	}
}

// reserve claims n bytes of the session's budget of limit; an empty queue
// takes any one packet.
func (s *eioSession) reserve(n, limit int64) bool {
	for {
		q := s.pending.Load()
		if q > 0 && q+n > limit {
			return false
		}
		if s.pending.CompareAndSwap(q, q+n) {
			return true
		}
	}
}

// overflow applies the slow policy to a session whose queue stayed full for
// WriteTimeout.
func (s *eioSession) overflow(overBytes bool) {
	hub := s.t.srv.hub
	hub.countDropped(overBytes)
	if s.t.srv.cfg.SlowPolicy != SlowDisconnect {
		return
	}
	hub.countKicked()
	reason := fmt.Sprintf("reply queue full (%d packets, %d bytes) and not taken within %v", len(s.out), s.pending.Load(), s.t.srv.cfg.WriteTimeout)
	s.t.srv.log.Info("engine.io session too slow: closed", "sid", s.sid, "reason", reason)
	s.closeWith(websocket.ClosePolicyViolation, reason)
}

// eioBatch is what one collect took: items, and the subscription its hub
// messages came from. s is nil for a batch made up on the spot (a close
// packet, a noop), which nothing counted.
type eioBatch struct {
	s     *eioSession
	items []eioItem
	sub   *Subscriber
}

// written gives the batch's bytes back to the budgets they count against,
// once the transport has written it or given up on it, and wakes a send
// waiting for room.
func (b eioBatch) written() {
	if b.s == nil {
		return
	}
	releaseAll(b.sub, b.items)
	var n int64
	for _, it := range b.items {
		if it.msg == nil {
			n += packetSize(it.control)
		}
	}
	if n == 0 {
		return
	}
	b.s.pending.Add(-n)
	select {
	case b.s.room <- struct{}{}:
	default:
	}
}
