package servers

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/internal/wire"
)

// socketioTransport serves Engine.IO v4 with Socket.IO v5 on top at /socket.io/:
// the polling handshake, long-polling, direct WebSocket, the polling-to-WebSocket
// upgrade, and the server-driven heartbeat. Sockets of the "/" namespace receive
// every hub broadcast as the event "msg". This file routes requests, answers
// Engine.IO errors and keeps the session registry.
type socketioTransport struct {
	srv      *Server
	upgrader websocket.Upgrader

	mu       sync.Mutex
	sessions map[string]*eioSession
	refused  atomic.Int64 // handshakes refused for MaxSessions
}

func newSocketIOTransport(s *Server) *socketioTransport {
	t := &socketioTransport{srv: s, upgrader: s.newUpgrader(), sessions: map[string]*eioSession{}}
	t.upgrader.Error = func(w http.ResponseWriter, _ *http.Request, status int, reason error) {
		eioError(w, status, eioBadRequest, reason.Error())
	}
	return t
}

func (t *socketioTransport) Name() string    { return "socketio" }
func (t *socketioTransport) Pattern() string { return "/socket.io/" }

// Engine.IO error codes, sent as {"code":N,"message":"..."} with status 400.
const (
	eioUnknownTransport   = 0
	eioUnknownSID         = 1
	eioBadHandshakeMethod = 2
	eioBadRequest         = 3
	eioForbidden          = 4
	eioUnsupportedVersion = 5
)

var eioMessages = map[int]string{
	eioUnknownTransport:   "Transport unknown",
	eioUnknownSID:         "Session ID unknown",
	eioBadHandshakeMethod: "Bad handshake method",
	eioBadRequest:         "Bad request",
	eioForbidden:          "Forbidden",
	eioUnsupportedVersion: "Unsupported protocol version",
}

// eioError answers as the official server does; detail, when set, replaces the
// standard message so a client learns what exactly was wrong.
func eioError(w http.ResponseWriter, status, code int, detail string) {
	msg := eioMessages[code]
	if detail != "" {
		msg = detail
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{code, msg})
}

func (t *socketioTransport) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.srv.allowCORS(w.Header(), r)
	// refuse answers a request the protocol does not allow, as the
	// official server does, and notes it in the hostile-input log.
	refuse := func(status, code int, detail string) {
		t.srv.hostile("eio-request", r, fmt.Errorf("engine.io error %d %s", code, detail))
		eioError(w, status, code, detail)
	}
	q := r.URL.Query()
	if q.Get("EIO") != "4" {
		refuse(http.StatusBadRequest, eioUnsupportedVersion, "")
		return
	}
	transport := q.Get("transport")
	if transport != "polling" && transport != "websocket" {
		refuse(http.StatusBadRequest, eioUnknownTransport, "")
		return
	}
	sid := q.Get("sid")
	if sid == "" {
		if r.Method != http.MethodGet {
			refuse(http.StatusBadRequest, eioBadHandshakeMethod, "")
			return
		}
		if transport == "websocket" {
			t.openWebSocket(w, r)
		} else {
			t.openPolling(w, r)
		}
		return
	}
	sess := t.lookup(sid)
	if sess == nil {
		refuse(http.StatusBadRequest, eioUnknownSID, "")
		return
	}
	sess.touch()
	switch {
	case transport == "websocket":
		sess.upgrade(w, r)
	case sess.isUpgraded():
		refuse(http.StatusBadRequest, eioBadRequest, "session has upgraded to websocket")
	case r.Method == http.MethodGet:
		sess.poll(w, r)
	case r.Method == http.MethodPost:
		sess.receivePost(w, r)
	default:
		refuse(http.StatusBadRequest, eioBadRequest, "")
	}
}

func (t *socketioTransport) lookup(sid string) *eioSession {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sessions[sid]
}

func (t *socketioTransport) forget(sid string) {
	t.mu.Lock()
	delete(t.sessions, sid)
	t.mu.Unlock()
}

// newSID returns a random 20-character id like the official server's.
func newSID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Why a handshake gets no session.
var (
	errShuttingDown    = errors.New("server is shutting down")
	errTooManySessions = errors.New("too many Engine.IO sessions")
)

// refuseSession answers a handshake newSession refused: 503 with the
// Engine.IO error body (code 4, as the official server's refusals carry), so a
// client backs off and retries.
func (t *socketioTransport) refuseSession(w http.ResponseWriter, err error) {
	msg := err.Error()
	if errors.Is(err, errTooManySessions) {
		msg = fmt.Sprintf("%s: at most %d", msg, t.srv.cfg.SocketIO.MaxSessions)
	}
	w.Header().Set("Retry-After", "1")
	eioError(w, http.StatusServiceUnavailable, eioForbidden, msg)
}

// newSession registers a session; it refuses once the server is closing or
// holds MaxSessions sessions. A session must join a namespace within
// ConnectTimeout, as the official server requires, and a polling one must
// make a request within HandshakeTimeout, so a handshake flood holds its
// sessions only that long.
func (t *socketioTransport) newSession(polling bool, remote string) (*eioSession, error) {
	probed, probe := context.WithCancel(context.Background())
	s := &eioSession{
		t:        t,
		sid:      newSID(),
		remote:   remoteAddr(remote),
		out:      make(chan wire.EIOPacket, eioQueueLen),
		room:     make(chan struct{}, 1),
		closed:   make(chan struct{}),
		pong:     make(chan struct{}, 1),
		probed:   probed,
		probe:    probe,
		upgraded: make(chan struct{}),
		sockets:  map[string]string{},
	}
	t.mu.Lock()
	if len(t.sessions) >= t.srv.cfg.SocketIO.MaxSessions {
		n := len(t.sessions)
		t.mu.Unlock()
		probe()
		t.refused.Add(1)
		t.srv.log.Debug("engine.io handshake refused", "sessions", n, "max", t.srv.cfg.SocketIO.MaxSessions)
		return nil, errTooManySessions
	}
	t.sessions[s.sid] = s
	t.mu.Unlock()
	cfg := t.srv.cfg.SocketIO
	s.mu.Lock()
	s.connectTimer = t.srv.clock.AfterFunc(cfg.ConnectTimeout, func() {
		if !s.joined.Load() {
			s.close("no CONNECT within the connect timeout")
		}
	})
	if polling {
		s.unusedTimer = t.srv.clock.AfterFunc(cfg.HandshakeTimeout, func() {
			if !s.touched.Load() {
				s.close("no request within the handshake timeout")
			}
		})
	}
	s.mu.Unlock()
	if !t.srv.goConn(s.heartbeat) {
		s.close("server shutting down")
		return nil, errShuttingDown
	}
	return s, nil
}

// Sessions is how many Engine.IO sessions are open.
func (t *socketioTransport) Sessions() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.sessions)
}

func (t *socketioTransport) handshake(s *eioSession, upgrades []string) wire.EIOPacket {
	cfg := t.srv.cfg.SocketIO
	b, _ := json.Marshal(wire.EIOHandshake{
		SID:          s.sid,
		Upgrades:     upgrades,
		PingInterval: int(cfg.PingInterval / time.Millisecond),
		PingTimeout:  int(cfg.PingTimeout / time.Millisecond),
		MaxPayload:   cfg.MaxPayload,
	})
	return wire.EIOPacket{Type: wire.EIOOpen, Data: b}
}
