package clients

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// ownConn is an http.RoundTripper over one keep-alive HTTP/1.1 connection of
// its own, for requests made one at a time: a long-polling client's GETs, or
// its POSTs. Unlike http.Transport it runs no goroutines per connection and
// buffers only while a response is read (keepReader keeps the buffer for a
// connection that is nearly always reading, the long-poll GET's), so a
// simulated client costs a few kilobytes, not tens.
type ownConn struct {
	tls        *tls.Config // from the shared transport: CAs, client certificates
	keepReader bool
	// onConnect, when set, is called once a TCP handshake completed.
	onConnect func()
	// local is the IP the connection's local side binds to (empty: any).
	local string

	mu     sync.Mutex // guards conn and closed against shutdown
	conn   net.Conn
	br     *bufio.Reader
	head   *headReader // what br reads from: bounds each response head
	closed bool
}

var errOwnConnClosed = errors.New("connection closed")

// newOwnConn returns an ownConn whose TLS settings are rt's.
func newOwnConn(rt *http.Transport, keepReader bool) *ownConn {
	o := &ownConn{keepReader: keepReader}
	if rt != nil {
		o.tls = rt.TLSClientConfig
	}
	return o
}

// RoundTrip sends req on the connection, dialling it first when there is
// none, and returns the response; its body must be read and closed before
// the next request. req's context ending cuts the exchange (the connection
// is then dropped).
func (o *ownConn) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	conn, err := o.connect(ctx, req)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	fail := func(err error) (*http.Response, error) {
		stop()
		o.drop(conn)
		if cerr := ctx.Err(); cerr != nil {
			err = fmt.Errorf("%w: %w", cerr, err)
		}
		return nil, err
	}
	if err := req.Write(conn); err != nil {
		return fail(err)
	}
	if o.br == nil {
		o.head = &headReader{r: conn, left: -1}
		o.br = bufio.NewReaderSize(o.head, 1024)
	}
	resp, err := readFinalResponse(o.head, o.br, req)
	if err != nil {
		return fail(err)
	}
	resp.Body = &ownBody{body: resp.Body, o: o, conn: conn, stop: stop, keep: !resp.Close}
	return resp, nil
}

// connect returns the open connection, or dials one.
func (o *ownConn) connect(ctx context.Context, req *http.Request) (net.Conn, error) {
	o.mu.Lock()
	conn, closed := o.conn, o.closed
	o.mu.Unlock()
	if closed {
		return nil, errOwnConnClosed
	}
	if conn != nil {
		return conn, nil
	}
	dialer, err := netDialer(o.local, 30*time.Second)
	if err != nil {
		return nil, err
	}
	conn, err = dialer.DialContext(ctx, "tcp", hostPort(req))
	if err != nil {
		return nil, err
	}
	if o.onConnect != nil {
		o.onConnect()
	}
	if req.URL.Scheme == "https" {
		tc := tls.Client(conn, tlsConfig(&http.Transport{TLSClientConfig: o.tls}, req.URL.Hostname()))
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("tls: %w", err)
		}
		conn = tc
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		conn.Close()
		return nil, errOwnConnClosed
	}
	o.conn, o.br = conn, nil
	return conn, nil
}

// drop closes conn, so the next request dials anew.
func (o *ownConn) drop(conn net.Conn) {
	conn.Close()
	o.mu.Lock()
	if o.conn == conn {
		o.conn, o.br = nil, nil
	}
	o.mu.Unlock()
}

// shutdown closes the connection for good: a request in flight fails, later
// ones are refused.
func (o *ownConn) shutdown() {
	o.mu.Lock()
	conn := o.conn
	o.conn, o.closed = nil, true
	o.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
}

// ownBody is a response body on an ownConn: read to its end and closed, it
// leaves the connection for the next request; otherwise the connection is
// dropped (what is left of the body would be read as the next response).
type ownBody struct {
	body io.ReadCloser
	o    *ownConn
	conn net.Conn
	stop func() bool
	keep bool // the server did not say Connection: close
	eof  bool
	// release, when set, returns the connection to its pool once closed.
	release func()
}

func (b *ownBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

func (b *ownBody) Close() error {
	if b.release != nil {
		defer b.release()
	}
	cut := !b.stop() // the request's context ended: the deadline is broken
	if cut || !b.eof || !b.keep || b.o.br.Buffered() > 0 {
		// Dropped first: net/http's body would drain the rest on Close.
		b.o.drop(b.conn)
		b.body.Close()
		return nil
	}
	b.body.Close()
	if !b.o.keepReader {
		b.o.br = nil
	}
	return nil
}

// ownPool is the keep-alive connections of one long-polling client, as
// http.Transport would keep them: a request takes an idle connection, or
// opens one when all are busy (a POST while a GET is held), so an idle
// client holds one connection, not two.
type ownPool struct {
	tls       *http.Transport
	onConnect func()
	local     string // the IP every connection's local side binds to (empty: any)

	mu     sync.Mutex
	idle   []*ownConn
	all    []*ownConn
	closed bool
}

func newOwnPool(rt *http.Transport, localAddr string) *ownPool {
	return &ownPool{tls: rt, local: localAddr}
}

// RoundTrip sends req on an idle connection, or a new one; the connection
// is idle again once the response body is closed.
func (p *ownPool) RoundTrip(req *http.Request) (*http.Response, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errOwnConnClosed
	}
	var o *ownConn
	if n := len(p.idle); n > 0 {
		o, p.idle = p.idle[n-1], p.idle[:n-1]
	} else {
		o = newOwnConn(p.tls, false)
		o.onConnect, o.local = p.onConnect, p.local
		p.all = append(p.all, o)
	}
	p.mu.Unlock()
	resp, err := o.RoundTrip(req)
	if err != nil {
		p.release(o)
		return nil, err
	}
	resp.Body.(*ownBody).release = func() { p.release(o) }
	return resp, nil
}

func (p *ownPool) release(o *ownConn) {
	p.mu.Lock()
	p.idle = append(p.idle, o)
	p.mu.Unlock()
}

// shutdown closes every connection: requests in flight fail, later ones
// are refused.
func (p *ownPool) shutdown() {
	p.mu.Lock()
	p.closed = true
	all := p.all
	p.mu.Unlock()
	for _, o := range all {
		o.shutdown()
	}
}
