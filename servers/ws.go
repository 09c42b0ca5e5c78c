package servers

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// wsTransport serves RFC 6455 WebSocket at /ws: hub broadcasts go to the client
// and every client message is echoed back on the same socket.
type wsTransport struct {
	srv      *Server
	upgrader websocket.Upgrader
}

func newWSTransport(s *Server) *wsTransport {
	u := s.newUpgrader()
	// Half the shared read buffer: held by every idle connection, while a
	// message longer than it is read past the buffer anyway.
	u.ReadBufferSize = wsReadBuffer
	return &wsTransport{srv: s, upgrader: u}
}

func (t *wsTransport) Name() string    { return "ws" }
func (t *wsTransport) Pattern() string { return "GET /ws" }

func (t *wsTransport) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, err := upgradeWS(&t.upgrader, w, r)
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
		if !sess.reply(kind, data) {
			return websocket.CloseGoingAway, ""
		}
		return 0, ""
	})
}

// wsReadBuffer is gorilla's read buffer on a /ws connection.
const wsReadBuffer = 512

// newUpgrader builds a gorilla upgrader with small buffers and a shared write
// buffer pool (memory per idle connection matters at 19k connections) and the
// configured Origin allow-list. Every refused upgrade (/ws, /publish,
// /socket.io/) is logged as hostile input.
func (s *Server) newUpgrader() websocket.Upgrader {
	u := websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
		WriteBufferPool: &sync.Pool{},
		Error: func(w http.ResponseWriter, r *http.Request, status int, reason error) {
			s.hostile("ws-upgrade", r, reason)
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

// closeNow sends a close frame with code and reason (cut to the 123 bytes a
// control frame allows) without waiting for the answer.
func closeNow(c *websocket.Conn, code int, reason string, timeout time.Duration) {
	if len(reason) > 123 {
		reason = strings.ToValidUTF8(reason[:123], "")
	}
	_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(timeout))
}
