package loadgen

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/gorilla/websocket"
)

// wsClient speaks RFC 6455 through gorilla's Dialer: each text or binary message
// is one envelope; the server's pings are answered by gorilla's default handler.
type wsClient struct{}

func (wsClient) Name() string                { return "ws" }
func (wsClient) Endpoint(base string) string { return endpointOn(base, "/ws", true) }
func (wsClient) Bidirectional() bool         { return true }

func (wsClient) Dial(ctx context.Context, url string, opts DialOptions) (Conn, Timings, error) {
	conn, tm, err := dialWebSocket(ctx, url, opts)
	if err != nil {
		return nil, tm, err
	}
	return &wsConn{conn: conn, clock: opts.Clock}, tm, nil
}

// dialWebSocket opens a WebSocket that closes when ctx ends, timing the TCP
// handshake and the upgrade.
func dialWebSocket(ctx context.Context, url string, opts DialOptions) (*websocket.Conn, Timings, error) {
	start := opts.Clock.Now()
	var tm Timings
	nd := &net.Dialer{}
	d := websocket.Dialer{
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := nd.DialContext(ctx, network, addr)
			if err == nil {
				tm.TCP = opts.Clock.Now() - start
			}
			return c, err
		},
		HandshakeTimeout: opts.ConnectTimeout,
		ReadBufferSize:   1024,
		WriteBufferSize:  1024,
		WriteBufferPool:  opts.WSBuffers,
	}
	dctx, cancel := context.WithTimeout(ctx, opts.ConnectTimeout)
	defer cancel()
	conn, resp, err := d.DialContext(dctx, url, nil)
	if err != nil {
		if ctx.Err() == nil && dctx.Err() != nil {
			return nil, tm, dialTimeoutError(url, opts.ConnectTimeout, err)
		}
		phase := "handshake"
		var op *net.OpError
		switch {
		case errors.As(err, &op) && op.Op == "dial":
			phase = "tcp"
		case errors.Is(err, websocket.ErrBadHandshake) && resp != nil:
			phase = "status"
			err = errors.New("expected 101 Switching Protocols, got " + resp.Status)
		}
		return nil, tm, &DialError{URL: url, Phase: phase, Err: err}
	}
	tm.Ready = opts.Clock.Now() - start
	context.AfterFunc(ctx, func() {
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

func (c *wsConn) Read() ([]byte, time.Duration, error) {
	_, msg, err := c.conn.ReadMessage()
	at := c.clock.Now()
	if err != nil {
		return nil, 0, err
	}
	c.bytes += int64(len(msg))
	return msg, at, nil
}

func (c *wsConn) Write(msg []byte) error { return c.conn.WriteMessage(websocket.TextMessage, msg) }
func (c *wsConn) BytesRead() int64       { return c.bytes }
func (c *wsConn) Close() error           { return c.conn.Close() }
