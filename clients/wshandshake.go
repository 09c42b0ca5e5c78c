package clients

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// errNoAnswer is a WebSocket dial whose server closed the connection before
// sending a single byte of its answer.
var errNoAnswer = errors.New("server closed the connection without answering the handshake")

// wsHandshake dials the connection a WebSocket opening handshake runs over
// and watches the handshake cross it. gorilla's Dialer reports any bad answer
// as ErrBadHandshake and waits out its whole timeout on an answer that never
// ends; what this records (the request with its Sec-WebSocket-Key, the
// response head) lets the dial say what was wrong, and its quiet rule ends a
// stalled answer early. For wss it runs the TLS handshake itself, so it sees
// the HTTP bytes, not the TLS records.
type wsHandshake struct {
	clock Clock
	start time.Duration
	quiet time.Duration
	tls   *tls.Config   // the run's TLS settings; nil for the system's defaults
	local string        // the IP the connection's local side binds to (DialOptions.LocalAddr)
	tcp   time.Duration // when the TCP handshake completed (0: not observed)
	conn  *handshakeConn
}

// newWSHandshake prepares the dial of one handshake that started at start
// on opts.Clock.
func newWSHandshake(opts DialOptions, start time.Duration) *wsHandshake {
	h := &wsHandshake{clock: opts.Clock, start: start, quiet: opts.handshakeQuiet(), local: opts.LocalAddr}
	if opts.HTTP != nil {
		h.tls = opts.HTTP.TLSClientConfig
	}
	return h
}

// dial is the Dialer's NetDialContext: a recorded TCP connection.
func (h *wsHandshake) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := h.dialTCP(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	h.conn = newHandshakeConn(c, h.quiet)
	return h.conn, nil
}

// dialTLS is the Dialer's NetDialTLSContext: a TCP connection, its TLS
// handshake, and the recorder on top.
func (h *wsHandshake) dialTLS(ctx context.Context, network, addr string) (net.Conn, error) {
	raw, err := h.dialTCP(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{}
	if h.tls != nil {
		cfg = h.tls.Clone()
	}
	cfg.NextProtos = nil // a WebSocket upgrade is HTTP/1.1
	if cfg.ServerName == "" {
		cfg.ServerName, _, _ = net.SplitHostPort(addr)
	}
	tc := tls.Client(raw, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	h.conn = newHandshakeConn(tc, h.quiet)
	return h.conn, nil
}

func (h *wsHandshake) dialTCP(ctx context.Context, network, addr string) (net.Conn, error) {
	dialer, err := netDialer(h.local, 0)
	if err != nil {
		return nil, err
	}
	c, err := dialer.DialContext(ctx, network, addr)
	if err == nil {
		h.tcp = h.clock.Now() - h.start
	}
	return c, err
}

// done ends the recording and the quiet rule: the connection now lives as
// long as the run.
func (h *wsHandshake) done() { h.conn.finish() }

// failure is the DialError of a failed handshake, classified from what
// crossed the wire whenever that says more than the Dialer's error.
func (h *wsHandshake) failure(a *dialAttempt, resp *http.Response, err error) *DialError {
	c := h.conn
	switch {
	case c == nil:
		return a.fail(PhaseHandshake, err)
	case resp != nil && errors.Is(err, websocket.ErrBadHandshake):
		step, cause := c.badAnswer(resp)
		return a.answered(step, cause)
	case resp != nil || headComplete(c.got):
		return a.fail(PhaseHandshake, err)
	case c.wentQuiet:
		return a.answered(PhaseHandshake, c.incomplete("then silent for "+c.quiet.String()))
	case closedEarly(err) && c.gotN == 0:
		return a.answered(PhaseHandshake, fmt.Errorf("%w (%w)", errNoAnswer, err))
	case closedEarly(err):
		return a.answered(PhaseHandshake, c.incomplete("then the connection closed"))
	}
	return a.fail(PhaseHandshake, err)
}

// closedEarly reports whether err says the server closed the connection.
func closedEarly(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

// handshakeRecordMax bounds how much of each direction a handshake records.
const handshakeRecordMax = 8 << 10

// handshakeConn is the connection under a WebSocket dial. Until finish it
// records the bytes written (the request) and read (the answer), and applies
// the quiet rule to reads: once the server has sent something, a read ends
// when it has been silent for quiet; once the answer's head is complete, its
// body gets one quiet period in all (gorilla reads up to 1 KiB of a non-101
// body, which a slowly streaming page would hold up). After finish every
// call goes straight to the connection.
type handshakeConn struct {
	net.Conn
	quiet time.Duration
	done  atomic.Bool

	sent      []byte    // the request, up to handshakeRecordMax bytes
	got       []byte    // the answer, up to handshakeRecordMax bytes
	gotN      int       // answer bytes received in all
	deadline  time.Time // the read deadline the Dialer set
	lastRead  time.Time // when answer bytes last came
	headEnd   time.Time // when the blank line ending the head came; zero before
	wentQuiet bool      // a read was ended by the quiet rule
}

func newHandshakeConn(c net.Conn, quiet time.Duration) *handshakeConn {
	return &handshakeConn{Conn: c, quiet: quiet}
}

func (c *handshakeConn) Read(p []byte) (int, error) {
	if c.done.Load() {
		return c.Conn.Read(p)
	}
	by, quiet := c.readDeadline()
	if err := c.Conn.SetReadDeadline(by); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.received(p[:n], time.Now())
	}
	if quiet && errors.Is(err, os.ErrDeadlineExceeded) {
		c.wentQuiet = true
	}
	return n, err
}

func (c *handshakeConn) Write(p []byte) (int, error) {
	if !c.done.Load() {
		c.sent = appendCapped(c.sent, p)
	}
	return c.Conn.Write(p)
}

func (c *handshakeConn) SetDeadline(t time.Time) error {
	if !c.done.Load() {
		c.deadline = t
	}
	return c.Conn.SetDeadline(t)
}

func (c *handshakeConn) SetReadDeadline(t time.Time) error {
	if !c.done.Load() {
		c.deadline = t
	}
	return c.Conn.SetReadDeadline(t)
}

// finish ends the recording and the quiet rule. The Dialer has already
// cleared the connection's deadline.
func (c *handshakeConn) finish() {
	c.done.Store(true)
	c.sent, c.got = nil, nil
}

// readDeadline is when the next read must end, and whether that is the
// quiet rule's time rather than the Dialer's deadline.
func (c *handshakeConn) readDeadline() (time.Time, bool) {
	var quietBy time.Time
	switch {
	case !c.headEnd.IsZero():
		quietBy = c.headEnd.Add(c.quiet)
	case c.gotN > 0:
		quietBy = c.lastRead.Add(c.quiet)
	default:
		return c.deadline, false
	}
	if c.deadline.IsZero() || quietBy.Before(c.deadline) {
		return quietBy, true
	}
	return c.deadline, false
}

func (c *handshakeConn) received(b []byte, at time.Time) {
	c.gotN += len(b)
	c.lastRead = at
	c.got = appendCapped(c.got, b)
	if c.headEnd.IsZero() && headComplete(c.got) {
		c.headEnd = at
	}
}

func appendCapped(dst, b []byte) []byte {
	room := handshakeRecordMax - len(dst)
	return append(dst, b[:max(0, min(room, len(b)))]...)
}

// headComplete reports whether b holds the blank line that ends an HTTP
// head (CRLF or, as Go's reader also accepts, bare LF line ends).
func headComplete(b []byte) bool {
	return bytes.Contains(b, []byte("\n\r\n")) || bytes.Contains(b, []byte("\n\n"))
}

// incomplete describes an answer whose head never ended.
func (c *handshakeConn) incomplete(then string) error {
	return fmt.Errorf("%s with incomplete headers: no blank line after %d bytes, %s", answerStatus(c.got), c.gotN, then)
}

// answerStatus is the status code of the answer's status line, or
// "response" when no status line came.
func answerStatus(b []byte) string {
	line, _, ok := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if !ok || len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/") {
		return "response"
	}
	if _, err := strconv.Atoi(f[1]); err != nil {
		return "response"
	}
	return f[1]
}

// badAnswer says which check of RFC 6455 (section 4.1) a complete answer
// failed, in the order gorilla checks them.
func (c *handshakeConn) badAnswer(resp *http.Response) (step string, cause error) {
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(resp.Body) // what gorilla kept of the body, in memory
		return PhaseStatus, &statusError{want: "101 Switching Protocols", code: resp.StatusCode, status: resp.Status, body: body}
	}
	for _, want := range [...][2]string{{"Upgrade", "websocket"}, {"Connection", "Upgrade"}} {
		if !headerHasToken(resp.Header, want[0], want[1]) {
			got := "header missing"
			if v := resp.Header.Values(want[0]); len(v) > 0 {
				got = "got " + quoteBytes([]byte(strings.Join(v, ", ")), quotedBytesMax)
			}
			return PhaseHandshake, fmt.Errorf("101 without %q: %s", want[0]+": "+want[1], got)
		}
	}
	got := "none"
	if v := resp.Header.Values("Sec-WebSocket-Accept"); len(v) > 0 {
		got = quoteBytes([]byte(v[0]), quotedBytesMax)
	}
	return PhaseHandshake, fmt.Errorf("Sec-WebSocket-Accept mismatch (got %s, want %q)", got, acceptFor(c.requestKey()))
}

// requestKey is the Sec-WebSocket-Key of the recorded request.
func (c *handshakeConn) requestKey() string {
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(c.sent)))
	if err != nil {
		return ""
	}
	return req.Header.Get("Sec-WebSocket-Key")
}

// acceptFor is the Sec-WebSocket-Accept a server must answer key with
// (RFC 6455 section 4.2.2): base64 of the SHA-1 of key and the protocol GUID.
func acceptFor(key string) string {
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// headerHasToken reports whether a comma-separated header holds token,
// compared without case.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
