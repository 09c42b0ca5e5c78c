package clients

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/internal/wire"
)

// socketioWSClient is a Socket.IO client connecting over WebSocket directly
// (see socketio.go).
type socketioWSClient struct{}

var (
	_ Transport = socketioWSClient{}
	_ Conn      = (*sioWSConn)(nil)
	_ eioLink   = (*sioWSConn)(nil)
)

func (socketioWSClient) Dial(ctx context.Context, endpoint string, opts DialOptions) (Conn, Timings, error) {
	rcv, err := opts.Receive.resolve()
	if err != nil {
		return nil, Timings{}, &DialError{URL: endpoint, Phase: PhaseRequest, Err: err}
	}
	start := opts.Clock.Now()
	a := startDial(ctx, WebSocketURL(eioURL(endpoint, "websocket", "")), opts.ConnectTimeout)
	defer a.end()
	conn, tm, err := dialWebSocket(a, opts)
	if err != nil {
		return nil, tm, err
	}
	tm.Phases = append(tm.Phases, Phase{histUpgrade, tm.Ready})
	c := &sioWSConn{conn: conn, clock: opts.Clock, timeout: opts.writeTimeout()}
	c.session = newEIOSession(c, rcv)
	c.session.recoverFrom(opts.Resume)
	fail := func(phase string, err error) (Conn, Timings, error) {
		conn.Close()
		return nil, tm, a.fail(phase, err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(opts.ConnectTimeout - (opts.Clock.Now() - start)))
	kind, data, err := conn.ReadMessage()
	if err != nil {
		return fail(PhaseEIOOpen, err)
	}
	p, err := wire.ParseEIOText(data)
	if kind != websocket.TextMessage || err != nil {
		return fail(PhaseEIOOpen, fmt.Errorf("expected the open packet, got %q", data))
	}
	hs, err := parseOpen(p)
	if err != nil {
		return fail(PhaseEIOOpen, err)
	}
	c.pingWait = pingWait(hs)
	tm.Phases = append(tm.Phases, Phase{histEIOOpen, opts.Clock.Now() - start})
	if err := c.session.join(a.ctx, c.receiveFrame); err != nil {
		return fail(PhaseSIOConnect, err)
	}
	tm.Ready = opts.Clock.Now() - start
	tm.Phases = append(tm.Phases, Phase{histSIOConnect, tm.Ready})
	c.expectPing()
	return c, tm, nil
}

// sioWSConn is a Socket.IO socket over a WebSocket: one Engine.IO packet per
// frame. Read runs in one goroutine and Write in another; both may write
// (Read answers pings), so writes are serialized.
type sioWSConn struct {
	conn    *websocket.Conn
	clock   Clock
	session eioSession
	bytes   int64
	// pingWait bounds the wait for the server's next ping (0: none).
	pingWait time.Duration

	// pending are messages delivered and not yet returned by Read: one
	// frame carries at most one, but a recovering session gets the missed
	// events before the CONNECT answer that ends the dial.
	pending frameQueue
	msg     msgBuffer // the last frame read

	wmu     sync.Mutex
	buf     []byte
	timeout time.Duration // per write
}

// send writes one packet as a text frame.
func (c *sioWSConn) send(_ context.Context, p wire.EIOPacket) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.buf = wire.AppendEIOText(c.buf[:0], p)
	_ = c.conn.SetWriteDeadline(time.Now().Add(c.timeout))
	if err := c.conn.WriteMessage(websocket.TextMessage, c.buf); err != nil {
		if isTimeout(err) {
			return errNotReading(c.timeout, err)
		}
		return err
	}
	return nil
}

func (c *sioWSConn) deliver(_ context.Context, f Frame) error {
	c.pending.push(f)
	return nil
}

// expectPing gives the server pingWait for its next ping, as socket.io-client
// does: a server that stops pinging is gone even if its socket is not.
func (c *sioWSConn) expectPing() {
	if c.pingWait > 0 {
		_ = c.conn.SetReadDeadline(time.Now().Add(c.pingWait))
	} else {
		_ = c.conn.SetReadDeadline(time.Time{})
	}
}

// receiveFrame reads one frame and hands its packet to the session.
func (c *sioWSConn) receiveFrame() error {
	kind, data, err := c.msg.next(c.conn)
	at := c.clock.Now()
	if err != nil {
		if isTimeout(err) && c.pingWait > 0 {
			return errNoPing(c.pingWait)
		}
		return wsReadError(err)
	}
	c.bytes += int64(len(data))
	if kind != websocket.TextMessage {
		return nil // binary attachments: the load generator sends none
	}
	p, err := wire.ParseEIOText(data)
	if err != nil {
		return err
	}
	if p.Type == wire.EIOPing && !p.Binary {
		c.expectPing()
	}
	return c.session.receive(context.Background(), p, at)
}

// Read returns the next message; its Data is valid until the next Read.
func (c *sioWSConn) Read() (Frame, error) {
	for c.pending.empty() {
		if err := c.receiveFrame(); err != nil {
			return Frame{}, err
		}
	}
	f, _ := c.pending.pop()
	return f, nil
}

// ResumeState is the recovery id and offset for a redial; call it from the
// reader once Read failed.
func (c *sioWSConn) ResumeState() Resume { return c.session.resumeState() }

func (c *sioWSConn) Write(msg []byte) error { return c.session.echo(context.Background(), msg) }
func (c *sioWSConn) BytesRead() int64       { return c.bytes }
func (c *sioWSConn) Close() error           { return c.conn.Close() }
