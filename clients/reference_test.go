package clients_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/internal/wire"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

// readEnvelope reads one message from conn within a few seconds and decodes it.
func readEnvelope(t *testing.T, conn clients.Conn) wire.Envelope {
	t.Helper()
	type read struct {
		msg []byte
		err error
	}
	got := make(chan read, 1)
	go func() {
		f, err := conn.Read()
		msg := f.Data
		got <- read{msg, err}
	}()
	select {
	case r := <-got:
		if r.err != nil {
			t.Fatalf("read: %v", r.err)
		}
		env, err := wire.DecodeEnvelope(r.msg)
		if err != nil {
			t.Fatal(err)
		}
		return env
	case <-time.After(5 * time.Second):
		conn.Close() // unblocks the reader so the goroutine ends
		select {
		case <-got:
		case <-time.After(5 * time.Second):
			t.Fatal("no message within 5s, and Close did not end the blocked Read")
		}
		t.Fatal("no message within 5s")
	}
	return wire.Envelope{}
}

// waitSubscribers waits up to five seconds until srv's hub has n subscribers:
// a WebSocket server subscribes only after the upgrade the client saw.
func waitSubscribers(t *testing.T, srv *servers.Server, n int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for srv.Hub().Stats().Subscribers != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscribers after 5s, want %d", srv.Hub().Stats().Subscribers, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestEveryTransportAgainstTheReferenceServer checks each registry entry
// against what its client does: the connect phases it reports, whether Write
// works, and that a message goes through (echoed, or published to it).
func TestEveryTransportAgainstTheReferenceServer(t *testing.T) {
	for _, entry := range clients.Entries() {
		t.Run(string(entry.Name), func(t *testing.T) {
			srv, base, tcpURL := servertest.StartTCP(t, servers.Config{})
			url := entry.Endpoint(base)
			if entry.OwnListener {
				url = tcpURL
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opts := clients.NewDialOptions(sinceClock{time.Now()}, 5*time.Second)
			defer opts.Close()
			conn, tm, err := entry.New().Dial(ctx, url, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			var phases []string
			for _, p := range tm.Phases {
				phases = append(phases, p.Name)
				if p.At <= 0 || p.At > tm.Ready {
					t.Errorf("phase %s at %s, want in (0, ready %s]", p.Name, p.At, tm.Ready)
				}
			}
			if !slices.Equal(phases, entry.Phases) {
				t.Errorf("dial reported phases %v, registry says %v", phases, entry.Phases)
			}
			if tm.TCP <= 0 || tm.TCP > tm.Ready {
				t.Errorf("timings %+v: want 0 < tcp <= ready", tm)
			}

			want := wire.Envelope{Seq: 7, TS: 42, Topic: "clients-test", Data: wire.Payload(16)}
			err = conn.Write(want.AppendJSON(nil))
			switch {
			case entry.Bidirectional && err != nil:
				t.Fatalf("write on a bidirectional transport: %v", err)
			case !entry.Bidirectional && !errors.Is(err, clients.ErrReceiveOnly):
				t.Fatalf("write on a receive-only transport: %v, want ErrReceiveOnly", err)
			case !entry.Bidirectional:
				waitSubscribers(t, srv, 1)
				publishOne(t, ctx, base+"/publish", opts, want)
			}
			if got := readEnvelope(t, conn); got != want {
				t.Fatalf("got %+v, want %+v", got, want)
			}
			if conn.BytesRead() <= 0 {
				t.Errorf("BytesRead %d after a message", conn.BytesRead())
			}
		})
	}
}

// publishOne publishes env to url through a fresh publisher and closes it.
func publishOne(t *testing.T, ctx context.Context, url string, opts clients.DialOptions, env wire.Envelope) {
	t.Helper()
	pub, err := clients.DialPublisher(ctx, url, opts, func(err error) { t.Errorf("publish: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Publish(env.AppendJSON(nil)); err != nil {
		t.Fatal(err)
	}
	pub.Close()
}

func TestPublisherOverWebSocketAndHTTP(t *testing.T) {
	for i, scheme := range []string{"ws", "http"} {
		t.Run(scheme, func(t *testing.T) {
			srv, base := servertest.Start(t, servers.Config{})
			url := base + "/publish"
			if scheme == "ws" {
				url = wsURL(url)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			conn, _, err := dial(t, ctx, clients.WS, wsURL(base)+"/ws", 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			waitSubscribers(t, srv, 1)
			opts := clients.NewDialOptions(sinceClock{time.Now()}, 5*time.Second)
			defer opts.Close()
			pub, err := clients.DialPublisher(ctx, url, opts, func(err error) { t.Errorf("publish: %v", err) })
			if err != nil {
				t.Fatal(err)
			}
			defer pub.Close()
			want := wire.Envelope{Seq: uint64(i + 1), TS: 1, Topic: "pub", Data: wire.Payload(8)}
			if err := pub.Publish(want.AppendJSON(nil)); err != nil {
				t.Fatal(err)
			}
			if got := readEnvelope(t, conn); got != want {
				t.Fatalf("got %+v, want %+v", got, want)
			}
			pub.Close() // twice is allowed
		})
	}
}

func TestDialPublisherRejectsOtherSchemes(t *testing.T) {
	opts := clients.NewDialOptions(sinceClock{time.Now()}, time.Second)
	defer opts.Close()
	_, err := clients.DialPublisher(context.Background(), "ftp://x/publish", opts, func(error) {})
	if err == nil {
		t.Fatal("ftp:// publisher accepted")
	}
}
