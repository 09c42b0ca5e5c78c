package servers

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/internal/wire"
)

// wsSession runs one WebSocket connection with a single goroutine, its
// reader: gorilla/websocket reads frames and answers the handshake, and the
// session writes every frame itself (see wsWriter). Hub broadcasts are
// written by the hub directly (the session is the subscriber's sink), pings
// come from a timer, replies, pongs and close frames from the reader; a
// flusher goroutine runs only while the socket is full. An idle connection
// so costs one goroutine, not two (about 4 KiB less each).
type wsSession struct {
	wsWriter
	srv  *Server
	conn *websocket.Conn
	// subscribed: sub is a hub subscription (a /ws client), not the private
	// queue of a publisher connection.
	subscribed bool
	ping       timer
	readDone   chan struct{}
	kickOnce   sync.Once
}

var _ sink = (*wsSession)(nil)

// wsReplyBytes is how many bytes of replies and control frames may wait for
// a full socket before the reader stops reading the client (and so slows it
// down through TCP).
const wsReplyBytes = 64 << 10

// newWSSession serves conn, upgraded by upgradeWS. sub is the hub
// subscription; nil for a publisher connection, which gets a private queue.
func (s *Server) newWSSession(conn *websocket.Conn, sub *Subscriber) *wsSession {
	ws := &wsSession{srv: s, conn: conn, subscribed: sub != nil, readDone: make(chan struct{})}
	if sub == nil {
		sub = newSubscriber()
	}
	ws.wsWriter.init(s, conn.UnderlyingConn(), sub)
	return ws
}

// start attaches the session to its connection and the hub and launches the
// reader. onMessage handles each valid client message; a non-zero code it
// returns closes the connection with that code.
func (ws *wsSession) start(onMessage func(kind int, data []byte) (int, string)) {
	if nc, ok := ws.conn.UnderlyingConn().(*wsNetConn); ok {
		nc.sess.Store(ws)
	}
	c := ws.conn
	c.SetPingHandler(func(data string) error {
		ws.send(wire.AppendServerFrame(nil, wire.WSPong, []byte(data)))
		return nil
	})
	c.SetCloseHandler(func(code int, _ string) error {
		// Echo the client's code, as gorilla's default handler does.
		if code == websocket.CloseNoStatusReceived {
			code = 0
		}
		ws.end(wsCloseFrame(code, ""), true)
		return nil
	})
	ws.ping = ws.srv.clock.AfterFunc(ws.srv.cfg.PingInterval, ws.sendPing)
	if !ws.srv.goConn(func() { ws.readLoop(onMessage) }) {
		ws.ping.Stop()
		ws.refuse()
		return
	}
	if ws.subscribed {
		ws.sub.attach(ws)
		return
	}
	// A publisher connection has no subscription for the shutdown to kick.
	if !ws.srv.goConn(ws.endOnShutdown) {
		ws.kicked()
	}
}

// endOnShutdown closes a publisher connection with 1001 when the server shuts down.
func (ws *wsSession) endOnShutdown() {
	select {
	case <-ws.srv.done:
		ws.kicked()
	case <-ws.readDone:
	}
}

// refuse closes a socket the server will not serve because it is shutting down.
func (ws *wsSession) refuse() {
	if ws.subscribed {
		ws.srv.hub.Unsubscribe(ws.sub)
	}
	ws.end(wsCloseFrame(websocket.CloseGoingAway, "server is shutting down"), true)
}

// sendPing writes a ping and arms the next one. The reader's read deadline
// (PongTimeout, renewed by every pong or message) ends a client that stops
// answering.
func (ws *wsSession) sendPing() {
	if ws.send(wire.AppendServerFrame(nil, wire.WSPing, nil)) {
		ws.ping.Reset(ws.srv.cfg.PingInterval)
	}
}

// reply writes a frame of the reader's, waiting while too many replies are
// waiting for a full socket. It reports false once the session is closing.
func (ws *wsSession) reply(kind int, data []byte) bool {
	room, ok := ws.sendOrWait(wire.AppendServerFrame(nil, byte(kind), data), wsReplyBytes)
	if room == nil {
		return ok
	}
	select {
	case <-room:
		return true
	case <-ws.srv.done:
		return false
	}
}

// gorillaWrote takes a frame gorilla wrote on its own: a close frame after a
// protocol error (1002) or past the read limit (1009), just before its reader
// returns the error.
func (ws *wsSession) gorillaWrote(frame []byte) {
	if len(frame) > 0 && frame[0]&0x0f == wire.WSClose {
		ws.end(frame, false)
		return
	}
	ws.send(frame)
}

func (ws *wsSession) readLoop(onMessage func(int, []byte) (int, string)) {
	code, reason := ws.read(onMessage)
	ws.ping.Stop()
	if ws.subscribed {
		ws.srv.hub.Unsubscribe(ws.sub)
	}
	var frame []byte
	if code != 0 {
		frame = wsCloseFrame(code, reason)
	}
	ws.end(frame, true)
	close(ws.readDone)
}

// read reads client messages until the connection ends, and returns the close
// code to answer with (0: none).
func (ws *wsSession) read(onMessage func(int, []byte) (int, string)) (int, string) {
	if ws.subscribed { // a subscriber's socket is open as long as its reader runs
		ws.srv.live.ws.Add(1)
		defer ws.srv.live.ws.Add(-1)
	}
	c := ws.conn
	pongTimeout := ws.srv.cfg.PongTimeout
	c.SetReadLimit(ws.srv.cfg.WSReadLimit)
	_ = c.SetReadDeadline(time.Now().Add(pongTimeout))
	c.SetPongHandler(func(string) error {
		return c.SetReadDeadline(time.Now().Add(pongTimeout))
	})
	for {
		kind, data, err := c.ReadMessage()
		if err != nil {
			// gorilla has already sent 1002 for protocol errors and 1009 past
			// the read limit (through wsNetConn); a client close was answered
			// by the close handler.
			var ce *websocket.CloseError
			switch {
			case errors.Is(err, websocket.ErrReadLimit):
				ws.srv.hostileConn("ws-too-large", c.RemoteAddr(), err)
			case errors.As(err, &ce):
			default:
				if strings.HasPrefix(err.Error(), "websocket: ") {
					// gorilla's own protocol errors (bad opcode, RSV bits,
					// unmasked or oversized control frames, bad close code).
					ws.srv.hostileConn("ws-protocol", c.RemoteAddr(), err)
				}
				return websocket.CloseGoingAway, ""
			}
			return 0, ""
		}
		_ = c.SetReadDeadline(time.Now().Add(pongTimeout))
		if kind == websocket.TextMessage && !utf8.Valid(data) {
			// gorilla does not check UTF-8; RFC 6455 requires 1007.
			ws.srv.hostileConn("ws-invalid-utf8", c.RemoteAddr(), errors.New("invalid UTF-8 in a text frame"))
			return websocket.CloseInvalidFramePayloadData, "invalid UTF-8 in text frame"
		}
		if code, reason := onMessage(kind, data); code != 0 {
			ws.srv.hostileConn("ws-bad-message", c.RemoteAddr(), fmt.Errorf("close %d: %s", code, reason))
			return code, reason
		}
	}
}

// kicked ends a subscriber the hub dropped (slow policy, admin drop) or a
// connection the shutdown ends: a close frame after what is being written,
// then a second for the client to answer before the socket closes.
func (ws *wsSession) kicked() {
	ws.kickOnce.Do(func() {
		code, reason := websocket.ClosePolicyViolation, tooSlow.String()
		select {
		case <-ws.srv.done:
			code, reason = websocket.CloseGoingAway, "server shutting down"
		default:
			if ws.sub.Dropped() {
				code, reason = websocket.CloseGoingAway, adminDrop.String()
			}
		}
		ws.end(wsCloseFrame(code, reason), false)
	})
}
