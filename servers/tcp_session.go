package servers

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/pushbench/pushbench/internal/wire"
)

// tcpReadBuffer is what one read of a client's lines takes: small, since a
// reader blocked on an idle connection holds it, and lines longer than it
// are joined by the line splitter.
const tcpReadBuffer = 1 << 10

// tcpFraming puts each broadcast on a tcp connection as its NDJSON line (the
// bytes /chunked streams, without the chunk framing) and a heartbeat as a
// blank line, which line readers skip. A kicked connection is just closed.
func tcpFraming(open *atomic.Int64) rawFraming {
	return rawFraming{frame: (*Message).NDJSONLine, heartbeat: []byte("\n"), open: open}
}

// start subscribes c and serves it as a raw stream (see rawStream): the hub
// writes broadcasts to it directly, a flusher runs only while the socket is
// full, and the connection's one goroutine is its reader, which echoes the
// client's lines. A connection the server will not serve (it is shutting
// down) is closed at once.
func (t *tcpTransport) start(ctx context.Context, c net.Conn, sessions *sync.WaitGroup) {
	sub := t.srv.hub.Subscribe()
	if sub == nil || !t.track(ctx, c) {
		if sub != nil {
			t.srv.hub.Unsubscribe(sub)
		}
		c.Close()
		return
	}
	st := t.srv.newRawStream(c, tcpFraming(&t.srv.live.tcp))
	st.sub = sub
	sessions.Add(1)
	if !st.start(func() {
		defer sessions.Done()
		defer t.untrack(c)
		st.echoLines()
	}) {
		sessions.Done()
		t.untrack(c)
	}
}

// echoLines is a tcp connection's reader: it echoes each line the client
// sends (see rawStream.reply: in order with broadcasts, never dropped; while
// the connection is backlogged the reader waits, so the client's sends back
// up) until the client closes, the connection is closed, or a line passes
// the read limit (logged as hostile input). Then it ends the stream.
func (st *rawStream) echoLines() {
	defer st.end()
	buf := make([]byte, tcpReadBuffer)
	lines := wire.LineSplitter{MaxLine: int(st.srv.cfg.TCPReadLimit)}
	for {
		n, err := st.conn.Read(buf)
		if n > 0 {
			ok := true
			ferr := lines.Feed(buf[:n], func(line []byte) {
				if ok {
					ok = st.reply(&Message{JSON: bytes.Clone(line)})
				}
			})
			if ferr != nil {
				st.srv.hostileConn("tcp-too-large", st.conn.RemoteAddr(), fmt.Errorf("client line over --tcp-read-limit: %w", ferr))
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
