package clients_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/internal/wire"
	"github.com/pushbench/pushbench/servers"
)

// peerListener records the remote IP of every connection it accepts.
type peerListener struct {
	net.Listener
	mu  sync.Mutex
	ips []string
}

func (l *peerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
		l.mu.Lock()
		l.ips = append(l.ips, host)
		l.mu.Unlock()
	}
	return c, err
}

func (l *peerListener) seen() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.ips...)
}

// startRecordedReference runs the reference server (its tcp transport on a
// listener of its own) with both listeners recording their peers' IPs, and
// returns it, its base URL, its tcp URL and the recorders.
func startRecordedReference(t *testing.T) (*servers.Server, string, string, *peerListener, *peerListener) {
	t.Helper()
	srv := servers.New(servers.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ts := httptest.NewUnstartedServer(srv.Handler())
	httpPeers := &peerListener{Listener: ts.Listener}
	ts.Listener = httpPeers
	ts.Start()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tcpPeers := &peerListener{Listener: ln}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.TCPTransport().Serve(ctx, tcpPeers) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-served:
		case <-time.After(5 * time.Second):
			t.Errorf("tcp transport: still serving 5s after shutdown")
		}
		sctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
		defer stop()
		if err := srv.Shutdown(sctx); err != nil {
			t.Errorf("reference server: %v", err)
		}
		ts.Close()
	})
	return srv, ts.URL, "tcp://" + ln.Addr().String(), httpPeers, tcpPeers
}

// TestEveryTransportBindsItsLocalAddress dials each transport with
// LocalAddr set: the server sees every one of its connections (a polling
// client's GET and POST both) come from that address, and a message still
// goes through.
func TestEveryTransportBindsItsLocalAddress(t *testing.T) {
	const local = "127.0.0.3"
	for _, entry := range clients.Entries() {
		t.Run(string(entry.Name), func(t *testing.T) {
			srv, base, tcpURL, httpPeers, tcpPeers := startRecordedReference(t)
			url, peers := entry.Endpoint(base), httpPeers
			if entry.OwnListener {
				url, peers = tcpURL, tcpPeers
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opts := clients.NewDialOptions(sinceClock{time.Now()}, 5*time.Second)
			defer opts.Close()
			opts.LocalAddr = local
			conn, _, err := entry.New().Dial(ctx, url, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			want := wire.Envelope{Seq: 1, TS: 1, Topic: "bound", Data: wire.Payload(8)}
			var ips []string // the transport's own connections, not the publisher's
			if entry.Bidirectional {
				if err := conn.Write(want.AppendJSON(nil)); err != nil {
					t.Fatal(err)
				}
			} else {
				waitSubscribers(t, srv, 1)
				ips = peers.seen()
				pubOpts := opts
				pubOpts.LocalAddr = "" // the publisher leaves unbound
				publishOne(t, ctx, base+"/publish", pubOpts, want)
			}
			if got := readEnvelope(t, conn); got != want {
				t.Fatalf("got %+v, want %+v", got, want)
			}
			if entry.Bidirectional {
				ips = peers.seen()
			}
			if len(ips) == 0 {
				t.Fatal("the server saw no connection")
			}
			for _, ip := range ips {
				if ip != local {
					t.Fatalf("the server saw connections from %v, want all from %s", ips, local)
				}
			}
		})
	}
}

// TestBadLocalAddressNamesIt: an address that is not an IP, or one this
// machine does not have, fails the dial naming it, not some later phase.
func TestBadLocalAddressNamesIt(t *testing.T) {
	_, base, tcpURL, _, _ := startRecordedReference(t)
	tests := []struct {
		name, local, want string
	}{
		{"not an IP", "localhost", `local address "localhost": not an IP address`},
		{"not this machine's", "192.0.2.1", "192.0.2.1"},
	}
	for _, entry := range clients.Entries() {
		for _, tt := range tests {
			t.Run(string(entry.Name)+"/"+tt.name, func(t *testing.T) {
				url := entry.Endpoint(base)
				if entry.OwnListener {
					url = tcpURL
				}
				opts := clients.NewDialOptions(sinceClock{time.Now()}, 2*time.Second)
				defer opts.Close()
				opts.LocalAddr = tt.local
				conn, _, err := entry.New().Dial(context.Background(), url, opts)
				if err == nil {
					conn.Close()
					t.Fatalf("dial from %s succeeded", tt.local)
				}
				if !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error %q does not name %q", err, tt.want)
				}
			})
		}
	}
}
