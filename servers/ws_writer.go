package servers

import (
	"net"
	"time"
)

// wsWriter writes every frame of one WebSocket connection, in whole frames,
// one writer at a time: the hub's broadcasts (tryWrite, from the publishing
// goroutine), the reader's replies, pongs and close frames, the ping timer's
// pings, and what gorilla writes on its own (see wsNetConn). Each write is
// first tried as one non-blocking write(2) under the subscriber's mu; when the
// socket is full, the rest goes to a flusher goroutine, started on demand,
// which writes in batches with blocking writes under the write timeout (one
// deadline per batch) until nothing is left. While the flusher runs
// (sub.busy), nothing else writes: frames never interleave.
type wsWriter struct {
	// directWriter writes (conn is gorilla's connection); its ending
	// means final (a close frame, or nil) is the last frame: nothing is
	// written after it. room is closed once the flusher took the
	// session's frames.
	directWriter

	// ctl holds the session's own frames waiting for the flusher (ctlBytes
	// their size); the reader waits on room when they pass wsReplyBytes.
	// finalDone: final is written. closeAfter: close the socket once final
	// is written, rather than give the client a second to answer.
	ctl        [][]byte
	ctlBytes   int
	final      []byte
	finalDone  bool
	closeAfter bool
}

// init sets w up on nc (a wsNetConn, or any connection) for sub.
func (w *wsWriter) init(s *Server, nc net.Conn, sub *Subscriber) {
	inner := nc
	if wc, ok := nc.(*wsNetConn); ok {
		inner = wc.Conn
	}
	w.directWriter.init(s, nc, underlying(inner))
	w.sub = sub
}

// tryWrite writes m's frame without blocking. Called with sub.mu held, when
// nothing is queued and no flusher runs.
func (w *wsWriter) tryWrite(m *Message) writeResult {
	return w.tryWriteLocked(m, (*Message).WebSocketFrameBytes)
}

// send writes one of the session's own frames, now or through the flusher.
// It reports false once the session is ending.
func (w *wsWriter) send(frame []byte) bool {
	_, ok := w.sendOrWait(frame, -1)
	return ok
}

// sendOrWait is send that also returns, when more than limit bytes of the
// session's frames wait (limit < 0: never), a channel closed once the
// flusher took them.
func (w *wsWriter) sendOrWait(frame []byte, limit int) (<-chan struct{}, bool) {
	s := w.sub
	s.mu.Lock()
	wake, ok := w.sendLocked(frame)
	var room <-chan struct{}
	if ok && limit >= 0 && w.ctlBytes > limit {
		room = w.roomLocked()
	}
	s.mu.Unlock()
	if wake {
		w.wake()
	}
	return room, ok
}

// sendLocked writes frame at once when no flusher runs, else queues it for
// the flusher; wake says the flusher must be started. Called with sub.mu held.
func (w *wsWriter) sendLocked(frame []byte) (wake, ok bool) {
	if w.closed || w.ending {
		return false, false
	}
	if w.sub.busy {
		w.ctl = append(w.ctl, frame)
		w.ctlBytes += len(frame)
		return false, true
	}
	n := w.writeNowLocked(frame)
	switch {
	case n < 0:
		return false, false
	case n == len(frame):
		return false, true
	case n > 0:
		w.rest, w.restMsg = frame[n:], nil
	default:
		w.ctl = append(w.ctl, frame)
		w.ctlBytes += len(frame)
	}
	w.sub.busy = true
	return true, true
}

// end makes frame (nil: none) the last frame written. closeAfter closes the
// socket once it is written; otherwise the client has a second to answer (the
// reader then ends the session with closeAfter). A second end only adds
// closeAfter.
func (w *wsWriter) end(frame []byte, closeAfter bool) {
	s := w.sub
	s.mu.Lock()
	if w.closed {
		s.mu.Unlock()
		return
	}
	w.closeAfter = w.closeAfter || closeAfter
	if w.ending {
		closeNow := w.closeAfter && w.finalDone && !s.busy
		if closeNow {
			w.closeLocked()
		}
		s.mu.Unlock()
		if closeNow {
			w.conn.Close()
		}
		return
	}
	w.ending, w.final = true, frame
	if s.busy { // the flusher writes it after what it is writing
		s.mu.Unlock()
		return
	}
	w.final = nil
	if len(frame) == 0 {
		w.finishedLocked()
		return
	}
	if n := w.writeNowLocked(frame); n < 0 {
		s.mu.Unlock()
		return
	} else if n < len(frame) {
		w.rest, w.restMsg = frame[n:], nil
		s.busy = true
		s.mu.Unlock()
		w.wake()
		return
	}
	w.finishedLocked()
}

// finishedLocked follows the last frame's write: the socket closes now, or
// after a second's grace. Called with sub.mu held; unlocks it.
func (w *wsWriter) finishedLocked() {
	w.finalDone = true
	closeNow := w.closeAfter
	if closeNow {
		w.closeLocked()
	}
	w.sub.mu.Unlock()
	if closeNow {
		w.conn.Close()
		return
	}
	w.srv.clock.AfterFunc(time.Second, w.closeSocket)
}

// closeSocket closes the socket: the client had its second to answer a
// close frame.
func (w *wsWriter) closeSocket() {
	w.sub.mu.Lock()
	w.closeLocked()
	w.sub.mu.Unlock()
	w.conn.Close()
}

// wake starts the flusher; during shutdown, which refuses new connection
// goroutines, the socket just closes.
func (w *wsWriter) wake() { w.startFlusher(w.flush) }

// flush writes what waits, in batches, with blocking writes under the write
// timeout, until nothing is left; then writes go direct again. A write that
// fails or times out closes the socket (the reader then ends the session).
func (w *wsWriter) flush() {
	s := w.sub
	var batch []*Message
	var bufs net.Buffers
	var restMsg *Message
	size := func(m *Message) int { return len(m.WebSocketFrameBytes()) }
	for {
		s.mu.Lock()
		if w.closed || w.finalDone {
			w.idleLocked()
			return
		}
		bufs, restMsg = w.takeRestLocked(bufs[:0])
		bufs = append(bufs, w.ctl...)
		w.ctl, w.ctlBytes = nil, 0
		w.freeRoomLocked()
		last := w.ending
		batch = batch[:0]
		if last {
			// A kicked subscriber's queue is what made it too slow: only
			// the frame half written and the close frame go out.
			if w.final != nil {
				bufs = append(bufs, w.final)
			}
			w.final = nil
			for m := s.popLocked(); m != nil; m = s.popLocked() {
				s.Release(m)
			}
		} else {
			batch = s.takeLocked(batch, wsBatchBytes, size)
		}
		if len(bufs) == 0 && len(batch) == 0 && !last {
			w.idleLocked()
			return
		}
		s.mu.Unlock()
		for _, m := range batch {
			bufs = append(bufs, m.WebSocketFrameBytes())
		}
		err := w.writeBatch(bufs, restMsg, batch)
		s.mu.Lock()
		if err != nil {
			w.failLocked()
			return
		}
		if last {
			s.busy = false
			w.finishedLocked()
			return
		}
		s.mu.Unlock()
	}
}

// wsBatchBytes bounds what one write of the flusher takes from the queue.
const wsBatchBytes = 64 << 10
