package servers

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// connSet holds every connection a served listener accepted and has not yet
// closed, hijacked WebSockets included (http.Server forgets those), so that a
// shutdown whose timeout expired can close them all.
type connSet struct {
	mu    sync.Mutex
	conns map[*trackedConn]struct{}
	// written counts the bytes written to client sockets: through a tracked
	// connection (net/http, gorilla) or directly to its socket (countWritten).
	written atomic.Int64
}

// countWritten adds n bytes written to a client socket past its tracked
// connection (the direct writes of streams and WebSockets).
func (s *connSet) countWritten(n int64) {
	if n > 0 {
		s.written.Add(n)
	}
}

func newConnSet() *connSet { return &connSet{conns: map[*trackedConn]struct{}{}} }

// closeAll closes every open connection and returns how many there were.
func (s *connSet) closeAll() int {
	s.mu.Lock()
	open := make([]*trackedConn, 0, len(s.conns))
	for c := range s.conns {
		open = append(open, c)
	}
	s.mu.Unlock()
	for _, c := range open {
		c.Close()
	}
	return len(open)
}

// trackedListener adds each accepted connection to a connSet.
type trackedListener struct {
	net.Listener
	set *connSet
}

func (l trackedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, set: l.set}
	l.set.mu.Lock()
	l.set.conns[tc] = struct{}{}
	l.set.mu.Unlock()
	return tc, nil
}

// trackedConn leaves its set when closed. It keeps the TCP half-close and
// sendfile paths net/http looks for on the connection it accepted.
type trackedConn struct {
	net.Conn
	set  *connSet
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.set.mu.Lock()
		delete(c.set.conns, c)
		c.set.mu.Unlock()
	})
	return c.Conn.Close()
}

// CloseWrite half-closes, so net/http can send an error response and FIN
// before closing a connection with an unread body, instead of a reset.
func (c *trackedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Write counts what it writes in the set's bytes written.
func (c *trackedConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.set.countWritten(int64(n))
	return n, err
}

// ReadFrom keeps sendfile/splice for static files.
func (c *trackedConn) ReadFrom(r io.Reader) (int64, error) {
	var n int64
	var err error
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(c.Conn, r)
	}
	c.set.countWritten(n)
	return n, err
}
