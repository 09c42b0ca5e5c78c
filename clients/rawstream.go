package clients

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"time"
)

// rawStream is a GET stream on the client's own HTTP/1.1 connection, whose
// body is left transfer-coded when chunked: net/http's client de-chunks
// transparently and so hides the chunk boundaries that FramingChunks keeps.
type rawStream struct {
	// body reads the body as it came off the wire: still chunk-coded when
	// chunked is set, else already delimited by Content-Length or the close.
	body    io.ReadCloser
	chunked bool
}

// dialRawStream opens a GET stream to rawURL over its own TCP (or TLS)
// connection, with the same phases, timings and checks as dialStream: TCP
// handshake timed, status and media type checked, everything up to the
// response headers bounded by the connect timeout. The connection closes
// when ctx ends.
func dialRawStream(ctx context.Context, rawURL, accept string, wantTypes []string, opts DialOptions) (*rawStream, Timings, error) {
	start := opts.Clock.Now()
	var tm Timings
	a := startDial(ctx, rawURL, opts.ConnectTimeout)
	defer a.end()
	req, err := newStreamRequest(a.ctx, rawURL, accept, opts.Receive.Headers)
	if err == nil && req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		err = fmt.Errorf("scheme %q: want http or https", req.URL.Scheme)
	}
	if err != nil {
		return nil, tm, a.fail(PhaseRequest, err)
	}
	dialer, err := netDialer(opts.LocalAddr, 30*time.Second)
	if err != nil {
		return nil, tm, a.fail(PhaseRequest, err)
	}
	conn, err := dialer.DialContext(a.ctx, "tcp", hostPort(req))
	if err != nil {
		return nil, tm, a.fail(PhaseHandshake, err)
	}
	tm.TCP = opts.Clock.Now() - start
	// The connect timeout or the caller's cancel cuts the exchange short by
	// expiring the connection's deadline.
	stop := context.AfterFunc(a.ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	fail := func(phase string, err error) (*rawStream, Timings, error) {
		stop()
		conn.Close()
		if perr := ctx.Err(); perr != nil {
			err = perr
		}
		return nil, tm, a.fail(phase, err)
	}
	if req.URL.Scheme == "https" {
		tc := tls.Client(conn, tlsConfig(opts.HTTP, req.URL.Hostname()))
		if err := tc.HandshakeContext(a.ctx); err != nil {
			return fail(PhaseHandshake, fmt.Errorf("tls: %w", err))
		}
		conn = tc
	}
	if err := req.Write(conn); err != nil {
		return fail(PhaseHandshake, err)
	}
	head := &headReader{r: conn}
	br := bufio.NewReaderSize(head, 1024)
	resp, err := readFinalResponse(head, br, req)
	if err != nil {
		return fail(PhaseHandshake, err)
	}
	tm.Ready = opts.Clock.Now() - start
	if phase, err := checkStream(resp, wantTypes, opts.handshakeQuiet(), func() { conn.Close() }); err != nil {
		return fail(phase, err)
	}
	if !stop() {
		return fail(PhaseHandshake, context.DeadlineExceeded)
	}
	context.AfterFunc(ctx, func() { conn.Close() })
	s := &rawStream{chunked: slices.Contains(resp.TransferEncoding, "chunked")}
	if s.chunked {
		// resp.Body would de-chunk; unread, it has consumed nothing, so br
		// is at the first byte of the coded body. What br holds is read
		// first, then the connection itself: br's buffer is not kept for
		// the stream's life.
		rest, _ := br.Peek(br.Buffered())
		s.body = &afterHeaders{rest: bytes.Clone(rest), conn: conn}
	} else {
		s.body = struct {
			io.Reader
			io.Closer
		}{resp.Body, conn}
	}
	return s, tm, nil
}

// afterHeaders is a connection's body: the bytes read past the headers,
// then the connection.
type afterHeaders struct {
	rest []byte
	conn net.Conn
}

func (r *afterHeaders) Read(p []byte) (int, error) {
	if len(r.rest) > 0 {
		n := copy(p, r.rest)
		r.rest = r.rest[n:]
		return n, nil
	}
	return r.conn.Read(p)
}

func (r *afterHeaders) Close() error { return r.conn.Close() }

// readFinalResponse reads the response headers, skipping interim 1xx
// answers, through br, which reads from head: the head (every interim answer
// included) may take at most maxResponseHead bytes from the connection, as
// net/http's MaxResponseHeaderBytes bounds it, so a server that never ends
// its headers costs memory only up to that bound before its deadline.
func readFinalResponse(head *headReader, br *bufio.Reader, req *http.Request) (*http.Response, error) {
	head.left = maxResponseHead
	defer func() { head.left = -1 }()
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			if errors.Is(err, errResponseHeadTooLarge) || head.left == 0 {
				return nil, errResponseHeadTooLarge
			}
			return nil, err
		}
		if resp.StatusCode < 100 || resp.StatusCode > 199 || resp.StatusCode == http.StatusSwitchingProtocols {
			return resp, nil
		}
	}
}

// maxResponseHead bounds a response head the clients read themselves.
const maxResponseHead = 1 << 20

var errResponseHeadTooLarge = fmt.Errorf("response head larger than %d bytes", maxResponseHead)

// headReader is the reader under a connection's bufio.Reader: while left >=
// 0 (a head is being read) it gives at most left more bytes; left < 0 means
// no bound (the body, whose framing has bounds of its own).
type headReader struct {
	r    io.Reader
	left int64
}

func (h *headReader) Read(p []byte) (int, error) {
	if h.left == 0 {
		return 0, errResponseHeadTooLarge
	}
	if h.left > 0 && int64(len(p)) > h.left {
		p = p[:h.left]
	}
	n, err := h.r.Read(p)
	if h.left > 0 {
		h.left -= int64(n)
	}
	return n, err
}

// hostPort is the address to dial for req: its URL's host with the scheme's
// default port when none is given.
func hostPort(req *http.Request) string {
	port := req.URL.Port()
	if port == "" {
		port = "80"
		if req.URL.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(req.URL.Hostname(), port)
}

// tlsConfig is the shared transport's TLS configuration (so tests and
// private CAs work the same for both chunked framings), for HTTP/1.1 only.
func tlsConfig(rt *http.Transport, serverName string) *tls.Config {
	cfg := &tls.Config{}
	if rt != nil && rt.TLSClientConfig != nil {
		cfg = rt.TLSClientConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = serverName
	}
	cfg.NextProtos = []string{"http/1.1"}
	return cfg
}
