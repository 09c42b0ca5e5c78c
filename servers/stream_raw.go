package servers

import (
	"bytes"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/pushbench/pushbench/internal/wire"
)

// rawStream is an SSE or NDJSON stream taken over from net/http once the
// request is read: it writes the response head and the chunked transfer
// coding itself, so an idle stream holds no handler goroutine, no net/http
// buffers and no writer goroutine, only one goroutine reading to see the
// client leave (about 30 KiB per connection less at 10,000 connections). The
// hub writes each broadcast to it directly (it is the subscriber's sink); a
// flusher goroutine starts only while the socket is full.
type rawStream struct {
	srv  *Server
	sw   streamWriter
	conn net.Conn           // what Close goes through (the server's tracked conn)
	out  net.Conn           // what writes go to: the TCP conn, for writev
	raw  *nonBlockingWriter // nil when there are no non-blocking writes; guarded by sub.mu
	sub  *Subscriber
	// through is the last id a resume replayed: live messages up to it are
	// not written again.
	through   uint64
	heartbeat []byte // the heartbeat as a chunk
	hb        timer  // nil without heartbeats

	// Guarded by sub.mu: rest is the unwritten end of a frame a direct write
	// left half done (restMsg its message, nil for a heartbeat), which the
	// flusher writes first; closed stops every write.
	rest    []byte
	restMsg *Message
	closed  bool
	// ending: the hub kicked the stream while the flusher was writing; the
	// flusher closes the connection once that write ends (done, failed, or
	// timed out), as net/http would finish a response.
	ending bool

	kickOnce sync.Once
}

var _ sink = (*rawStream)(nil)

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
	sw.open.Add(1)
	out := underlying(conn)
	st := &rawStream{srv: s, sw: sw, conn: conn, out: out, heartbeat: wire.AppendChunk(nil, sw.heartbeat)}
	if sc, ok := out.(syscall.Conn); ok && nonBlockingWrites {
		if rc, err := sc.SyscallConn(); err == nil {
			st.raw = newNonBlockingWriter(rc)
		}
	}
	end := func() {
		if sub != nil {
			s.hub.Unsubscribe(sub)
		}
		conn.Close()
		sw.open.Add(-1)
	}
	_ = conn.SetDeadline(time.Time{})
	head := wire.AppendChunk(rawStreamHead(h), sw.preamble)
	if st.writeBlocking(net.Buffers{head}) != nil {
		end()
		return
	}
	if resume != nil {
		sub, st.through = resume(func(b []byte) bool { return st.writeBlocking(net.Buffers{wire.AppendChunk(nil, b)}) == nil })
		if sub == nil {
			_ = st.writeBlocking(net.Buffers{wire.AppendLastChunk(nil)})
			end()
			return
		}
	}
	st.sub = sub
	if s.cfg.Heartbeat > 0 {
		st.hb = s.clock.AfterFunc(s.cfg.Heartbeat, st.beat)
	}
	if !s.goConn(st.readUntilClosed) {
		st.stopHeartbeat()
		_ = st.writeBlocking(net.Buffers{wire.AppendLastChunk(nil)})
		end()
		return
	}
	sub.attach(st)
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
	buf := make([]byte, 64)
	for {
		if _, err := st.conn.Read(buf); err != nil {
			break
		}
	}
	st.srv.hub.Unsubscribe(st.sub)
	st.stopHeartbeat()
	st.sub.mu.Lock()
	st.closed = true
	st.sub.mu.Unlock()
	st.conn.Close()
	st.sw.open.Add(-1)
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
	if st.closed || st.ending || st.skip(m) {
		return wroteAll
	}
	b := st.sw.chunk(m)
	n := st.writeNowLocked(b)
	switch {
	case n < 0 || n == len(b):
		return wroteAll
	case n == 0:
		return wroteNone
	}
	st.rest, st.restMsg = b[n:], m
	return wrotePart
}

// writeNowLocked makes one non-blocking write of b: how much it wrote, or -1
// when the connection failed (and is now closed). Called with sub.mu held.
func (st *rawStream) writeNowLocked(b []byte) int {
	if st.raw == nil {
		return 0
	}
	n, err := st.raw.write(b)
	if err != nil {
		st.srv.noteWriteError(err)
		st.closed = true
		st.conn.Close()
		return -1
	}
	return n
}

// beat writes a heartbeat when nothing else is being written, and arms the
// next one. A heartbeat the socket cannot take at once goes to the flusher,
// so a client that stopped reading meets the write timeout even when no
// message is published.
func (st *rawStream) beat() {
	s := st.sub
	s.mu.Lock()
	if st.closed {
		s.mu.Unlock()
		return
	}
	wake := false
	if !s.busy && s.head == len(s.queue) {
		if n := st.writeNowLocked(st.heartbeat); n >= 0 && n < len(st.heartbeat) {
			st.rest, st.restMsg = st.heartbeat[n:], nil
			s.busy, wake = true, true
		}
	}
	s.mu.Unlock()
	if wake {
		st.wake()
	}
	st.hb.Reset(st.srv.cfg.Heartbeat)
}

// wake starts the flusher; during shutdown, which refuses new connection
// goroutines, the stream just closes.
func (st *rawStream) wake() {
	if st.srv.goConn(st.flush) {
		return
	}
	st.sub.mu.Lock()
	st.closed = true
	st.sub.mu.Unlock()
	st.conn.Close()
}

// flush writes what is queued, in batches, with blocking writes under the
// write timeout, until nothing is left; then the hub writes directly again.
// A write that fails or times out ends the stream.
func (st *rawStream) flush() {
	s := st.sub
	var batch []*Message
	var bufs net.Buffers
	size := func(m *Message) int { return len(st.sw.chunk(m)) }
	for {
		s.mu.Lock()
		if st.closed || st.ending {
			ending := st.ending && !st.closed
			st.closed, s.busy = true, false
			s.mu.Unlock()
			if ending {
				st.conn.Close()
			}
			return
		}
		rest, restMsg := st.rest, st.restMsg
		st.rest, st.restMsg = nil, nil
		batch = s.takeLocked(batch[:0], streamBatchBytes, size)
		if rest == nil && len(batch) == 0 {
			s.busy = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		bufs = bufs[:0]
		if rest != nil {
			bufs = append(bufs, rest)
		}
		for _, m := range batch {
			if !st.skip(m) {
				bufs = append(bufs, st.sw.chunk(m))
			}
		}
		err := st.writeBlocking(bufs)
		if restMsg != nil {
			s.Release(restMsg)
		}
		for _, m := range batch {
			s.Release(m)
		}
		clear(batch) // keep no reference to a written message
		clear(bufs)
		if err != nil {
			s.mu.Lock()
			st.closed, s.busy = true, false
			s.mu.Unlock()
			st.conn.Close()
			return
		}
	}
}

// writeBlocking writes bufs (one writev) under the write timeout, then lifts
// the deadline, which would otherwise fail later non-blocking writes.
func (st *rawStream) writeBlocking(bufs net.Buffers) error {
	if err := st.out.SetWriteDeadline(time.Now().Add(st.srv.cfg.WriteTimeout)); err != nil {
		return err
	}
	_, err := bufs.WriteTo(st.out)
	if err == nil {
		err = st.out.SetWriteDeadline(time.Time{})
	}
	st.srv.noteWriteError(err)
	return err
}

// kicked ends the stream: the hub closed, the slow policy or the admin
// endpoint disconnected it. An idle stream ends cleanly with the last chunk;
// one whose flusher is writing ends when that write does (a client that
// stopped reading holds it until the write timeout or a shutdown's
// force-close).
func (st *rawStream) kicked() {
	st.kickOnce.Do(func() {
		s := st.sub
		s.mu.Lock()
		if s.busy && !st.closed {
			st.ending = true
			s.mu.Unlock()
			return
		}
		if !st.closed {
			st.writeNowLocked(wire.AppendLastChunk(nil))
		}
		st.closed = true
		s.mu.Unlock()
		st.conn.Close()
	})
}
