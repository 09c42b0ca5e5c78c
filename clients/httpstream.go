package clients

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"slices"
	"time"
)

// NewStreamTransport returns an HTTP transport for push clients: compression
// is off (a gzip layer would buffer the stream), no proxy is used, and HTTP/2 is
// not negotiated, so one connection is one stream. maxIdlePerHost bounds the
// keep-alive connections it holds: a long-polling client keeps its two (GET
// and POST) instead of re-dialling for every poll.
func NewStreamTransport(maxIdlePerHost int) *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext,
		DisableCompression:  true,
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{},
		MaxIdleConnsPerHost: maxIdlePerHost,
		IdleConnTimeout:     30 * time.Second,
	}
}

// dialStream opens a GET stream and checks its status and media type. The
// response body lives until ctx ends.
func dialStream(ctx context.Context, url, accept string, wantTypes []string, opts DialOptions) (*http.Response, Timings, error) {
	start := opts.Clock.Now()
	var tm Timings
	trace := &httptrace.ClientTrace{
		ConnectDone: func(_, _ string, err error) {
			if err == nil {
				tm.TCP = opts.Clock.Now() - start
			}
		},
	}
	a := startDial(ctx, url, opts.ConnectTimeout)
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(a.ctx, trace), http.MethodGet, url, nil)
	if err != nil {
		a.end()
		return nil, tm, a.fail(PhaseRequest, err)
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("Cache-Control", "no-store")
	resp, err := opts.HTTP.RoundTrip(req)
	if err != nil {
		a.end()
		return nil, tm, a.fail(PhaseHandshake, err)
	}
	if !a.settle() {
		resp.Body.Close()
		return nil, tm, a.fail(PhaseHandshake, context.DeadlineExceeded)
	}
	// From here the stream lives as long as ctx; release the request's
	// context with it.
	context.AfterFunc(ctx, a.cancel)
	tm.Ready = opts.Clock.Now() - start
	if resp.StatusCode != http.StatusOK {
		// The body says why, but a page that streams slowly must not hold
		// the error up: it gets one quiet period, then the request ends.
		cut := time.AfterFunc(opts.handshakeQuiet(), a.cancel)
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		cut.Stop()
		resp.Body.Close()
		a.end()
		return nil, tm, a.fail(PhaseStatus, &statusError{want: "200", code: resp.StatusCode, status: resp.Status, body: snippet})
	}
	ct := resp.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if !slices.Contains(wantTypes, mt) {
		resp.Body.Close()
		a.end()
		got := ct
		if got == "" {
			got = "no Content-Type"
		}
		return nil, tm, a.fail(PhaseContentType, fmt.Errorf("expected %s, got %s", wantTypes[0], got))
	}
	return resp, tm, nil
}

// streamConn reads framed messages from a streaming HTTP body. feed turns raw
// bytes into messages (NDJSON lines or SSE events), keeping partial frames
// across reads.
type streamConn struct {
	body    io.ReadCloser
	clock   Clock
	buf     []byte
	feed    func(p []byte, emit func(msg []byte)) error
	pending [][]byte
	at      time.Duration
	err     error
	bytes   int64
}

var _ Conn = (*streamConn)(nil)

func newStreamConn(body io.ReadCloser, clock Clock, feed func([]byte, func([]byte)) error) *streamConn {
	return &streamConn{body: body, clock: clock, buf: make([]byte, 4096), feed: feed}
}

func (c *streamConn) Read() (Frame, error) {
	for len(c.pending) == 0 {
		if c.err != nil {
			return Frame{}, c.err
		}
		n, err := c.body.Read(c.buf)
		at := c.clock.Now()
		if n > 0 {
			c.bytes += int64(n)
			c.at = at
			if ferr := c.feed(c.buf[:n], func(msg []byte) {
				c.pending = append(c.pending, append([]byte(nil), msg...))
			}); ferr != nil {
				c.err = fmt.Errorf("framing: %w", ferr)
			}
		}
		if err != nil && c.err == nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			c.err = err
		}
	}
	msg := c.pending[0]
	c.pending = c.pending[1:]
	return Frame{Data: msg, At: c.at}, nil
}

func (c *streamConn) Write([]byte) error { return ErrReceiveOnly }
func (c *streamConn) BytesRead() int64   { return c.bytes }
func (c *streamConn) Close() error       { return c.body.Close() }
