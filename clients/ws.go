package clients

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// wsClient speaks RFC 6455 through gorilla's Dialer: each text or binary message
// is one frame (Frame.Event stays empty); the server's pings are answered by
// gorilla's default handler. Receive.Headers go with the handshake.
type wsClient struct{}

var (
	_ Transport = wsClient{}
	_ Conn      = (*wsConn)(nil)
)

func (wsClient) Dial(ctx context.Context, url string, opts DialOptions) (Conn, Timings, error) {
	if err := opts.Receive.Validate(); err != nil {
		return nil, Timings{}, &DialError{URL: url, Phase: PhaseRequest, Err: err}
	}
	a := startDial(ctx, url, opts.ConnectTimeout)
	defer a.end()
	conn, tm, err := dialWebSocket(a, opts)
	if err != nil {
		return nil, tm, err
	}
	return newWSConn(conn, opts.Clock, opts.writeTimeout()), tm, nil
}

// dialWebSocket opens a WebSocket to a.url within the connect timeout of a,
// timing the TCP handshake and the upgrade. A failed upgrade is classified
// from what crossed the wire (see wsHandshake); an answer that stalls fails
// after opts' quiet period, not the connect timeout. The socket closes when
// the caller's context (a.parent) ends.
func dialWebSocket(a *dialAttempt, opts DialOptions) (*websocket.Conn, Timings, error) {
	start := opts.Clock.Now()
	var tm Timings
	hs := newWSHandshake(opts, start)
	d := websocket.Dialer{
		NetDialContext:    hs.dial,
		NetDialTLSContext: hs.dialTLS,
		HandshakeTimeout:  opts.ConnectTimeout,
		ReadBufferSize:    512,
		WriteBufferSize:   1024,
		WriteBufferPool:   opts.WSBuffers,
	}
	conn, resp, err := d.DialContext(a.ctx, a.url, opts.Receive.Headers)
	tm.TCP = hs.tcp
	if err != nil {
		return nil, tm, hs.failure(a, resp, err)
	}
	hs.done()
	tm.Ready = opts.Clock.Now() - start
	conn.SetReadLimit(int64(opts.Receive.maxMessage()))
	context.AfterFunc(a.parent, func() {
		_ = conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		conn.Close()
	})
	return conn, tm, nil
}

type wsConn struct {
	conn    *websocket.Conn
	clock   Clock
	msg     msgBuffer // the last message read
	bytes   int64
	timeout time.Duration // per write

	// closed is closed once the reader saw the server's close frame
	// (closeErr then holds it) or failed otherwise: a write that fails
	// meanwhile waits for it to name the close code, not the reset.
	closed    chan struct{}
	closeOnce sync.Once
	closeErr  atomic.Pointer[WSCloseError]
}

func newWSConn(conn *websocket.Conn, clock Clock, timeout time.Duration) *wsConn {
	c := &wsConn{conn: conn, clock: clock, timeout: timeout, closed: make(chan struct{})}
	answer := conn.CloseHandler()
	conn.SetCloseHandler(func(code int, text string) error {
		c.closeErr.Store(&WSCloseError{Code: code, Reason: text})
		c.readerDone()
		return answer(code, text)
	})
	return c
}

func (c *wsConn) readerDone() { c.closeOnce.Do(func() { close(c.closed) }) }

func (c *wsConn) Read() (Frame, error) {
	msg, err := c.msg.readMessage(c.conn)
	at := c.clock.Now()
	if err != nil {
		c.readerDone()
		return Frame{}, wsReadError(err)
	}
	c.bytes += int64(len(msg))
	return Frame{Data: msg, At: at}, nil
}

// wsReadError is a read error as Read reports it: a close 1000 (normal) or
// 1001 (going away) from the server is a clean end, ErrEnded; any other
// close is a WSCloseError naming its code.
func wsReadError(err error) error {
	if errors.Is(err, websocket.ErrReadLimit) {
		return fmt.Errorf("%w: %w", ErrTooLarge, err)
	}
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		return err
	}
	if ce.Code == websocket.CloseNormalClosure || ce.Code == websocket.CloseGoingAway {
		return fmt.Errorf("%w: websocket close %d %q", ErrEnded, ce.Code, ce.Text)
	}
	return &WSCloseError{Code: ce.Code, Reason: ce.Text}
}

// closeWait bounds how long a failed write waits for the reader to see the
// server's close frame.
const closeWait = time.Second

// writeError is a failed write as Write reports it: a write reset because
// the server closed the WebSocket (a 1009 for a message over its limit,
// say) names the server's close code once the reader has seen it.
func (c *wsConn) writeError(err error) error {
	if isTimeout(err) {
		return errNotReading(c.timeout, err)
	}
	wait := time.NewTimer(min(c.timeout, closeWait))
	defer wait.Stop()
	select {
	case <-c.closed:
	case <-wait.C:
	}
	if ce := c.closeErr.Load(); ce != nil {
		return &WSCloseError{Code: ce.Code, Reason: ce.Reason, Err: err}
	}
	return err
}

func (c *wsConn) Write(msg []byte) error {
	_ = c.conn.SetWriteDeadline(time.Now().Add(c.timeout))
	if err := c.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
		return c.writeError(err)
	}
	return nil
}
func (c *wsConn) BytesRead() int64 { return c.bytes }
func (c *wsConn) Close() error     { return c.conn.Close() }
