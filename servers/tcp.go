package servers

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// tcpTransport serves the tcp transport: the NDJSON lines /chunked streams
// (one JSON envelope per line) over a plain TCP connection on a listener of
// its own, with no HTTP, framing or masking in between. It is the floor the
// other transports' costs are compared with, so a broadcast costs one write
// of the prepared line per subscriber and nothing else: each connection is a
// rawStream the hub writes to itself, and an idle one holds one goroutine,
// its reader (see tcp_session.go). A blank line is a heartbeat; every line
// a client sends is echoed back on its connection, as /ws echoes messages.
type tcpTransport struct {
	srv *Server

	mu    sync.Mutex
	conns map[net.Conn]struct{} // open connections, closed all at once on shutdown
}

var _ ListenerTransport = (*tcpTransport)(nil)

// TCPTransport returns a tcp transport on s's hub, to Attach with its
// listener (pushbench serve --tcp-addr) or to Serve on its own in tests.
func (s *Server) TCPTransport() ListenerTransport {
	return &tcpTransport{srv: s, conns: map[net.Conn]struct{}{}}
}

func (t *tcpTransport) Name() string { return "tcp" }

// acceptBackoffMax bounds the pause after a failed Accept (out of file
// descriptors, say), as net/http's bound does.
const acceptBackoffMax = time.Second

// Serve accepts connections on ln until ctx ends, then closes ln and every
// connection and returns once their goroutines have ended.
func (t *tcpTransport) Serve(ctx context.Context, ln net.Listener) error {
	if bindsAllInterfaces(ln.Addr()) {
		t.srv.log.Warn("tcp transport listening on all interfaces: every network this machine is on can reach it",
			"addr", ln.Addr().String())
	}
	var sessions sync.WaitGroup
	defer sessions.Wait()
	stop := context.AfterFunc(ctx, func() {
		ln.Close()
		t.closeAll()
	})
	defer stop()
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), acceptBackoffMax)
				t.srv.log.Warn("tcp transport: accept failed; retrying", "err", err, "in", backoff)
				if !sleepCtx(ctx, backoff) {
					return nil
				}
				continue
			}
			return err
		}
		backoff = 0
		t.start(ctx, c, &sessions)
	}
}

// isTemporary reports an accept error that passes (EMFILE, ECONNABORTED).
func isTemporary(err error) bool {
	var te interface{ Temporary() bool }
	return errors.As(err, &te) && te.Temporary()
}

// sleepCtx waits d or until ctx ends; it reports false when ctx ended.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// track adds c to the open connections; it reports false (and c is not
// added) once ctx has ended, so no connection escapes closeAll.
func (t *tcpTransport) track(ctx context.Context, c net.Conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ctx.Err() != nil {
		return false
	}
	t.conns[c] = struct{}{}
	return true
}

func (t *tcpTransport) untrack(c net.Conn) {
	t.mu.Lock()
	delete(t.conns, c)
	t.mu.Unlock()
}

// closeAll closes every open connection: writes blocked on a client that
// stopped reading end at once instead of at the write timeout.
func (t *tcpTransport) closeAll() {
	t.mu.Lock()
	open := make([]net.Conn, 0, len(t.conns))
	for c := range t.conns {
		open = append(open, c)
	}
	t.mu.Unlock()
	for _, c := range open {
		c.Close()
	}
}
