package servers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/internal/wire"
)

// publishHandler lets a publisher feed the hub: POST /publish with one envelope
// as the body, or a WebSocket at GET /publish carrying one envelope per text
// message (pipelined, so an open-loop publisher never waits for a reply).
type publishHandler struct {
	srv      *Server
	upgrader websocket.Upgrader
}

// ServeHTTP checks the token first (both methods), then for a POST the
// content type, so an unauthorized caller learns nothing else.
func (p *publishHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !p.srv.authorized(w, r) {
		return
	}
	if r.Method == http.MethodGet {
		p.serveWebSocket(w, r)
		return
	}
	if !p.srv.jsonBody(w, r) {
		return
	}
	body, err := p.srv.readBody(w, r, p.srv.cfg.MaxPublishBytes)
	if err != nil {
		status := bodyStatus(err)
		if status == http.StatusRequestEntityTooLarge {
			p.srv.hostile("publish-too-large", r, err)
		} else if status == http.StatusBadRequest {
			// A malformed chunked encoding, or a client gone mid-body.
			p.srv.hostile("publish-malformed", r, err)
		}
		http.Error(w, "publish: "+err.Error(), status)
		return
	}
	m, err := p.parse(body)
	if err != nil {
		p.srv.hostile("publish-malformed", r, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p.srv.Broadcast(m)
	w.WriteHeader(http.StatusAccepted)
}

func (p *publishHandler) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	conn, err := upgradeWS(&p.upgrader, w, r)
	if err != nil {
		return // the upgrader answered and logged it
	}
	conn.SetReadLimit(p.srv.cfg.MaxPublishBytes)
	sess := p.srv.newWSSession(conn, nil)
	sess.start(func(kind int, data []byte) (int, string) {
		if kind != websocket.TextMessage {
			p.srv.hostileConn("publish-malformed", conn.RemoteAddr(), errors.New("binary message on the publish WebSocket"))
			return websocket.CloseUnsupportedData, "publish takes text messages holding a JSON envelope"
		}
		m, err := p.parse(data)
		if err != nil {
			p.srv.hostileConn("publish-malformed", conn.RemoteAddr(), err)
			return websocket.CloseInvalidFramePayloadData, err.Error()
		}
		p.srv.Broadcast(m)
		return 0, ""
	})
}

// parse reads a publish request: a JSON envelope whose seq and ts may be left
// out (the server fills its own sequence number and the current time). Unknown
// fields are rejected.
func (p *publishHandler) parse(b []byte) (*Message, error) {
	env, hasSeq, hasTS, err := wire.ParseEnvelope(b, true)
	if err != nil {
		return nil, fmt.Errorf("invalid envelope: %w", err)
	}
	if strings.ContainsAny(env.Event, "\r\n") {
		return nil, errors.New("invalid envelope: event name contains a line break")
	}
	if env.Event == wire.SSEGapEvent {
		return nil, fmt.Errorf("invalid envelope: event name %q is reserved for the server", env.Event)
	}
	if !hasSeq {
		env.Seq = p.srv.hub.NextSeq()
	}
	if !hasTS {
		env.TS = time.Now().UnixNano()
	}
	return NewMessage(env), nil
}
