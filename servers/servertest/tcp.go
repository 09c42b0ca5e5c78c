package servertest

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/pushbench/pushbench/servers"
)

// StartTCP is Start with the tcp transport served too, on a loopback port of
// its own, as pushbench serve --tcp-addr serves it; it returns the server,
// its base URL and the tcp transport's URL (tcp://127.0.0.1:PORT).
func StartTCP(t testing.TB, cfg servers.Config) (*servers.Server, string, string) {
	t.Helper()
	srv, base := Start(t, cfg)
	return srv, base, ServeTCP(t, srv)
}

// ServeTCP serves srv's tcp transport on a loopback port until the test
// ends and returns its tcp:// URL. Cleanup stops it before the server shuts
// down, failing the test if its connections do not end within five seconds.
func ServeTCP(t testing.TB, srv *servers.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.TCPTransport().Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("tcp transport: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("tcp transport: connections still open 5s after shutdown")
		}
	})
	return "tcp://" + ln.Addr().String()
}
