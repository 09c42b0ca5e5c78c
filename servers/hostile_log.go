package servers

import (
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// hostileLogEvery is how often each kind of hostile input is logged at most.
const hostileLogEvery = 10 * time.Second

// hostileLog logs refused and malformed requests at Warn, at most one line
// per kind per hostileLogEvery, each line counting the ones suppressed since
// the previous, so a flood of bad requests cannot flood the log.
type hostileLog struct {
	log   *slog.Logger
	clock clock
	mu    sync.Mutex
	kinds map[string]*hostileKind // keyed by the server's own kind names, so bounded
}

// hostileKind is the rate limit state of one kind.
type hostileKind struct {
	last       time.Time // when a line was last written
	suppressed int       // requests not logged since
}

func newHostileLog(log *slog.Logger, clk clock) *hostileLog {
	return &hostileLog{log: log, clock: clk, kinds: map[string]*hostileKind{}}
}

// record logs one hostile request of kind, or counts it when a line of that
// kind was written within hostileLogEvery. r and remote may be nil; remote
// names the peer when there is no request at hand.
func (h *hostileLog) record(kind string, r *http.Request, remote net.Addr, err error) {
	now := h.clock.Now()
	h.mu.Lock()
	k := h.kinds[kind]
	if k == nil {
		k = &hostileKind{}
		h.kinds[kind] = k
	} else if now.Sub(k.last) < hostileLogEvery {
		k.suppressed++
		h.mu.Unlock()
		return
	}
	suppressed := k.suppressed
	k.last, k.suppressed = now, 0
	h.mu.Unlock()
	attrs := []any{"kind", kind}
	switch {
	case r != nil:
		attrs = append(attrs, "remote", r.RemoteAddr, "method", r.Method, "path", r.URL.Path, "host", r.Host)
	case remote != nil:
		attrs = append(attrs, "remote", remote.String())
	}
	if err != nil {
		attrs = append(attrs, "err", err.Error())
	}
	attrs = append(attrs, "suppressed", suppressed)
	h.log.Warn("hostile input refused", attrs...)
}

// hostile logs a refused or malformed request of kind (rate-limited per kind;
// see hostileLog). Every server path that rejects client input calls it: kind
// names the check ("host", "token", "content-type", "publish-malformed",
// "publish-too-large", "ws-upgrade", ...), r is the request (nil when there
// is none at hand) and err says what was wrong.
func (s *Server) hostile(kind string, r *http.Request, err error) {
	s.hostileLog.record(kind, r, nil, err)
}

// hostileConn is hostile for a connection whose request is gone (a WebSocket
// or Engine.IO session after its upgrade): remote is conn.RemoteAddr().
func (s *Server) hostileConn(kind string, remote net.Addr, err error) {
	s.hostileLog.record(kind, nil, remote, err)
}

// remoteAddr is a request's RemoteAddr kept as a net.Addr for hostileConn
// once the request itself is gone.
type remoteAddr string

func (a remoteAddr) Network() string { return "tcp" }
func (a remoteAddr) String() string  { return string(a) }
