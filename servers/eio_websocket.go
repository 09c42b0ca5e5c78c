package servers

import (
	"context"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/internal/wire"
)

// openWebSocket answers a handshake made directly over WebSocket.
func (t *socketioTransport) openWebSocket(w http.ResponseWriter, r *http.Request) {
	conn, err := t.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	conn.SetReadLimit(int64(t.srv.cfg.SocketIO.MaxPayload))
	s := t.newSession()
	if s == nil {
		closeNow(conn, websocket.CloseGoingAway, "server is shutting down", t.srv.cfg.WriteTimeout)
		conn.Close()
		return
	}
	s.mu.Lock()
	s.ws = conn
	close(s.upgraded)
	s.mu.Unlock()
	_ = conn.SetWriteDeadline(time.Now().Add(t.srv.cfg.WriteTimeout))
	if err := writeEIOFrame(conn, t.handshake(s, []string{})); err != nil {
		s.close("write handshake: " + err.Error())
		conn.Close()
		return
	}
	s.runWebSocket(conn)
}

func writeEIOFrame(conn *websocket.Conn, p wire.EIOPacket) error {
	if p.Binary {
		return conn.WriteMessage(websocket.BinaryMessage, p.Data)
	}
	return conn.WriteMessage(websocket.TextMessage, wire.AppendEIOText(nil, p))
}

// upgrade takes a polling session to WebSocket: 2probe is answered 3probe, the
// pending poll is released with a noop, and 5 switches the session over.
func (s *eioSession) upgrade(w http.ResponseWriter, r *http.Request) {
	if s.isUpgraded() {
		eioError(w, http.StatusBadRequest, eioBadRequest, "session already upgraded")
		return
	}
	conn, err := s.t.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	conn.SetReadLimit(int64(s.t.srv.cfg.SocketIO.MaxPayload))
	fail := func(reason string) {
		closeNow(conn, websocket.CloseProtocolError, reason, s.t.srv.cfg.WriteTimeout)
		conn.Close()
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, msg, err := conn.ReadMessage()
	if err != nil || string(msg) != "2probe" {
		fail("expected 2probe")
		return
	}
	_ = conn.SetWriteDeadline(time.Now().Add(s.t.srv.cfg.WriteTimeout))
	if err := conn.WriteMessage(websocket.TextMessage, []byte("3probe")); err != nil {
		conn.Close()
		return
	}
	s.probe()
	_, msg, err = conn.ReadMessage()
	if err != nil || string(msg) != "5" {
		fail("expected 5 (upgrade)")
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	s.mu.Lock()
	s.ws = conn
	close(s.upgraded)
	s.mu.Unlock()
	s.runWebSocket(conn)
}

// runWebSocket starts the session's WebSocket reader and writer.
func (s *eioSession) runWebSocket(conn *websocket.Conn) {
	readerDone := make(chan struct{})
	if !s.t.srv.goConn(func() { defer close(readerDone); s.readWebSocket(conn) }) {
		s.close("server shutting down")
		conn.Close()
		return
	}
	if !s.t.srv.goConn(func() { s.writeWebSocket(conn, readerDone) }) {
		s.close("server shutting down")
		conn.Close()
	}
}

func (s *eioSession) readWebSocket(conn *websocket.Conn) {
	for {
		kind, msg, err := conn.ReadMessage()
		if err != nil {
			s.close("read: " + err.Error())
			return
		}
		p := wire.EIOPacket{Type: wire.EIOMessage, Data: msg, Binary: true}
		if kind == websocket.TextMessage {
			if p, err = wire.ParseEIOText(msg); err != nil {
				s.close(err.Error())
				return
			}
		}
		if err := s.handle(p); err != nil {
			s.close(err.Error())
			return
		}
	}
}

// writeWebSocket writes what collect hands it, broadcasts as frames prepared
// once for every session, until the session closes.
func (s *eioSession) writeWebSocket(conn *websocket.Conn, readerDone <-chan struct{}) {
	defer func() {
		code := websocket.CloseNormalClosure
		select {
		case <-s.t.srv.done:
			code = websocket.CloseGoingAway
		default:
		}
		closeNow(conn, code, "", time.Second)
		conn.Close()
		<-readerDone
	}()
	for {
		for _, it := range s.collect(context.Background()) {
			p := packet(it)
			if p.Type == wire.EIOClose && !p.Binary {
				return // Engine.IO closes a WebSocket by closing the socket
			}
			_ = conn.SetWriteDeadline(time.Now().Add(s.t.srv.cfg.WriteTimeout))
			var err error
			if it.msg != nil {
				var pm *websocket.PreparedMessage
				if pm, err = it.msg.SocketIOFrame(); err == nil {
					err = conn.WritePreparedMessage(pm)
				}
			} else {
				err = writeEIOFrame(conn, p)
			}
			if err != nil {
				s.close("write: " + err.Error())
				return
			}
		}
	}
}
