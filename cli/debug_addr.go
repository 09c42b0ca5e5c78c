package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// debugShutdownGrace bounds how long the debug listener waits for a running
// profile request once the server stops; then it is closed.
const debugShutdownGrace = time.Second

// checkDebugAddr refuses a --debug-addr off loopback: pprof shows the
// process's memory, goroutines and command line, and lets anyone who reaches
// it spend the server's CPU on profiles.
func checkDebugAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--debug-addr %q: want HOST:PORT on loopback, e.g. 127.0.0.1:6060: %w", addr, err)
	}
	if !isLoopbackHost(host) {
		return fmt.Errorf("--debug-addr %q: host %q is not loopback (127.0.0.0/8, ::1, localhost): pprof exposes the process's memory and command line, so it listens on loopback only", addr, host)
	}
	return nil
}

// debugMux serves the net/http/pprof handlers under /debug/pprof/ on a mux of
// its own, so nothing registered on http.DefaultServeMux is exposed.
func debugMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// startDebugServer listens on addr (checked by checkDebugAddr) and serves
// pprof there. stop shuts it down, waiting at most debugShutdownGrace for
// requests in flight (a CPU profile runs for seconds).
func startDebugServer(addr string, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--debug-addr: listen: %w", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, usageError{fmt.Errorf("--debug-addr %q: bound %s, which is not loopback: pprof listens on loopback only", addr, ln.Addr())}
	}
	log.Info("serving pprof", "debug_addr", ln.Addr().String(), "endpoints", "/debug/pprof/")
	return serveSideListener(ln, debugMux(), "debug listener", log), nil
}

// serveSideListener serves h on ln, a side listener beside the main work
// (pprof, live metrics), until the returned stop, which waits at most
// debugShutdownGrace for requests in flight (a CPU profile runs for seconds).
func serveSideListener(ln net.Listener, h http.Handler, name string, log *slog.Logger) (stop func()) {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error(name, "addr", ln.Addr().String(), "err", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), debugShutdownGrace)
		defer cancel()
		if err := hs.Shutdown(ctx); err != nil {
			hs.Close()
		}
		<-done
	}
}
