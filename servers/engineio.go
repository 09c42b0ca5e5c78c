package servers

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
// every hub broadcast as the event "msg".
type socketioTransport struct {
	srv      *Server
	upgrader websocket.Upgrader

	mu       sync.Mutex
	sessions map[string]*eioSession
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
	eioUnsupportedVersion = 5
)

var eioMessages = map[int]string{
	eioUnknownTransport:   "Transport unknown",
	eioUnknownSID:         "Session ID unknown",
	eioBadHandshakeMethod: "Bad handshake method",
	eioBadRequest:         "Bad request",
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
	q := r.URL.Query()
	if q.Get("EIO") != "4" {
		eioError(w, http.StatusBadRequest, eioUnsupportedVersion, "")
		return
	}
	transport := q.Get("transport")
	if transport != "polling" && transport != "websocket" {
		eioError(w, http.StatusBadRequest, eioUnknownTransport, "")
		return
	}
	sid := q.Get("sid")
	if sid == "" {
		if r.Method != http.MethodGet {
			eioError(w, http.StatusBadRequest, eioBadHandshakeMethod, "")
			return
		}
		if transport == "websocket" {
			t.openWebSocket(w, r)
		} else {
			t.openPolling(w)
		}
		return
	}
	sess := t.lookup(sid)
	if sess == nil {
		eioError(w, http.StatusBadRequest, eioUnknownSID, "")
		return
	}
	switch {
	case transport == "websocket":
		sess.upgrade(w, r)
	case sess.isUpgraded():
		eioError(w, http.StatusBadRequest, eioBadRequest, "session has upgraded to websocket")
	case r.Method == http.MethodGet:
		sess.poll(w, r)
	case r.Method == http.MethodPost:
		sess.receivePost(w, r)
	default:
		eioError(w, http.StatusBadRequest, eioBadRequest, "")
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

// newSession registers a session, or returns nil once the server is closing.
func (t *socketioTransport) newSession() *eioSession {
	s := &eioSession{
		t:        t,
		sid:      newSID(),
		out:      make(chan wire.EIOPacket, 1024),
		closed:   make(chan struct{}),
		pong:     make(chan struct{}, 1),
		probed:   make(chan struct{}),
		upgraded: make(chan struct{}),
		sockets:  map[string]string{},
	}
	t.mu.Lock()
	t.sessions[s.sid] = s
	t.mu.Unlock()
	// A session must join a namespace promptly, as the official server requires.
	s.mu.Lock()
	s.connectTimer = time.AfterFunc(t.srv.cfg.SocketIO.ConnectTimeout, func() {
		if !s.joined.Load() {
			s.close("no CONNECT within the connect timeout")
		}
	})
	s.mu.Unlock()
	if !t.srv.goConn(s.heartbeat) {
		s.close("server shutting down")
		return nil
	}
	return s
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

func (t *socketioTransport) openPolling(w http.ResponseWriter) {
	s := t.newSession()
	if s == nil {
		eioError(w, http.StatusServiceUnavailable, eioBadRequest, "server is shutting down")
		return
	}
	writePollingPayload(w, []wire.EIOPacket{t.handshake(s, []string{"websocket"})})
}

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

func writePollingPayload(w http.ResponseWriter, packets []wire.EIOPacket) {
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(wire.AppendEIOPayload(nil, packets))
}

func writeEIOFrame(conn *websocket.Conn, p wire.EIOPacket) error {
	if p.Binary {
		return conn.WriteMessage(websocket.BinaryMessage, p.Data)
	}
	return conn.WriteMessage(websocket.TextMessage, wire.AppendEIOText(nil, p))
}

// eioSession is one Engine.IO connection, over polling until it upgrades to
// WebSocket. Outgoing packets wait in a bounded queue (control packets, acks)
// or in the hub subscription (broadcasts); whichever transport is current
// drains them. Incoming packets are handled one at a time under in.
type eioSession struct {
	t   *socketioTransport
	sid string

	out       chan wire.EIOPacket
	closed    chan struct{}
	closeOnce sync.Once
	pong      chan struct{}
	probed    chan struct{} // a probe arrived: the pending poll answers noop
	upgraded  chan struct{} // the session's transport is now WebSocket

	mu      sync.Mutex // guards the fields below
	ws      *websocket.Conn
	polling bool
	posting bool
	sub     *Subscriber // set while "/" is connected

	in      sync.Mutex // serializes packet handling
	sockets map[string]string
	binary  *pendingBinary

	joined       atomic.Bool // a namespace was joined
	connectTimer *time.Timer // guarded by mu
}

func (s *eioSession) isUpgraded() bool {
	select {
	case <-s.upgraded:
		return true
	default:
		return false
	}
}

// send queues a packet for the client; a client too slow to take 1024 queued
// packets is disconnected rather than buffered without bound.
func (s *eioSession) send(p wire.EIOPacket) {
	select {
	case s.out <- p:
	case <-s.closed:
	default:
		s.close("send queue full")
	}
}

func (s *eioSession) close(reason string) {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.t.forget(s.sid)
		s.mu.Lock()
		if s.connectTimer != nil {
			s.connectTimer.Stop()
		}
		if s.sub != nil {
			s.t.srv.hub.Unsubscribe(s.sub)
			s.sub = nil
		}
		s.mu.Unlock()
		s.t.srv.log.Debug("engine.io session closed", "sid", s.sid, "reason", reason)
	})
}

func (s *eioSession) broadcasts() (<-chan *Message, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sub == nil {
		return nil, nil
	}
	return s.sub.C, s.sub.Kicked
}

// outPacket is one packet to send: a queued packet, or a hub broadcast whose
// encodings are shared by every session.
type outPacket struct {
	wire.EIOPacket
	broadcast *Message
}

var closePacket = []outPacket{{EIOPacket: wire.EIOPacket{Type: wire.EIOClose}}}

// collect waits for the first outgoing packet, then takes whatever else is
// already queued, up to maxPayload bytes. It returns nil when stop fires, and
// a close packet once the session is closed.
func (s *eioSession) collect(ctx context.Context, stop <-chan struct{}) []outPacket {
	max := s.t.srv.cfg.SocketIO.MaxPayload
	var batch []outPacket
	size := 0
	add := func(p wire.EIOPacket) {
		batch = append(batch, outPacket{EIOPacket: p})
		size += len(p.Data) + 2
	}
	addBroadcast := func(m *Message) {
		batch = append(batch, outPacket{EIOPacket: wire.EIOPacket{Type: wire.EIOMessage, Data: m.SocketIOEvent()}, broadcast: m})
		size += len(m.SocketIOEvent()) + 2
	}
	msgs, kicked := s.broadcasts()
	select {
	case p := <-s.out:
		add(p)
	case m := <-msgs:
		addBroadcast(m)
	case <-kicked:
		s.close("subscriber too slow")
		return closePacket
	case <-s.closed:
		return closePacket
	case <-s.t.srv.done:
		s.close("server shutting down")
		return closePacket
	case <-stop:
		return nil
	case <-ctx.Done():
		return nil
	}
	msgs, _ = s.broadcasts()
	for size < max {
		select {
		case p := <-s.out:
			add(p)
			continue
		case m := <-msgs:
			addBroadcast(m)
			continue
		default:
		}
		break
	}
	return batch
}

// heartbeat is the server-driven Engine.IO v4 heartbeat: a ping every
// pingInterval, and the session closes when no pong arrives within pingTimeout.
func (s *eioSession) heartbeat() {
	cfg := s.t.srv.cfg.SocketIO
	t := time.NewTimer(cfg.PingInterval)
	defer t.Stop()
	for {
		if _, alive := s.await(t.C, nil); !alive {
			return
		}
		select {
		case <-s.pong: // a stale pong does not answer this ping
		default:
		}
		s.send(wire.EIOPacket{Type: wire.EIOPing})
		t.Reset(cfg.PingTimeout)
		expired, alive := s.await(t.C, s.pong)
		if !alive {
			return
		}
		if expired {
			s.close("ping timeout")
			return
		}
		// Since Go 1.23 Reset needs no drain: no stale tick can be received.
		t.Reset(cfg.PingInterval)
	}
}

// await waits for the timer, or a pong when pong is not nil. alive is false
// when the session or the server ended first.
func (s *eioSession) await(timer <-chan time.Time, pong <-chan struct{}) (expired, alive bool) {
	select {
	case <-s.closed:
		return false, false
	case <-s.t.srv.done:
		s.close("server shutting down")
		return false, false
	case <-timer:
		return true, true
	case <-pong:
		return false, true
	}
}

// exclusive claims busy (s.polling or s.posting) for one request. The protocol
// allows one GET and one POST at a time; a second one ends the session, as the
// official server does, and is answered 400.
func (s *eioSession) exclusive(w http.ResponseWriter, busy *bool, what string) (release func(), ok bool) {
	s.mu.Lock()
	taken := *busy
	*busy = true
	s.mu.Unlock()
	if taken {
		s.close(what)
		eioError(w, http.StatusBadRequest, eioBadRequest, what)
		return nil, false
	}
	return func() { s.mu.Lock(); *busy = false; s.mu.Unlock() }, true
}

// poll answers one long-polling GET with everything queued, waiting for the
// first packet. Two concurrent GETs end the session, as the official server
// does.
func (s *eioSession) poll(w http.ResponseWriter, r *http.Request) {
	release, ok := s.exclusive(w, &s.polling, "overlapping polls")
	if !ok {
		return
	}
	defer release()
	batch := s.collect(r.Context(), s.probed)
	if batch == nil {
		if r.Context().Err() != nil {
			return
		}
		batch = []outPacket{{EIOPacket: wire.EIOPacket{Type: wire.EIONoop}}} // a probe: release the poll
	}
	packets := make([]wire.EIOPacket, len(batch))
	for i, p := range batch {
		packets[i] = p.EIOPacket
	}
	writePollingPayload(w, packets)
}

// receivePost handles one polling POST: a payload of packets, at most
// maxPayload bytes.
func (s *eioSession) receivePost(w http.ResponseWriter, r *http.Request) {
	release, ok := s.exclusive(w, &s.posting, "overlapping posts")
	if !ok {
		return
	}
	defer release()
	max := s.t.srv.cfg.SocketIO.MaxPayload
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(max)))
	if err != nil {
		s.close("payload too large")
		eioError(w, http.StatusRequestEntityTooLarge, eioBadRequest, fmt.Sprintf("payload larger than maxPayload (%d bytes)", max))
		return
	}
	packets, err := wire.ParseEIOPayload(body)
	if err != nil {
		s.close(err.Error())
		eioError(w, http.StatusBadRequest, eioBadRequest, err.Error())
		return
	}
	for _, p := range packets {
		if err := s.handle(p); err != nil {
			s.close(err.Error())
			break
		}
	}
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, "ok")
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
	close(s.probed)
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
		batch := s.collect(context.Background(), nil)
		for _, p := range batch {
			if p.Type == wire.EIOClose && !p.Binary {
				return // Engine.IO closes a WebSocket by closing the socket
			}
			_ = conn.SetWriteDeadline(time.Now().Add(s.t.srv.cfg.WriteTimeout))
			var err error
			if p.broadcast != nil {
				var pm *websocket.PreparedMessage
				if pm, err = p.broadcast.SocketIOFrame(); err == nil {
					err = conn.WritePreparedMessage(pm)
				}
			} else {
				err = writeEIOFrame(conn, p.EIOPacket)
			}
			if err != nil {
				s.close("write: " + err.Error())
				return
			}
		}
	}
}

// handle processes one incoming Engine.IO packet.
func (s *eioSession) handle(p wire.EIOPacket) error {
	s.in.Lock()
	defer s.in.Unlock()
	switch {
	case p.Binary:
		return s.attachment(p.Data)
	case p.Type == wire.EIOPong:
		select {
		case s.pong <- struct{}{}:
		default:
		}
	case p.Type == wire.EIOMessage:
		return s.socketIO(p.Data)
	case p.Type == wire.EIOClose:
		s.close("client closed")
	case p.Type == wire.EIONoop:
	case p.Type == wire.EIOPing:
		return errors.New("ping from client: in Engine.IO v4 the server pings")
	default:
		return fmt.Errorf("unexpected packet type %q", p.Type)
	}
	return nil
}
