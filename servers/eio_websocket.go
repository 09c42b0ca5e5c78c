package servers

import (
	"context"
	"errors"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/internal/wire"
)

// openWebSocket answers a handshake made directly over WebSocket.
// The session is made first, so a handshake over the cap gets the HTTP
// refusal a polling handshake gets.
func (t *socketioTransport) openWebSocket(w http.ResponseWriter, r *http.Request) {
	s, err := t.newSession(false, r.RemoteAddr)
	if err != nil {
		t.refuseSession(w, err)
		return
	}
	conn, err := t.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.close("websocket upgrade failed: " + err.Error())
		return
	}
	conn.SetReadLimit(int64(t.srv.cfg.SocketIO.MaxPayload))
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

// readWebSocket handles the client's packets until the socket or the session
// ends. A packet that breaks the protocol closes the socket with the code
// that says why (see wsCloseCode), never 1000.
func (s *eioSession) readWebSocket(conn *websocket.Conn) {
	for {
		kind, msg, err := conn.ReadMessage()
		if err != nil {
			// gorilla has sent 1002 or 1009 itself for what it rejects.
			s.close("read: " + err.Error())
			return
		}
		p := wire.EIOPacket{Type: wire.EIOMessage, Data: msg, Binary: true}
		if kind == websocket.TextMessage {
			if !utf8.Valid(msg) {
				s.closeWith(websocket.CloseInvalidFramePayloadData, "invalid UTF-8 in text frame")
				return
			}
			if p, err = wire.ParseEIOText(msg); err != nil {
				s.closeWith(wsCloseCode(err), err.Error())
				return
			}
		}
		if err := s.handle(p); err != nil {
			s.closeWith(wsCloseCode(err), err.Error())
			return
		}
	}
}

// wsCloseCode is the close code for a client packet handle refused: 1007 for
// one that does not parse (as /publish answers garbage), 1003 for binary data
// no binary packet announced, 1002 for a packet the protocol does not allow
// there.
func wsCloseCode(err error) int {
	switch {
	case errors.Is(err, wire.ErrEIOPacket), errors.Is(err, wire.ErrSIOPacket):
		return websocket.CloseInvalidFramePayloadData
	case errors.Is(err, errUnexpectedBinary):
		return websocket.CloseUnsupportedData
	default:
		return websocket.CloseProtocolError
	}
}

// writeWebSocket writes what collect hands it, broadcasts as frames prepared
// once for every session, until the session closes.
func (s *eioSession) writeWebSocket(conn *websocket.Conn, readerDone <-chan struct{}) {
	defer func() {
		code, reason := websocket.CloseGoingAway, ""
		select {
		case <-s.t.srv.done:
		default:
			code = websocket.CloseNormalClosure
			select {
			case <-s.closed:
				if code = s.endCode; code != websocket.CloseNormalClosure {
					reason = s.endReason
				}
			default:
			}
		}
		closeNow(conn, code, reason, time.Second)
		conn.Close()
		<-readerDone
	}()
	for {
		batch := s.collect(context.Background())
		if !s.writeBatch(conn, batch) {
			return
		}
	}
}

// writeBatch writes one batch, broadcasts as frames prepared once for every
// session. It reports false once the session is over: a close packet (Engine.IO
// closes a WebSocket by closing the socket) or a failed write.
func (s *eioSession) writeBatch(conn *websocket.Conn, batch eioBatch) bool {
	defer batch.written()
	// One deadline for the batch, which is at most MaxPayload bytes.
	_ = conn.SetWriteDeadline(time.Now().Add(s.t.srv.cfg.WriteTimeout))
	for _, it := range batch.items {
		p := packet(it)
		if p.Type == wire.EIOClose && !p.Binary {
			return false
		}
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
			s.t.srv.noteWriteError(err)
			s.close("write: " + err.Error())
			return false
		}
	}
	return true
}
