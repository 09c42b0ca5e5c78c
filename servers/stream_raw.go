package servers

import (
	"bytes"
	"math"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pushbench/pushbench/internal/wire"
)

// rawStream is a connection the server writes its own framing to: an SSE or
// NDJSON stream taken over from net/http once the request is read (it writes
// the response head and the chunked transfer coding itself), or a tcp
// transport connection (bare NDJSON lines). An idle stream holds no handler
// goroutine, no net/http buffers and no writer goroutine, only one goroutine
// reading (about 30 KiB per connection less at 10,000 connections). The hub
// writes each broadcast to it directly (it is the subscriber's sink); a
// flusher goroutine starts only while the socket is full.
type rawStream struct {
	// directWriter writes (conn is the server's tracked conn); its
	// ending means the hub kicked the stream while the flusher was
	// writing: the flusher closes the connection once that write ends
	// (done, failed, or timed out), as net/http would finish a response.
	directWriter
	f rawFraming
	// through is the last id a resume replayed: live messages up to it are
	// not written again.
	through uint64
	hb      timer // nil without heartbeats
	// pendingReply is the reader's reply (see reply) queued and not yet taken
	// by the flusher, which then frees the room the next reply waits on.
	// Guarded by sub.mu.
	pendingReply *Message

	kickOnce sync.Once
}

var _ sink = (*rawStream)(nil)

// rawFraming is how a raw stream puts messages on the wire: what differs
// between an HTTP stream (chunks) and a tcp connection (bare lines).
type rawFraming struct {
	frame     func(*Message) []byte
	heartbeat []byte
	last      []byte        // what a kicked stream writes last; nil: nothing
	open      *atomic.Int64 // counts the transport's open connections
}

// chunkedFraming frames sw's messages and heartbeats as chunks of the
// chunked transfer coding, ended by the last chunk.
func chunkedFraming(sw streamWriter) rawFraming {
	return rawFraming{frame: sw.chunk, heartbeat: wire.AppendChunk(nil, sw.heartbeat), last: wire.AppendLastChunk(nil), open: sw.open}
}

// newRawStream prepares a raw stream on conn, counted as open; the caller
// sets sub, writes what comes first, then calls start (or end).
func (s *Server) newRawStream(conn net.Conn, f rawFraming) *rawStream {
	f.open.Add(1)
	st := &rawStream{f: f}
	st.init(s, conn, underlying(conn))
	return st
}

// start arms the heartbeat, runs read (which must end with end) in a
// connection goroutine and makes the stream st.sub's sink. During shutdown,
// which refuses new connection goroutines, it ends the stream instead and
// reports false.
func (st *rawStream) start(read func()) bool {
	if st.srv.cfg.Heartbeat > 0 {
		st.hb = st.srv.clock.AfterFunc(st.srv.cfg.Heartbeat, st.beat)
	}
	if !st.srv.goConn(read) {
		st.stopHeartbeat()
		if st.f.last != nil {
			_ = st.writeBlocking(net.Buffers{st.f.last})
		}
		st.end()
		return false
	}
	st.sub.attach(st)
	return true
}

// end unsubscribes, stops every write and closes the connection: what the
// reader does when it ends (the client left, or the stream closed the
// connection), or the setup when the stream never started.
func (st *rawStream) end() {
	st.stopHeartbeat()
	if s := st.sub; s != nil {
		st.srv.hub.Unsubscribe(s)
		s.mu.Lock()
		st.closeLocked()
		s.mu.Unlock()
	}
	st.conn.Close()
	st.f.open.Add(-1)
}

// canHijack reports whether serveStream may take r's connection: HTTP/1.1
// without a request body (a stream reads nothing more from the client).
func canHijack(r *http.Request) bool {
	return r.ProtoMajor == 1 && r.ProtoMinor >= 1 && r.ContentLength == 0 && len(r.TransferEncoding) == 0
}

// runRawStream serves a stream on conn, hijacked with its headers in h set:
// the response head and preamble, a resume's replay, then the live messages
// of sub until the client leaves, the server shuts down or the hub kicks it.
func (s *Server) runRawStream(conn net.Conn, h http.Header, sw streamWriter, sub *Subscriber,
	resume func(emit func([]byte) bool) (*Subscriber, uint64)) {
	st := s.newRawStream(conn, chunkedFraming(sw))
	st.sub = sub
	_ = conn.SetDeadline(time.Time{})
	head := wire.AppendChunk(rawStreamHead(h), sw.preamble)
	if st.writeBlocking(net.Buffers{head}) != nil {
		st.end()
		return
	}
	if resume != nil {
		st.sub, st.through = resume(func(b []byte) bool { return st.writeBlocking(net.Buffers{wire.AppendChunk(nil, b)}) == nil })
		if st.sub == nil {
			_ = st.writeBlocking(net.Buffers{st.f.last})
			st.end()
			return
		}
	}
	st.start(st.readUntilClosed)
}

// rawStreamHead is the response head of a stream whose headers are h.
func rawStreamHead(h http.Header) []byte {
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 200 OK\r\n")
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	_ = h.Write(&b)
	b.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	return b.Bytes()
}

// underlying is the connection a tracked connection wraps, for writev and
// the raw file descriptor; the tracked one is what closes it.
func underlying(c net.Conn) net.Conn {
	if tc, ok := c.(*trackedConn); ok {
		return tc.Conn
	}
	return c
}

// readUntilClosed reads (and discards) until the connection ends: the client
// left, or the stream closed it. Then it ends the stream.
func (st *rawStream) readUntilClosed() {
	defer st.end()
	buf := make([]byte, 64)
	for {
		if _, err := st.conn.Read(buf); err != nil {
			return
		}
	}
}

func (st *rawStream) stopHeartbeat() {
	if st.hb != nil {
		st.hb.Stop()
	}
}

// skip reports whether m was already written by a resume's replay.
func (st *rawStream) skip(m *Message) bool { return m.ID != 0 && m.ID <= st.through }

// tryWrite writes m's chunk without blocking. Called with sub.mu held.
func (st *rawStream) tryWrite(m *Message) writeResult {
	if st.skip(m) {
		return wroteAll
	}
	return st.tryWriteLocked(m, st.f.frame)
}

// writeDirectLocked writes b, the frame of m (nil for a heartbeat), without
// blocking when the stream owns its writes (nothing queued, no flusher). It
// reports false when it did not, and wake when it handed the rest of b to a
// flusher the caller must start. A frame the socket cannot take at once
// goes to the flusher, so a client that stopped reading meets the write
// timeout even when no message is published. Called with sub.mu held.
func (st *rawStream) writeDirectLocked(b []byte, m *Message) (done, wake bool) {
	s := st.sub
	if s.busy || s.head != len(s.queue) {
		return false, false
	}
	if n := st.writeNowLocked(b); n >= 0 && n < len(b) {
		st.rest, st.restMsg = b[n:], m
		if m != nil {
			s.queued.Add(m.Size()) // the flusher releases it with the rest
		}
		s.busy, wake = true, true
	}
	return true, wake
}

// beat writes a heartbeat when nothing else is being written, and arms the
// next one.
func (st *rawStream) beat() {
	s := st.sub
	s.mu.Lock()
	if st.closed {
		s.mu.Unlock()
		return
	}
	_, wake := st.writeDirectLocked(st.f.heartbeat, nil)
	s.mu.Unlock()
	if wake {
		st.wake()
	}
	st.hb.Reset(st.srv.cfg.Heartbeat)
}

// reply writes m to this connection alone (the tcp transport's echo), in
// order with the broadcasts: at once when the stream owns its writes, else
// after what is queued, through the flusher, outside the hub's bounds. While
// one reply waits in the queue the next waits for it, which holds the reader
// and, through TCP, the client: a backlogged connection slows its client's
// replies rather than dropping them. It reports false once the stream is
// closed or ending.
func (st *rawStream) reply(m *Message) bool {
	s := st.sub
	s.mu.Lock()
	for st.pendingReply != nil && !st.closed {
		room := st.roomLocked()
		s.mu.Unlock()
		<-room
		s.mu.Lock()
	}
	if st.closed || st.ending {
		s.mu.Unlock()
		return false
	}
	done, wake := st.writeDirectLocked(st.f.frame(m), m)
	if !done {
		s.queued.Add(m.Size()) // released by the flusher once written
		s.pushLocked(m, math.MaxInt)
		st.pendingReply = m
	}
	open := !st.closed
	s.mu.Unlock()
	if wake {
		st.wake()
	}
	return open
}

// wake starts the flusher; during shutdown, which refuses new connection
// goroutines, the stream just closes.
func (st *rawStream) wake() { st.startFlusher(st.flush) }

// flush writes what is queued, in batches, with blocking writes under the
// write timeout, until nothing is left; then the hub writes directly again.
// A write that fails or times out ends the stream.
func (st *rawStream) flush() {
	s := st.sub
	var batch []*Message
	var bufs net.Buffers
	var restMsg *Message
	size := func(m *Message) int { return len(st.f.frame(m)) }
	for {
		s.mu.Lock()
		if st.closed || st.ending {
			ending := st.ending && !st.closed
			st.closeLocked()
			st.idleLocked()
			if ending {
				st.conn.Close()
			}
			return
		}
		bufs, restMsg = st.takeRestLocked(bufs[:0])
		batch = s.takeLocked(batch[:0], streamBatchBytes, size)
		if len(bufs) == 0 && len(batch) == 0 {
			st.idleLocked()
			return
		}
		if st.pendingReply != nil && slices.Contains(batch, st.pendingReply) {
			st.pendingReply = nil // taken: the reader may queue its next reply
			st.freeRoomLocked()
		}
		s.mu.Unlock()
		for _, m := range batch {
			if !st.skip(m) {
				bufs = append(bufs, st.f.frame(m))
			}
		}
		if st.writeBatch(bufs, restMsg, batch) != nil {
			s.mu.Lock()
			st.failLocked()
			return
		}
	}
}

// kicked ends the stream: the hub closed, the slow policy or the admin
// endpoint disconnected it. An idle stream ends cleanly with its framing's
// last bytes (the last chunk; nothing on tcp); one whose flusher is writing
// ends when that write does (a client that stopped reading holds it until
// the write timeout or a shutdown's force-close).
func (st *rawStream) kicked() {
	st.kickOnce.Do(func() {
		s := st.sub
		s.mu.Lock()
		if s.busy && !st.closed {
			st.ending = true
			s.mu.Unlock()
			return
		}
		if !st.closed && st.f.last != nil {
			st.writeNowLocked(st.f.last)
		}
		st.closeLocked()
		s.mu.Unlock()
		st.conn.Close()
	})
}
