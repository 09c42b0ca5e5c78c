package servers

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/pushbench/pushbench/internal/wire"
)

// tcpHeartbeat is the tcp transport's heartbeat: a blank line, as on /chunked;
// line readers skip it.
var tcpHeartbeat = []byte("\n")

// tcpReadBuffer is what one read of a client's lines takes: small, since a
// reader blocked on an idle connection holds it, and lines longer than it
// are joined by the line splitter.
const tcpReadBuffer = 1 << 10

// tcpBatchBytes bounds what one wake of a tcp writer takes from its queues;
// it goes out in one writev.
const tcpBatchBytes = 64 << 10

// tcpEchoQueue is how many echoed lines wait for the writer before the
// reader, and through TCP the client, waits too.
const tcpEchoQueue = 8

// tcpSession is one tcp connection: a writer that owns the hub subscription
// and writes broadcasts, heartbeats and echoes, and a reader that splits the
// client's lines and hands each to the writer to echo.
type tcpSession struct {
	srv  *Server
	conn net.Conn
	sub  *Subscriber

	echo      chan []byte   // lines to echo, each with its newline
	readDone  chan struct{} // closed when the reader ends: the client left or misbehaved
	writeDone chan struct{} // closed when the writer ends; the reader stops queueing
}

// start subscribes c and runs its session under the server's connection
// accounting and sessions; a connection the server will not serve (it is
// shutting down) is closed at once.
func (t *tcpTransport) start(ctx context.Context, c net.Conn, sessions *sync.WaitGroup) {
	sub := t.srv.hub.Subscribe()
	if sub == nil || !t.track(ctx, c) {
		if sub != nil {
			t.srv.hub.Unsubscribe(sub)
		}
		c.Close()
		return
	}
	ts := &tcpSession{srv: t.srv, conn: c, sub: sub, echo: make(chan []byte, tcpEchoQueue), readDone: make(chan struct{}), writeDone: make(chan struct{})}
	sessions.Add(1)
	if !t.srv.goConn(func() {
		defer sessions.Done()
		defer t.untrack(c)
		ts.run(ctx)
	}) {
		sessions.Done()
		t.untrack(c)
		t.srv.hub.Unsubscribe(sub)
		c.Close()
	}
}

// run reads in a goroutine of its own and writes in this one; the writer
// closes the connection when it stops, which ends the reader.
func (ts *tcpSession) run(ctx context.Context) {
	go ts.readLoop()
	ts.writeLoop(ctx)
	close(ts.writeDone)
	<-ts.readDone
}

// readLoop reads the client's lines and queues each for echo until the
// client closes, the connection is closed, or a line passes the read limit
// (logged as hostile input; the connection ends).
func (ts *tcpSession) readLoop() {
	defer close(ts.readDone)
	buf := make([]byte, tcpReadBuffer)
	lines := wire.LineSplitter{MaxLine: int(ts.srv.cfg.TCPReadLimit)}
	for {
		n, err := ts.conn.Read(buf)
		if n > 0 {
			ok := true
			ferr := lines.Feed(buf[:n], func(line []byte) {
				if ok {
					ok = ts.queueEcho(wire.AppendNDJSON(make([]byte, 0, len(line)+1), line))
				}
			})
			if ferr != nil {
				ts.srv.hostileConn("tcp-too-large", ts.conn.RemoteAddr(), fmt.Errorf("client line over --tcp-read-limit: %w", ferr))
				return
			}
			if !ok {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// queueEcho hands a line to the writer, waiting while the writer is behind;
// it reports false once the writer has stopped.
func (ts *tcpSession) queueEcho(line []byte) bool {
	select {
	case ts.echo <- line:
		return true
	case <-ts.writeDone:
		return false
	}
}

// writeLoop writes hub broadcasts (each the message's prepared NDJSON line,
// shared by every connection), echoes and heartbeats, a batch per writev,
// until the client leaves, the hub drops it as too slow, a write fails or
// times out, or ctx (the listener's life) or the server ends. It then closes
// the connection, which ends the reader.
func (ts *tcpSession) writeLoop(ctx context.Context) {
	s := ts.srv
	s.live.tcp.Add(1)
	defer s.live.tcp.Add(-1)
	defer s.hub.Unsubscribe(ts.sub)
	defer ts.conn.Close()
	p := newPump(s, ts.sub, tcpBatchBytes, func(it pumpItem[[]byte]) int {
		if it.msg != nil {
			return len(it.msg.JSON) + 1
		}
		return len(it.control)
	})
	p.control, p.ended = ts.echo, ts.readDone
	if s.cfg.Heartbeat > 0 {
		t := s.clock.NewTicker(s.cfg.Heartbeat)
		defer t.Stop()
		p.tick = t.C()
	}
	var items []pumpItem[[]byte]
	var bufs [][]byte
	for {
		w := p.next(ctx, items)
		if w.stop != notStopped {
			s.log.Debug("tcp connection ended", "remote", ts.conn.RemoteAddr().String(), "reason", w.stop.String())
			return
		}
		bufs = bufs[:0]
		if w.tick {
			bufs = append(bufs, tcpHeartbeat)
		}
		for _, it := range w.items {
			if it.msg != nil {
				bufs = append(bufs, it.msg.NDJSONLine())
			} else {
				bufs = append(bufs, it.control)
			}
		}
		err := ts.write(bufs)
		clear(bufs) // keep no reference to a written message
		items = w.items
		p.written(w.items)
		clear(w.items) // an idle connection pins no written message
		if err != nil {
			s.noteWriteError(err)
			s.log.Debug("tcp connection ended", "remote", ts.conn.RemoteAddr().String(), "reason", "write failed", "err", err)
			return
		}
	}
}

// write sends bufs in one writev (one write for one buffer), within the
// write timeout.
func (ts *tcpSession) write(bufs [][]byte) error {
	if err := ts.conn.SetWriteDeadline(time.Now().Add(ts.srv.cfg.WriteTimeout)); err != nil {
		return err
	}
	if len(bufs) == 1 {
		_, err := ts.conn.Write(bufs[0])
		return err
	}
	nb := net.Buffers(bufs)
	_, err := nb.WriteTo(ts.conn)
	return err
}
