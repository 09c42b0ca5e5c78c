package servers

import (
	"net"
	"syscall"
	"time"
)

// directWriter is the delicate part both direct-write sinks share (rawStream
// for SSE, chunked and tcp streams; wsWriter for WebSocket), kept in one
// place so the two cannot drift apart: one non-blocking write(2) per frame
// under the subscriber's mu, the unwritten end of a frame a write left half
// done, and the flusher's blocking batch writes under the write timeout (one
// deadline per batch). The transports add their framing and how they end.
type directWriter struct {
	srv  *Server
	conn net.Conn           // what Close goes through (the server's tracked conn, or gorilla's)
	out  net.Conn           // what writes go to: the TCP connection, for writev
	raw  *nonBlockingWriter // nil without non-blocking writes; guarded by sub.mu
	sub  *Subscriber        // whose mu guards the fields below

	// rest is the unwritten end of a frame a direct write left half done
	// (restMsg its message, nil for a frame of the transport's own), which
	// the flusher writes first. room, made by a reader that waits for the
	// flusher to take what it queued, is closed once taken or closed.
	rest    []byte
	restMsg *Message
	room    chan struct{}
	// ending: the transport is ending the connection; the hub writes no
	// more (see each transport for what the flusher still writes). closed:
	// the socket is closed; nothing more is written.
	ending bool
	closed bool
}

// init sets w up to close through conn and write to out, with
// non-blocking writes when out has a file descriptor.
func (w *directWriter) init(s *Server, conn, out net.Conn) {
	w.srv, w.conn, w.out = s, conn, out
	if sc, ok := out.(syscall.Conn); ok && nonBlockingWrites {
		if rc, err := sc.SyscallConn(); err == nil {
			w.raw = newNonBlockingWriter(rc)
		}
	}
}

// tryWriteLocked writes m's frame (by frame) without blocking: the sink's
// tryWrite. Called with sub.mu held, when nothing is queued and no flusher
// runs.
func (w *directWriter) tryWriteLocked(m *Message, frame func(*Message) []byte) writeResult {
	if w.closed || w.ending {
		return wroteAll
	}
	b := frame(m)
	n := w.writeNowLocked(b)
	switch {
	case n < 0 || n == len(b):
		return wroteAll
	case n == 0:
		return wroteNone
	}
	w.rest, w.restMsg = b[n:], m
	return wrotePart
}

// writeNowLocked makes one non-blocking write of b: how much it wrote, or -1
// when the connection failed (and is now closed). Called with sub.mu held.
func (w *directWriter) writeNowLocked(b []byte) int {
	if w.raw == nil {
		return 0
	}
	n, err := w.raw.write(b)
	w.srv.open.countWritten(int64(n))
	if err != nil {
		w.srv.noteWriteError(err)
		w.closeLocked()
		w.conn.Close()
		return -1
	}
	return n
}

// closeLocked stops every write and lets a waiting reader go. Called with
// sub.mu held.
func (w *directWriter) closeLocked() {
	w.closed = true
	w.freeRoomLocked()
}

// roomLocked is the channel a reader waits on until the flusher took what
// it queued (or the socket closed). Called with sub.mu held.
func (w *directWriter) roomLocked() <-chan struct{} {
	if w.room == nil {
		w.room = make(chan struct{})
	}
	return w.room
}

// freeRoomLocked wakes the readers waiting on roomLocked. Called with
// sub.mu held.
func (w *directWriter) freeRoomLocked() {
	if w.room != nil {
		close(w.room)
		w.room = nil
	}
}

// failLocked closes the socket after a failed write, or when no flusher may
// start: nothing more is written and the hub no longer queues for it.
// Called with sub.mu held; unlocks it.
func (w *directWriter) failLocked() {
	w.closeLocked()
	w.sub.busy = false
	w.sub.mu.Unlock()
	w.conn.Close()
}

// idleLocked ends the flusher's turn: the hub writes directly again.
// Called with sub.mu held; unlocks it.
func (w *directWriter) idleLocked() {
	w.sub.busy = false
	w.sub.mu.Unlock()
}

// startFlusher runs flush in a connection goroutine; during shutdown, which
// refuses new connection goroutines, the socket just closes.
func (w *directWriter) startFlusher(flush func()) {
	if w.srv.goConn(flush) {
		return
	}
	w.sub.mu.Lock()
	w.failLocked()
}

// takeRestLocked appends the rest of a half-written frame, if any, to bufs
// and hands it (with its message, to release once written) to the flusher.
// Called with sub.mu held.
func (w *directWriter) takeRestLocked(bufs net.Buffers) (net.Buffers, *Message) {
	rest, m := w.rest, w.restMsg
	w.rest, w.restMsg = nil, nil
	if rest != nil {
		bufs = append(bufs, rest)
	}
	return bufs, m
}

// writeBatch is one write of the flusher: bufs in one writev under the write
// timeout, after which restMsg and batch, written or given up on, are
// released. It keeps no reference to what it wrote.
func (w *directWriter) writeBatch(bufs net.Buffers, restMsg *Message, batch []*Message) error {
	err := w.writeBlocking(bufs)
	if restMsg != nil {
		w.sub.Release(restMsg)
	}
	for _, m := range batch {
		w.sub.Release(m)
	}
	clear(batch)
	clear(bufs)
	return err
}

// writeBlocking writes bufs (one writev) under the write timeout, then lifts
// the deadline, which would otherwise fail later non-blocking writes.
func (w *directWriter) writeBlocking(bufs net.Buffers) error {
	if err := w.out.SetWriteDeadline(time.Now().Add(w.srv.cfg.WriteTimeout)); err != nil {
		return err
	}
	n, err := bufs.WriteTo(w.out)
	w.srv.open.countWritten(n)
	if err == nil {
		err = w.out.SetWriteDeadline(time.Time{})
	}
	w.srv.noteWriteError(err)
	return err
}
