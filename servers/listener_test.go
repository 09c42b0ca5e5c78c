package servers_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pushbench/pushbench/servers"
)

// greeter is a fake raw-TCP transport: it greets each connection with a line
// and holds it open until shutdown. stubborn makes Serve ignore shutdown until
// release is closed, to check that Serve still returns within ShutdownTimeout.
type greeter struct {
	stubborn bool
	release  chan struct{}
}

var _ servers.ListenerTransport = (*greeter)(nil)

func (g *greeter) Name() string { return "greeter" }

func (g *greeter) Serve(ctx context.Context, ln net.Listener) error {
	var conns sync.WaitGroup
	defer conns.Wait()
	stop := context.AfterFunc(ctx, func() {
		if g.stubborn {
			<-g.release
		}
		ln.Close()
	})
	defer stop()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		conns.Go(func() {
			defer c.Close()
			_, _ = io.WriteString(c, "hello\n")
			select {
			case <-ctx.Done():
			case <-g.release:
			}
		})
	}
}

func TestListenerTransportShutsDownWithServer(t *testing.T) {
	tests := []struct {
		name     string
		stubborn bool
	}{
		{"ends at shutdown", false},
		{"ignores shutdown: Serve returns after the timeout", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := servers.New(servers.Config{ShutdownTimeout: 200 * time.Millisecond}, quiet)
			g := &greeter{stubborn: tt.stubborn, release: make(chan struct{})}
			defer close(g.release)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv.Attach(g, ln)
			if got := srv.Transports()[len(srv.Transports())-1]; got != g {
				t.Fatalf("attached transport not listed: %v", got)
			}
			_, stop := serveLoopback(t, srv)

			conn, err := net.DialTimeout("tcp", ln.Addr().String(), waitLimit)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetReadDeadline(time.Now().Add(waitLimit))
			r := bufio.NewReader(conn)
			if line, err := r.ReadString('\n'); err != nil || line != "hello\n" {
				t.Fatalf("greeting %q, %v", line, err)
			}

			err = recv(t, stop(), "Serve's return after shutdown")
			if tt.stubborn {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("Serve: %v, want the shutdown deadline exceeded", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Serve: %v", err)
			}
			if _, err := io.Copy(io.Discard, r); err != nil {
				t.Fatalf("connection not ended by shutdown: %v", err)
			}
		})
	}
}
