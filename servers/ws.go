package servers

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// wsTransport serves RFC 6455 WebSocket at /ws: hub broadcasts go to the client
// and every client message is echoed back on the same socket.
type wsTransport struct {
	srv      *Server
	upgrader websocket.Upgrader
}

func newWSTransport(s *Server) *wsTransport {
	return &wsTransport{srv: s, upgrader: s.newUpgrader()}
}

func (t *wsTransport) Name() string    { return "ws" }
func (t *wsTransport) Pattern() string { return "GET /ws" }

func (t *wsTransport) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, err := t.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader already answered 400/403/405 with the reason
	}
	sub := t.srv.hub.Subscribe()
	if sub == nil {
		closeNow(conn, websocket.CloseGoingAway, "server is shutting down", t.srv.cfg.WriteTimeout)
		return
	}
	sess := t.srv.newWSSession(conn, sub)
	sess.start(func(kind int, data []byte) (int, string) {
		if !sess.enqueue(kind, data) {
			return websocket.CloseGoingAway, ""
		}
		return 0, ""
	})
}

// newUpgrader builds a gorilla upgrader with small buffers and a shared write
// buffer pool (memory per idle connection matters at 19k connections) and the
// configured Origin allow-list.
func (s *Server) newUpgrader() websocket.Upgrader {
	u := websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
		WriteBufferPool: &sync.Pool{},
		Error: func(w http.ResponseWriter, _ *http.Request, status int, reason error) {
			w.Header().Set("Sec-Websocket-Version", "13")
			http.Error(w, reason.Error(), status)
		},
	}
	if len(s.cfg.WSOrigins) > 0 {
		allowed := s.cfg.WSOrigins
		u.CheckOrigin = func(r *http.Request) bool {
			origin := r.Header.Get("Origin")
			if origin == "" || slices.Contains(allowed, "*") {
				return true
			}
			if u, err := url.Parse(origin); err == nil && slices.Contains(allowed, u.Host) {
				return true
			}
			return slices.Contains(allowed, origin)
		}
	}
	return u
}

// wsSession runs one WebSocket connection with one reader and one writer
// goroutine, as gorilla requires; the HTTP handler returns right after the
// upgrade so net/http's per-request state is not pinned.
type wsSession struct {
	srv  *Server
	conn *websocket.Conn
	sub  *Subscriber // nil for a publisher connection

	out       chan outFrame
	closeOnce sync.Once
	closing   chan closeReq
	readDone  chan struct{}
}

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
		out:      make(chan outFrame, 64),
		closing:  make(chan closeReq, 1),
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
	ws.closeOnce.Do(func() { ws.closing <- closeReq{code, reason} })
}

func (ws *wsSession) readLoop(onMessage func(int, []byte) (int, string)) {
	defer close(ws.readDone)
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
			if !errors.As(err, &ce) && !errors.Is(err, websocket.ErrReadLimit) {
				ws.requestClose(websocket.CloseGoingAway, "")
			}
			ws.requestClose(0, "")
			return
		}
		_ = c.SetReadDeadline(time.Now().Add(cfg.PongTimeout))
		if kind == websocket.TextMessage && !utf8.Valid(data) {
			// gorilla does not check UTF-8; RFC 6455 requires 1007.
			ws.requestClose(websocket.CloseInvalidFramePayloadData, "invalid UTF-8 in text frame")
			return
		}
		if code, reason := onMessage(kind, data); code != 0 {
			ws.requestClose(code, reason)
			return
		}
	}
}

func (ws *wsSession) writeLoop() {
	c := ws.conn
	cfg := ws.srv.cfg
	ping := time.NewTicker(cfg.PingInterval)
	defer ping.Stop()
	var msgs <-chan *Message
	var kicked <-chan struct{}
	if ws.sub != nil {
		defer ws.srv.hub.Unsubscribe(ws.sub)
		msgs, kicked = ws.sub.C, ws.sub.Kicked
	}
	deadline := func() time.Time { return time.Now().Add(cfg.WriteTimeout) }
	for {
		var err error
		select {
		case req := <-ws.closing:
			if req.code != 0 {
				closeNow(c, req.code, req.reason, cfg.WriteTimeout)
			}
			c.Close()
			return
		case <-ws.srv.done:
			closeNow(c, websocket.CloseGoingAway, "server shutting down", cfg.WriteTimeout)
			ws.drainReader()
			return
		case <-kicked:
			select {
			case <-ws.srv.done:
				closeNow(c, websocket.CloseGoingAway, "server shutting down", cfg.WriteTimeout)
			default:
				closeNow(c, websocket.ClosePolicyViolation, "subscriber too slow", cfg.WriteTimeout)
			}
			ws.drainReader()
			return
		case m := <-msgs:
			pm, perr := m.WebSocketFrame()
			if perr == nil {
				_ = c.SetWriteDeadline(deadline())
				err = c.WritePreparedMessage(pm)
			}
		case f := <-ws.out:
			_ = c.SetWriteDeadline(deadline())
			err = c.WriteMessage(f.kind, f.data)
		case <-ping.C:
			err = c.WriteControl(websocket.PingMessage, nil, deadline())
		}
		if err != nil {
			c.Close()
			<-ws.readDone
			return
		}
	}
}

// drainReader gives the client a moment to answer our close frame, then closes
// the socket and waits for the reader to end.
func (ws *wsSession) drainReader() {
	select {
	case <-ws.readDone:
	case <-time.After(time.Second):
	}
	ws.conn.Close()
	<-ws.readDone
}

func closeNow(c *websocket.Conn, code int, reason string, timeout time.Duration) {
	if len(reason) > 123 {
		reason = strings.ToValidUTF8(reason[:123], "")
	}
	_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(timeout))
}
