// Package servertest starts pushbench's reference server inside a test, the way
// net/http/httptest starts a handler, and tears it down with the test.
package servertest

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pushbench/pushbench/servers"
)

// Start runs a reference server with cfg on a loopback port and returns it and
// its base URL (http://127.0.0.1:PORT). Cleanup shuts it down, failing the
// test if its connections do not end within five seconds.
func Start(t testing.TB, cfg servers.Config) (*servers.Server, string) {
	t.Helper()
	srv := servers.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return srv, Serve(t, srv)
}

// Serve runs srv, built by the caller (with a fake clock, say), on a loopback
// port like Start and returns its base URL.
func Serve(t testing.TB, srv *servers.Server) string {
	t.Helper()
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("reference server: %v", err)
		}
		ts.Close()
	})
	return ts.URL
}
