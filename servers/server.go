package servers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Server is the reference server: one hub shared by every push transport, a
// publish endpoint, and an optional built-in generator.
type Server struct {
	cfg   Config
	log   *slog.Logger
	clock clock
	hub   *Hub
	done  chan struct{} // closed when shutdown begins; streams end on it
	once  sync.Once
	mux   *http.ServeMux
	// handler is mux behind the Host check; hosts is the policy it applies,
	// widened by Serve to the address actually listened on.
	handler    http.Handler
	hosts      atomic.Pointer[hostPolicy]
	hostileLog *hostileLog
	// open holds the connections Serve accepted, for a shutdown that times out.
	open *connSet
	// transports are the push transports this server speaks; listeners are
	// the ListenerTransports among them with the listener each serves.
	transports []Transport
	listeners  []boundListener
	// conns tracks the goroutines of hijacked WebSocket connections, which
	// http.Server.Shutdown does not wait for. connMu orders Add against Close so
	// no goroutine is added once Shutdown may be waiting.
	connMu sync.Mutex
	conns  sync.WaitGroup
	// replay numbers, keeps and broadcasts every message (see Broadcast).
	replay *replayLog
	// live counts open streams and sockets per transport; metrics is the
	// registry GET /metrics serves (see metrics.go).
	live    openConns
	metrics *prometheus.Registry
}

// New builds a server from cfg (defaults filled in) logging to log.
func New(cfg Config, log *slog.Logger) *Server { return newServer(cfg, log, realClock{}) }

// newServer is New with the clock the server's timers run on; tests pass a fake.
func newServer(cfg Config, log *slog.Logger, clk clock) *Server {
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:   cfg,
		log:   log,
		clock: clk,
		hub:   NewHub(cfg.QueueLen, cfg.QueueBytes, cfg.SlowPolicy),
		done:  make(chan struct{}),
		mux:   http.NewServeMux(),
		open:  newConnSet(),
	}
	s.hostileLog = newHostileLog(log, clk)
	s.hosts.Store(newHostPolicy([]string{cfg.Addr}, cfg.AllowedHosts))
	s.handler = s.boundBodies(s.checkHost(s.mux))
	s.replay = newReplayLog(cfg, s.hub, clk.Now(), log)
	for _, t := range []HTTPTransport{&chunkedTransport{srv: s}, &sseTransport{srv: s}, newWSTransport(s), newSocketIOTransport(s)} {
		s.transports = append(s.transports, t)
		s.mux.Handle(t.Pattern(), t)
	}
	pub := &publishHandler{srv: s, upgrader: s.newUpgrader()}
	s.mux.Handle("POST /publish", pub)
	s.mux.Handle("GET /publish", pub)
	s.mux.HandleFunc("GET /stats", s.serveStats)
	s.metrics = newMetricsRegistry(s)
	s.mux.Handle("GET /metrics", metricsHandler(s.metrics))
	s.registerAdmin()
	servePage(s.mux)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	return s
}

// Transports lists the push transports this server speaks.
func (s *Server) Transports() []Transport { return s.transports }

// Handler is the server's HTTP handler, for httptest servers in tests. It
// checks the Host header against Config.Addr and Config.AllowedHosts.
func (s *Server) Handler() http.Handler { return s.handler }

// Hub exposes the broadcast hub, for tests and the built-in generator.
func (s *Server) Hub() *Hub { return s.hub }

// Config returns the configuration in force, defaults included.
func (s *Server) Config() Config { return s.cfg }

func (s *Server) serveStats(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.Stats())
}

// Stats are the server's figures as /stats serves them: the hub's counters
// (flat, as before), the process's goroutines (a soak watches them return to
// baseline), Engine.IO sessions, and the SSE replay buffer.
type Stats struct {
	HubStats
	// BytesWritten is every byte written to client sockets, all transports,
	// framing and HTTP headers included.
	BytesWritten int64       `json:"bytes_written"`
	Goroutines   int         `json:"goroutines"`
	EIOSessions  int         `json:"eio_sessions"`
	EIORefused   int64       `json:"eio_refused"`
	Replay       ReplayStats `json:"replay"`
}

// Stats reads the server's figures now.
func (s *Server) Stats() Stats {
	st := Stats{HubStats: s.hub.Stats(), BytesWritten: s.open.written.Load(), Goroutines: runtime.NumGoroutine(), Replay: s.replay.stats()}
	for _, t := range s.transports {
		if sio, ok := t.(*socketioTransport); ok {
			st.EIOSessions, st.EIORefused = sio.Sessions(), sio.refused.Load()
		}
	}
	return st
}

// forceCloseGrace bounds how long connection goroutines may take to end once
// their sockets are force-closed; past it shutdown has really failed.
const forceCloseGrace = 2 * time.Second

// Serve accepts HTTP connections on ln, and each attached ListenerTransport's
// connections on its own listener, until ctx is cancelled or one of them
// fails; then it shuts down gracefully: it stops accepting, ends every stream
// (WebSockets get close 1001), stops the listener transports, and returns
// within ShutdownTimeout. Connections still open then (clients that stopped
// reading) are force-closed, which is still a clean shutdown: Serve returns
// nil unless something failed. It refuses a non-loopback ln without a publish
// token (ErrTokenRequired) and warns when ln listens on every interface.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if err := CheckExposure(s.cfg, ln.Addr()); err != nil {
		return err
	}
	if bindsAllInterfaces(ln.Addr()) {
		s.log.Warn("listening on all interfaces: every network this machine is on can reach the server; listen on 127.0.0.1 unless that is what you want",
			"addr", ln.Addr().String())
	}
	s.hosts.Store(newHostPolicy([]string{s.cfg.Addr, ln.Addr().String()}, s.cfg.AllowedHosts))
	ln = trackedListener{Listener: ln, set: s.open}
	if err := s.replay.open(); err != nil {
		return err
	}
	defer func() {
		if err := s.replay.close(); err != nil {
			s.log.Error("close replay file", "err", err)
		}
	}()
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	hs.RegisterOnShutdown(s.Close)
	genCtx, stopGen := context.WithCancel(ctx)
	defer stopGen()
	if s.cfg.Rate > 0 {
		go s.generate(genCtx)
	}
	idleDone := make(chan struct{})
	go func() { defer close(idleDone); s.releaseWhenIdle(genCtx) }()
	defer func() { stopGen(); <-idleDone }()
	httpDone := make(chan error, 1)
	go func() { httpDone <- hs.Serve(ln) }()
	lctx, stopListeners := context.WithCancel(ctx)
	defer stopListeners()
	listeners := s.serveListeners(lctx)

	var failure error
	httpEnded := false
	select {
	case err := <-httpDone:
		failure = fmt.Errorf("serve %s: %w", ln.Addr(), err)
		httpEnded = true
	case err := <-listeners.ended:
		failure = err
		listeners.running--
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	stopListeners()
	err := hs.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		s.forceClose("http")
		err = hs.Close()
	}
	if !httpEnded {
		<-httpDone
	}
	err = errors.Join(err, listeners.wait(sctx))
	if werr := s.Shutdown(sctx); werr != nil {
		s.forceClose("websocket")
		gctx, gcancel := context.WithTimeout(context.Background(), forceCloseGrace)
		defer gcancel()
		err = errors.Join(err, s.Shutdown(gctx))
	}
	if err != nil {
		err = fmt.Errorf("shutdown: %w", err)
	}
	return errors.Join(failure, err)
}

// forceClose closes the connections still open when the shutdown timeout
// expired: clients that stopped reading, whose writes would block until the
// write timeout. Expected under load, so a warning, not an error.
func (s *Server) forceClose(what string) {
	if n := s.open.closeAll(); n > 0 {
		s.log.Warn("shutdown timeout expired: force-closed connections that did not end in time",
			"connections", n, "waiting_on", what, "timeout", s.cfg.ShutdownTimeout)
	}
}

// Close ends every stream and socket; it is what shutdown calls and is safe to
// call more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		s.connMu.Lock()
		close(s.done)
		s.connMu.Unlock()
		s.hub.Close()
	})
}

// goConn runs f in a goroutine that Shutdown waits for; it reports false, and
// runs nothing, once the server is closing.
func (s *Server) goConn(f func()) bool {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	select {
	case <-s.done:
		return false
	default:
	}
	s.conns.Add(1)
	go func() {
		defer s.conns.Done()
		f()
	}()
	return true
}

// Shutdown closes every stream and socket (WebSockets get close 1001) and
// waits until their goroutines have ended or ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	s.Close()
	finished := make(chan struct{})
	go func() { s.conns.Wait(); close(finished) }()
	select {
	case <-finished:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for websocket connections: %w", ctx.Err())
	}
}
