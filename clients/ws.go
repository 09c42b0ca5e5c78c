package clients

import (
	"context"
	"time"

	"github.com/gorilla/websocket"
)

// wsClient speaks RFC 6455 through gorilla's Dialer: each text or binary message
// is one envelope; the server's pings are answered by gorilla's default handler.
type wsClient struct{}

var (
	_ Transport = wsClient{}
	_ Conn      = (*wsConn)(nil)
)

func (wsClient) Dial(ctx context.Context, url string, opts DialOptions) (Conn, Timings, error) {
	a := startDial(ctx, url, opts.ConnectTimeout)
	defer a.end()
	conn, tm, err := dialWebSocket(a, opts)
	if err != nil {
		return nil, tm, err
	}
	return &wsConn{conn: conn, clock: opts.Clock}, tm, nil
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
	conn, resp, err := d.DialContext(a.ctx, a.url, nil)
	tm.TCP = hs.tcp
	if err != nil {
		return nil, tm, hs.failure(a, resp, err)
	}
	hs.done()
	tm.Ready = opts.Clock.Now() - start
	context.AfterFunc(a.parent, func() {
		_ = conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		conn.Close()
	})
	return conn, tm, nil
}

type wsConn struct {
	conn  *websocket.Conn
	clock Clock
	bytes int64
}

func (c *wsConn) Read() (Frame, error) {
	_, msg, err := c.conn.ReadMessage()
	at := c.clock.Now()
	if err != nil {
		return Frame{}, err
	}
	c.bytes += int64(len(msg))
	return Frame{Data: msg, At: at}, nil
}

func (c *wsConn) Write(msg []byte) error { return c.conn.WriteMessage(websocket.TextMessage, msg) }
func (c *wsConn) BytesRead() int64       { return c.bytes }
func (c *wsConn) Close() error           { return c.conn.Close() }
