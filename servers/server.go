package servers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
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
		hub:   NewHub(cfg.QueueLen, cfg.SlowPolicy),
		done:  make(chan struct{}),
		mux:   http.NewServeMux(),
	}
	s.replay = newReplayLog(cfg, s.hub, clk.Now(), log)
	for _, t := range []HTTPTransport{&chunkedTransport{srv: s}, &sseTransport{srv: s}, newWSTransport(s), newSocketIOTransport(s)} {
		s.transports = append(s.transports, t)
		s.mux.Handle(t.Pattern(), t)
	}
	pub := &publishHandler{srv: s, upgrader: s.newUpgrader()}
	s.mux.Handle("POST /publish", pub)
	s.mux.Handle("GET /publish", pub)
	s.mux.HandleFunc("GET /stats", s.serveStats)
	servePage(s.mux)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	return s
}

// Transports lists the push transports this server speaks.
func (s *Server) Transports() []Transport { return s.transports }

// Handler is the server's HTTP handler, for httptest servers in tests.
func (s *Server) Handler() http.Handler { return s.mux }

// Hub exposes the broadcast hub, for tests and the built-in generator.
func (s *Server) Hub() *Hub { return s.hub }

// Config returns the configuration in force, defaults included.
func (s *Server) Config() Config { return s.cfg }

func (s *Server) serveStats(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.hub.Stats())
}

// Serve accepts HTTP connections on ln, and each attached ListenerTransport's
// connections on its own listener, until ctx is cancelled or one of them
// fails; then it shuts down gracefully: it stops accepting, ends every stream
// (WebSockets get close 1001), stops the listener transports, and returns
// within ShutdownTimeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if err := s.replay.open(); err != nil {
		return err
	}
	defer func() {
		if err := s.replay.close(); err != nil {
			s.log.Error("close replay file", "err", err)
		}
	}()
	hs := &http.Server{
		Handler:           s.mux,
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
		err = hs.Close()
	}
	if !httpEnded {
		<-httpDone
	}
	err = errors.Join(err, listeners.wait(sctx), s.Shutdown(sctx))
	if err != nil {
		err = fmt.Errorf("shutdown: %w", err)
	}
	return errors.Join(failure, err)
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
