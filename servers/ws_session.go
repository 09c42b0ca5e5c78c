package servers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// wsSession runs one WebSocket connection with one reader and one writer
// goroutine, as gorilla requires; the HTTP handler returns right after the
// upgrade so net/http's per-request state is not pinned.
type wsSession struct {
	srv  *Server
	conn *websocket.Conn
	sub  *Subscriber // nil for a publisher connection

	out       chan outFrame
	closeOnce sync.Once
	closeReq  closeReq      // set before closing is closed
	closing   chan struct{} // closed when the reader asks the writer to close
	readDone  chan struct{}
}

// wsReplyQueue is how many replies the reader may hand the writer before it
// waits (and so stops reading the client). Small: the channel's buffer is
// allocated with every connection, idle or not.
const wsReplyQueue = 4

type outFrame struct {
	kind int
	data []byte
}

type closeReq struct {
	code   int
	reason string
}

func (s *Server) newWSSession(conn *websocket.Conn, sub *Subscriber) *wsSession {
	return &wsSession{
		srv:      s,
		conn:     conn,
		sub:      sub,
		out:      make(chan outFrame, wsReplyQueue),
		closing:  make(chan struct{}),
		readDone: make(chan struct{}),
	}
}

// start launches the reader and writer. onMessage handles each valid client
// message; a non-zero code it returns closes the connection with that code.
func (ws *wsSession) start(onMessage func(kind int, data []byte) (int, string)) {
	if !ws.srv.goConn(func() { ws.readLoop(onMessage) }) {
		ws.refuse()
		return
	}
	// The reader is running, so the writer must run too: it is the one that
	// closes the socket. goConn only refuses once shutdown has begun, and then
	// the writer's only job is to close.
	if !ws.srv.goConn(ws.writeLoop) {
		ws.conn.Close()
	}
}

// refuse closes a socket the server will not serve because it is shutting down.
func (ws *wsSession) refuse() {
	if ws.sub != nil {
		ws.srv.hub.Unsubscribe(ws.sub)
	}
	closeNow(ws.conn, websocket.CloseGoingAway, "server is shutting down", ws.srv.cfg.WriteTimeout)
	ws.conn.Close()
}

// enqueue hands a reply to the writer, blocking the reader (and so the client,
// through TCP) while the writer is behind. It reports false once the session
// is closing.
func (ws *wsSession) enqueue(kind int, data []byte) bool {
	select {
	case ws.out <- outFrame{kind, data}:
		return true
	case <-ws.readDone:
		return false
	case <-ws.srv.done:
		return false
	}
}

func (ws *wsSession) requestClose(code int, reason string) {
	ws.closeOnce.Do(func() {
		ws.closeReq = closeReq{code, reason}
		close(ws.closing)
	})
}

func (ws *wsSession) readLoop(onMessage func(int, []byte) (int, string)) {
	defer close(ws.readDone)
	if ws.sub != nil { // a subscriber's socket is open as long as its reader runs
		ws.srv.live.ws.Add(1)
		defer ws.srv.live.ws.Add(-1)
	}
	c := ws.conn
	cfg := ws.srv.cfg
	c.SetReadLimit(cfg.WSReadLimit)
	_ = c.SetReadDeadline(time.Now().Add(cfg.PongTimeout))
	c.SetPongHandler(func(string) error {
		return c.SetReadDeadline(time.Now().Add(cfg.PongTimeout))
	})
	for {
		kind, data, err := c.ReadMessage()
		if err != nil {
			// gorilla has already sent 1002 for protocol errors and 1009 past
			// the read limit; a client close was answered by its close handler.
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
				ws.requestClose(websocket.CloseGoingAway, "")
			}
			ws.requestClose(0, "")
			return
		}
		_ = c.SetReadDeadline(time.Now().Add(cfg.PongTimeout))
		if kind == websocket.TextMessage && !utf8.Valid(data) {
			// gorilla does not check UTF-8; RFC 6455 requires 1007.
			ws.srv.hostileConn("ws-invalid-utf8", c.RemoteAddr(), errors.New("invalid UTF-8 in a text frame"))
			ws.requestClose(websocket.CloseInvalidFramePayloadData, "invalid UTF-8 in text frame")
			return
		}
		if code, reason := onMessage(kind, data); code != 0 {
			ws.srv.hostileConn("ws-bad-message", c.RemoteAddr(), fmt.Errorf("close %d: %s", code, reason))
			ws.requestClose(code, reason)
			return
		}
	}
}

// wsBatchBytes bounds what one wake of a WebSocket writer takes from its queues.
const wsBatchBytes = 64 << 10

// writeLoop writes hub broadcasts (prepared frames shared by every connection),
// the reader's replies and pings until the session ends: 1001 on shutdown,
// 1008 for a subscriber too slow, the reader's code when it asks to close.
func (ws *wsSession) writeLoop() {
	c := ws.conn
	cfg := ws.srv.cfg
	ping := ws.srv.clock.NewTicker(cfg.PingInterval)
	defer ping.Stop()
	if ws.sub != nil {
		defer ws.srv.hub.Unsubscribe(ws.sub)
	}
	p := newPump(ws.srv, ws.sub, wsBatchBytes, func(it pumpItem[outFrame]) int {
		if it.msg != nil {
			return len(it.msg.JSON)
		}
		return len(it.control.data)
	})
	p.control, p.ended, p.tick = ws.out, ws.closing, ping.C()
	deadline := func() time.Time { return time.Now().Add(cfg.WriteTimeout) }
	var items []pumpItem[outFrame]
	for {
		w := p.next(context.Background(), items)
		switch w.stop {
		case connEnded:
			if req := ws.closeReq; req.code != 0 {
				closeNow(c, req.code, req.reason, cfg.WriteTimeout)
			}
			c.Close()
			return
		case serverClosing:
			closeNow(c, websocket.CloseGoingAway, "server shutting down", cfg.WriteTimeout)
			ws.drainReader()
			return
		case tooSlow:
			closeNow(c, websocket.ClosePolicyViolation, "subscriber too slow", cfg.WriteTimeout)
			ws.drainReader()
			return
		case adminDrop:
			closeNow(c, websocket.CloseGoingAway, w.stop.String(), cfg.WriteTimeout)
			ws.drainReader()
			return
		}
		var err error
		if w.tick {
			err = c.WriteControl(websocket.PingMessage, nil, deadline())
		}
		if len(w.items) > 0 {
			// One deadline for the batch: it bounds each write, and a batch
			// is at most wsBatchBytes.
			_ = c.SetWriteDeadline(deadline())
		}
		for _, it := range w.items {
			if err != nil {
				break
			}
			if it.msg == nil {
				err = c.WriteMessage(it.control.kind, it.control.data)
			} else if pm, perr := it.msg.WebSocketFrame(); perr == nil {
				err = c.WritePreparedMessage(pm)
			}
		}
		items = w.items
		p.written(w.items)
		clear(w.items) // an idle connection pins no written message
		if err != nil {
			ws.srv.noteWriteError(err)
			c.Close()
			<-ws.readDone
			return
		}
	}
}

// drainReader gives the client a moment to answer our close frame, then closes
// the socket and waits for the reader to end.
func (ws *wsSession) drainReader() {
	grace := ws.srv.clock.NewTimer(time.Second)
	defer grace.Stop()
	select {
	case <-ws.readDone:
	case <-grace.C():
	}
	ws.conn.Close()
	<-ws.readDone
}
