package servers

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// wsNetConn is the connection gorilla/websocket is handed by the upgrade.
// Until a session attaches it is the plain connection (the handshake);
// afterwards every byte gorilla writes on its own (a close frame after a
// protocol error or past the read limit) goes through the session's ordered
// writer, so it can never land in the middle of a frame the hub is writing
// directly to the socket. The session writes everything else itself.
type wsNetConn struct {
	net.Conn // the server's tracked connection
	sess     atomic.Pointer[wsSession]
}

// Write hands a frame gorilla wrote to the session once it has one. Gorilla
// writes each control frame with one Write.
func (c *wsNetConn) Write(b []byte) (int, error) {
	ws := c.sess.Load()
	if ws == nil {
		return c.Conn.Write(b)
	}
	ws.gorillaWrote(append([]byte(nil), b...))
	return len(b), nil
}

// SetWriteDeadline is ignored once a session writes: its own writes set the
// socket's deadline, and a deadline gorilla set would fail them.
func (c *wsNetConn) SetWriteDeadline(t time.Time) error {
	if c.sess.Load() != nil {
		return nil
	}
	return c.Conn.SetWriteDeadline(t)
}

// wsHijacker hands gorilla's upgrade a wsNetConn instead of the hijacked
// connection.
type wsHijacker struct {
	http.ResponseWriter
	conn *wsNetConn
}

func (h *wsHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, fmt.Errorf("hijack for websocket: %w", err)
	}
	h.conn = &wsNetConn{Conn: c}
	return h.conn, brw, nil
}

// upgradeWS upgrades r with u so that the connection can be served by a
// wsSession (see wsNetConn).
func upgradeWS(u *websocket.Upgrader, w http.ResponseWriter, r *http.Request) (*websocket.Conn, error) {
	return u.Upgrade(&wsHijacker{ResponseWriter: w}, r, nil)
}
