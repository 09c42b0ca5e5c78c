package servers_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/internal/wire"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

// tcpClient is a raw TCP connection to the tcp transport with a line reader.
type tcpClient struct {
	net.Conn
	lines *bufio.Reader
}

// dialTCP connects to a tcp:// URL; the connection is closed when the test ends.
func dialTCP(t *testing.T, url string) *tcpClient {
	t.Helper()
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "tcp://"), waitLimit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &tcpClient{Conn: c, lines: bufio.NewReader(c)}
}

// readLine reads the next line, heartbeats included, within waitLimit.
func (c *tcpClient) readLine(t *testing.T) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(waitLimit))
	line, err := c.lines.ReadString('\n')
	if err != nil {
		t.Fatalf("read a line: %v (got %q)", err, line)
	}
	return line
}

// readMessage reads the next line that is not a heartbeat.
func (c *tcpClient) readMessage(t *testing.T) string {
	t.Helper()
	for {
		if line := c.readLine(t); line != "\n" {
			return line
		}
	}
}

// readEOF waits for the server to close the connection, reading past
// whatever it still sent.
func (c *tcpClient) readEOF(t *testing.T) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(2 * waitLimit))
	if _, err := io.Copy(io.Discard, c.lines); err != nil {
		t.Fatalf("connection not closed by the server: %v", err)
	}
}

func TestTCPTransportBroadcastsLinesHeartbeatsAndCounts(t *testing.T) {
	srv, base, url := servertest.StartTCP(t, servers.Config{Heartbeat: 50 * time.Millisecond})
	a, b := dialTCP(t, url), dialTCP(t, url)
	waitSubscribers(t, srv, 2)
	eventually(t, "/metrics counts 2 tcp connections", func() bool {
		return metricValue(scrape(t, base), "pushbench_server_connections", "transport", "tcp") == 2
	})

	publish(t, base, `{"seq":5,"ts":6,"topic":"t","data":"hi"}`)
	want := `{"seq":5,"ts":6,"topic":"t","data":"hi"}` + "\n"
	for _, c := range []*tcpClient{a, b} {
		if got := c.readMessage(t); got != want {
			t.Fatalf("got %q, want the NDJSON line %q", got, want)
		}
	}
	if got := a.readLine(t); got != "\n" {
		t.Fatalf("got %q, want a blank heartbeat line", got)
	}

	a.Close()
	waitSubscribers(t, srv, 1)
	eventually(t, "/metrics counts 1 tcp connection", func() bool {
		return metricValue(scrape(t, base), "pushbench_server_connections", "transport", "tcp") == 1
	})
	if st := stats(t, base); st.Enqueued != 2 || st.Dropped != 0 {
		t.Fatalf("stats %+v: want 2 enqueued, none dropped", st)
	}
}

func TestTCPTransportEchoesEachLine(t *testing.T) {
	srv, _, url := servertest.StartTCP(t, servers.Config{Heartbeat: -1})
	c := dialTCP(t, url)
	waitSubscribers(t, srv, 1)
	lines := []string{`{"seq":1,"ts":2,"data":"a"}`, `{"seq":2,"ts":3,"data":"b"}`, "not json, echoed all the same"}
	// Blank lines are client heartbeats and a CRLF ends a line as LF does.
	if _, err := io.WriteString(c, lines[0]+"\n\n"+lines[1]+"\r\n"+lines[2]+"\n"); err != nil {
		t.Fatal(err)
	}
	for _, want := range lines {
		if got := c.readLine(t); got != want+"\n" {
			t.Fatalf("echo %q, want %q", got, want+"\n")
		}
	}
	// A line split over many writes is echoed once, whole.
	long := `{"seq":3,"data":"` + strings.Repeat("x", 5000) + `"}`
	for i := 0; i < len(long); i += 700 {
		if _, err := io.WriteString(c, long[i:min(i+700, len(long))]); err != nil {
			t.Fatal(err)
		}
	}
	io.WriteString(c, "\n")
	if got := c.readLine(t); got != long+"\n" {
		t.Fatalf("echo of a split line: %d bytes, want %d", len(got), len(long)+1)
	}
}

func TestTCPTransportEndsALineOverTheReadLimit(t *testing.T) {
	logs := &syncBuffer{}
	srv := servers.New(servers.Config{TCPReadLimit: 100}, slog.New(slog.NewTextHandler(logs, nil)))
	servertest.Serve(t, srv)
	url := servertest.ServeTCP(t, srv)
	c := dialTCP(t, url)
	waitSubscribers(t, srv, 1)
	if _, err := io.WriteString(c, strings.Repeat("x", 150)); err != nil {
		t.Fatal(err)
	}
	c.readEOF(t)
	waitSubscribers(t, srv, 0)
	if !strings.Contains(logs.String(), "kind=tcp-too-large") {
		t.Fatalf("no hostile-input log line for the long line; log:\n%s", logs)
	}

	// A line within the limit is echoed.
	ok := dialTCP(t, url)
	io.WriteString(ok, strings.Repeat("y", 100)+"\n")
	if got := ok.readLine(t); len(got) != 101 {
		t.Fatalf("echo of a 100-byte line: %q", got)
	}
}

// TestTCPTransportSlowClients: a client that never reads is ended by the
// slow policy (disconnect: the hub kicks it; drop: its write times out), as
// on every other transport, while a reading client gets every message.
func TestTCPTransportSlowClients(t *testing.T) {
	tests := []struct {
		name   string
		cfg    servers.Config
		counts func(servers.HubStats) bool
	}{
		{"disconnect policy kicks", servers.Config{SlowPolicy: servers.SlowDisconnect, QueueBytes: 2 * mib, WriteTimeout: time.Minute},
			func(st servers.HubStats) bool { return st.Kicked == 1 }},
		{"write timeout ends", servers.Config{WriteTimeout: time.Second},
			func(st servers.HubStats) bool { return st.WriteTimeouts == 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.MaxPublishBytes = 2 * mib
			srv, base, url := servertest.StartTCP(t, tt.cfg)
			slow := dialTCP(t, url) // never reads
			good := dialTCP(t, url)
			waitSubscribers(t, srv, 2)
			for i := 1; i <= 64 && !tt.counts(stats(t, base)); i++ {
				srv.Hub().Publish(bigMessage(i, mib))
				env, err := wire.DecodeEnvelope([]byte(strings.TrimSuffix(good.readMessage(t), "\n")))
				if err != nil || env.Seq != uint64(i) {
					t.Fatalf("well-behaved client got seq %d (%v), want %d", env.Seq, err, i)
				}
				if i >= 16 {
					time.Sleep(50 * time.Millisecond)
				}
			}
			eventually(t, "slow client ended and counted", func() bool { return tt.counts(stats(t, base)) })
			waitSubscribers(t, srv, 1)
			slow.readEOF(t)
		})
	}
}

// TestTCPTransportStopsWithTheServer: attached to a server, the tcp
// listener is served beside HTTP and shutdown closes every connection, even
// one that stopped reading, and Serve returns nil.
func TestTCPTransportStopsWithTheServer(t *testing.T) {
	srv := servers.New(servers.Config{ShutdownTimeout: 2 * time.Second, WriteTimeout: time.Minute}, quiet)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Attach(srv.TCPTransport(), ln)
	addr, stop := serveLoopback(t, srv)
	url := "tcp://" + ln.Addr().String()
	reading, stalled := dialTCP(t, url), dialTCP(t, url)
	waitSubscribers(t, srv, 2)
	for i := 1; i <= 8; i++ {
		srv.Hub().Publish(bigMessage(i, mib)) // backs up behind the stalled client
	}
	publish(t, "http://"+addr, `{"seq":100,"data":"last"}`)
	for {
		if strings.Contains(reading.readMessage(t), `"seq":100`) {
			break
		}
	}
	began := time.Now()
	if err := recv(t, stop(), "Serve's return after shutdown"); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Fatalf("shutdown took %s", took)
	}
	reading.readEOF(t)
	stalled.readEOF(t)
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Fatal("the tcp listener still accepts after shutdown")
	}
}

// TestTCPTransportServeEndsWithItsContext: the transport on its own (as
// servertest runs it) closes its listener and connections when its context
// ends and returns nil.
func TestTCPTransportServeEndsWithItsContext(t *testing.T) {
	srv, _ := start(t, servers.Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.TCPTransport().Serve(ctx, ln) }()
	c := dialTCP(t, "tcp://"+ln.Addr().String())
	waitSubscribers(t, srv, 1)
	cancel()
	if err := recv(t, served, "Serve's return"); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	c.readEOF(t)
	waitSubscribers(t, srv, 0)
}
