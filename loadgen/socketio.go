package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/internal/wire"
)

// socketioClient speaks Engine.IO v4 + Socket.IO v5 as socket.io-client 4.x
// does: it joins the "/" namespace, answers every server ping with a pong (real
// servers drop clients that do not), takes the event "msg" as a fan-out message
// and sends echo messages as events with acks, whose answers are the replies.
// Over WebSocket it connects directly; with polling it long-polls, what real
// deployments fall back to.
type socketioClient struct{ polling bool }

func (c socketioClient) Name() string {
	if c.polling {
		return "socketio-polling"
	}
	return "socketio"
}

// PhaseNames are the connect phases Dial reports, as histogram names.
func (c socketioClient) PhaseNames() []string {
	if c.polling {
		return []string{"eio_open", "sio_connect"}
	}
	return []string{"upgrade", "eio_open", "sio_connect"}
}

func (socketioClient) Endpoint(base string) string { return endpointOn(base, "/socket.io/", false) }
func (socketioClient) Bidirectional() bool         { return true }

func (c socketioClient) Dial(ctx context.Context, url string, opts DialOptions) (Conn, Timings, error) {
	if c.polling {
		return dialSIOPolling(ctx, url, opts)
	}
	return dialSIOWebSocket(ctx, url, opts)
}

// eioURL adds the Engine.IO query to a Socket.IO endpoint URL.
func eioURL(endpoint, transport, sid string) string {
	sep := "?"
	if strings.Contains(endpoint, "?") {
		sep = "&"
	}
	u := endpoint + sep + "EIO=4&transport=" + transport
	if sid != "" {
		u += "&sid=" + sid
	}
	return u
}

// parseOpen reads the Engine.IO open packet.
func parseOpen(p wire.EIOPacket) (wire.EIOHandshake, error) {
	var hs wire.EIOHandshake
	if p.Type != wire.EIOOpen || p.Binary {
		return hs, fmt.Errorf("expected the Engine.IO open packet, got %q", wire.AppendEIOText(nil, p))
	}
	if err := json.Unmarshal(p.Data, &hs); err != nil || hs.SID == "" {
		return hs, fmt.Errorf("bad Engine.IO handshake %q", p.Data)
	}
	return hs, nil
}

// errSIODisconnected reports the server ending the Socket.IO session.
var errSIODisconnected = errors.New("socket.io: server disconnected the socket")

// sioInbound interprets one Engine.IO message from the server. A "msg" event
// or an ack yields the envelope it carries; other events yield nothing; a
// CONNECT answer reports whether the socket was accepted.
func sioInbound(data []byte) (msg []byte, connected bool, err error) {
	p, err := wire.ParseSIO(data)
	if err != nil {
		return nil, false, err
	}
	if p.Namespace != "/" {
		return nil, false, nil
	}
	switch p.Type {
	case wire.SIOConnect:
		var ok struct {
			SID string `json:"sid"`
		}
		if json.Unmarshal(p.Data, &ok) != nil || ok.SID == "" {
			return nil, false, fmt.Errorf("socket.io: CONNECT answer without sid: %q", data)
		}
		return nil, true, nil
	case wire.SIOConnectError:
		var e struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(p.Data, &e) != nil {
			e.Message = string(p.Data)
		}
		return nil, false, fmt.Errorf("socket.io: connect refused: %s", e.Message)
	case wire.SIODisconnect:
		return nil, false, errSIODisconnected
	case wire.SIOEvent:
		name, args, err := wire.SIOEventArgs(p.Data)
		if err != nil || name != "msg" || len(args) == 0 {
			return nil, false, nil
		}
		return args[0], false, nil
	case wire.SIOAck:
		var args []json.RawMessage
		if json.Unmarshal(p.Data, &args) != nil || len(args) == 0 {
			return nil, false, fmt.Errorf("socket.io: empty ack %q", data)
		}
		return args[0], false, nil
	}
	return nil, false, nil
}

// echoEvent is the Engine.IO message data of 2<id>["echo",msg].
func echoEvent(dst []byte, id uint64, msg []byte) []byte {
	return wire.AppendSIO(dst, wire.SIOPacket{Type: wire.SIOEvent, ID: id, HasID: true, Data: wire.AppendSIOArray(nil, "echo", msg)})
}

var connectPacket = wire.EIOPacket{Type: wire.EIOMessage, Data: []byte("0")}

func dialSIOWebSocket(ctx context.Context, endpoint string, opts DialOptions) (Conn, Timings, error) {
	url := WebSocketURL(eioURL(endpoint, "websocket", ""))
	start := opts.Clock.Now()
	conn, tm, err := dialWebSocket(ctx, url, opts)
	if err != nil {
		return nil, tm, err
	}
	tm.Phases = append(tm.Phases, Phase{"upgrade", tm.Ready})
	c := &sioWSConn{conn: conn, clock: opts.Clock}
	fail := func(phase string, err error) (Conn, Timings, error) {
		conn.Close()
		return nil, tm, &DialError{URL: url, Phase: phase, Err: err}
	}
	_ = conn.SetReadDeadline(time.Now().Add(opts.ConnectTimeout - (opts.Clock.Now() - start)))
	kind, data, err := conn.ReadMessage()
	if err != nil {
		return fail("eio-open", err)
	}
	p, err := wire.ParseEIOText(data)
	if kind != websocket.TextMessage || err != nil {
		return fail("eio-open", fmt.Errorf("expected the open packet, got %q", data))
	}
	if _, err := parseOpen(p); err != nil {
		return fail("eio-open", err)
	}
	tm.Phases = append(tm.Phases, Phase{"eio_open", opts.Clock.Now() - start})
	if err := c.write(connectPacket); err != nil {
		return fail("sio-connect", err)
	}
	for {
		msg, _, err := c.next()
		if err != nil {
			return fail("sio-connect", err)
		}
		if msg.connected {
			break
		}
	}
	tm.Ready = opts.Clock.Now() - start
	tm.Phases = append(tm.Phases, Phase{"sio_connect", tm.Ready})
	_ = conn.SetReadDeadline(time.Time{})
	return c, tm, nil
}

// sioWSConn is a Socket.IO socket over a WebSocket. Read runs in one goroutine
// and Write in another; both may write (Read answers pings), so writes are
// serialized.
type sioWSConn struct {
	conn  *websocket.Conn
	clock Clock
	bytes int64

	wmu   sync.Mutex
	ackID uint64
	buf   []byte
}

type sioEvent struct {
	msg       []byte
	connected bool
}

func (c *sioWSConn) write(p wire.EIOPacket) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.buf = wire.AppendEIOText(c.buf[:0], p)
	return c.conn.WriteMessage(websocket.TextMessage, c.buf)
}

// next reads until a message, a CONNECT answer or an error, answering pings.
func (c *sioWSConn) next() (sioEvent, time.Duration, error) {
	for {
		kind, data, err := c.conn.ReadMessage()
		at := c.clock.Now()
		if err != nil {
			return sioEvent{}, 0, err
		}
		c.bytes += int64(len(data))
		if kind != websocket.TextMessage {
			continue // binary attachments: the load generator sends none
		}
		p, err := wire.ParseEIOText(data)
		if err != nil {
			return sioEvent{}, 0, err
		}
		switch p.Type {
		case wire.EIOPing:
			if err := c.write(wire.EIOPacket{Type: wire.EIOPong, Data: p.Data}); err != nil {
				return sioEvent{}, 0, fmt.Errorf("pong: %w", err)
			}
		case wire.EIOClose:
			return sioEvent{}, 0, errors.New("engine.io: server closed the session")
		case wire.EIOMessage:
			msg, connected, err := sioInbound(p.Data)
			if err != nil {
				return sioEvent{}, 0, err
			}
			if msg != nil || connected {
				return sioEvent{msg: msg, connected: connected}, at, nil
			}
		}
	}
}

func (c *sioWSConn) Read() ([]byte, time.Duration, error) {
	for {
		ev, at, err := c.next()
		if err != nil {
			return nil, 0, err
		}
		if ev.msg != nil {
			return ev.msg, at, nil
		}
	}
}

func (c *sioWSConn) Write(msg []byte) error {
	c.wmu.Lock()
	id := c.ackID
	c.ackID++
	c.wmu.Unlock()
	return c.write(wire.EIOPacket{Type: wire.EIOMessage, Data: echoEvent(nil, id, msg)})
}

func (c *sioWSConn) BytesRead() int64 { return c.bytes }
func (c *sioWSConn) Close() error     { return c.conn.Close() }
