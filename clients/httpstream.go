package clients

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
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

// newStreamRequest is the GET that opens a stream, with the user's headers
// (which win over the client's own Accept and Cache-Control).
func newStreamRequest(ctx context.Context, url, accept string, headers http.Header) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("Cache-Control", "no-store")
	applyHeaders(req, headers)
	return req, nil
}

// checkStream checks a stream response's status and media type, returning
// the failed phase and why; for a wrong status it quotes the body's start.
// A page that streams slowly must not hold the error up: the body gets one
// quiet period, then cancel ends the request.
func checkStream(resp *http.Response, wantTypes []string, quiet time.Duration, cancel func()) (string, error) {
	if resp.StatusCode != http.StatusOK {
		cut := time.AfterFunc(quiet, cancel)
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		cut.Stop()
		return PhaseStatus, &statusError{want: "200", code: resp.StatusCode, status: resp.Status, body: snippet}
	}
	ct := resp.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if !slices.Contains(wantTypes, mt) {
		got := ct
		if got == "" {
			got = "no Content-Type"
		}
		return PhaseContentType, fmt.Errorf("expected %s, got %s", wantTypes[0], got)
	}
	return "", nil
}

// streamFramer turns a stream body's bytes into frames, keeping partial
// frames across reads: NDJSON lines, HTTP chunks or SSE events.
type streamFramer interface {
	// feed frames p, calling emit for each complete frame (its Data valid
	// only during the call). io.EOF says the body ended by its own framing
	// (the last chunk of a chunked body): a clean end.
	feed(p []byte, emit func(Frame)) error
	// atEOF is the error Read returns once the body reached EOF: ErrEnded
	// when that is a frame boundary, else why the end was not clean.
	atEOF() error
}

// endOfStream is what an EOF means after pending bytes of an unfinished
// frame: a clean end at a frame boundary, else a cut stream.
func endOfStream(pending int) error {
	if pending > 0 {
		return fmt.Errorf("stream ended inside a frame: %d bytes pending: %w", pending, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("%w: end of the HTTP stream", ErrEnded)
}

// streamConn reads framed messages from a streaming HTTP body. Its read
// buffer starts small, as most held connections see small messages at a few
// per second, and doubles up to maxStreamBuf while reads fill it.
type streamConn struct {
	body    io.ReadCloser
	clock   Clock
	buf     []byte
	framer  streamFramer
	pending frameQueue
	err     error
	bytes   int64
	// at stamps the frames of the read in progress; queue, made once,
	// queues them (a closure per read would be an allocation per read).
	at    time.Duration
	queue func(Frame)
}

var _ Conn = (*streamConn)(nil)

// Read buffer bounds of a stream: minStreamBuf holds a typical message with
// its framing in one read; maxStreamBuf is where a busy stream stops growing.
const (
	minStreamBuf = 512
	maxStreamBuf = 16 << 10
)

func newStreamConn(body io.ReadCloser, clock Clock, framer streamFramer) *streamConn {
	c := &streamConn{body: body, clock: clock, buf: make([]byte, minStreamBuf), framer: framer}
	c.queue = func(f Frame) {
		f.At = c.at
		c.pending.push(f)
	}
	return c
}

// Read returns the next frame; its Data is valid until the next Read.
func (c *streamConn) Read() (Frame, error) {
	for c.pending.empty() {
		if c.err != nil {
			return Frame{}, c.err
		}
		n, err := c.body.Read(c.buf)
		c.at = c.clock.Now()
		if n > 0 {
			c.bytes += int64(n)
			ferr := c.framer.feed(c.buf[:n], c.queue)
			switch {
			case ferr == io.EOF:
				c.err = fmt.Errorf("%w: the server sent the last chunk", ErrEnded)
			case ferr != nil:
				c.err = fmt.Errorf("framing: %w", ferr)
			}
			if n == len(c.buf) && len(c.buf) < maxStreamBuf {
				c.buf = make([]byte, 2*len(c.buf))
			}
		}
		if err != nil && c.err == nil {
			if err == io.EOF {
				err = c.framer.atEOF()
			}
			c.err = err
		}
	}
	f, _ := c.pending.pop()
	return f, nil
}

func (c *streamConn) Write([]byte) error { return ErrReceiveOnly }
func (c *streamConn) BytesRead() int64   { return c.bytes }
func (c *streamConn) Close() error       { return c.body.Close() }
