package clients

import (
	"context"
	"errors"
	"fmt"
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
	return &wsConn{conn: conn, clock: opts.Clock, timeout: opts.writeTimeout()}, tm, nil
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
		ReadBufferSize:    1024,
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
	bytes   int64
	timeout time.Duration // per write
}

func (c *wsConn) Read() (Frame, error) {
	_, msg, err := c.conn.ReadMessage()
	at := c.clock.Now()
	if err != nil {
		return Frame{}, wsReadError(err)
	}
	c.bytes += int64(len(msg))
	return Frame{Data: msg, At: at}, nil
}

// wsReadError is a read error as Read reports it: a close 1000 (normal) or
// 1001 (going away) from the server is a clean end, ErrEnded.
func wsReadError(err error) error {
	if errors.Is(err, websocket.ErrReadLimit) {
		return fmt.Errorf("%w: %w", ErrTooLarge, err)
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) && (ce.Code == websocket.CloseNormalClosure || ce.Code == websocket.CloseGoingAway) {
		return fmt.Errorf("%w: websocket close %d %q", ErrEnded, ce.Code, ce.Text)
	}
	return err
}

func (c *wsConn) Write(msg []byte) error {
	_ = c.conn.SetWriteDeadline(time.Now().Add(c.timeout))
	if err := c.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
		if isTimeout(err) {
			return errNotReading(c.timeout, err)
		}
		return err
	}
	return nil
}
func (c *wsConn) BytesRead() int64 { return c.bytes }
func (c *wsConn) Close() error     { return c.conn.Close() }
