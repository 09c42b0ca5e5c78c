package loadgen_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
	"github.com/pushbench/pushbench/workload"
)

// peerListener counts the connections it accepts by remote IP.
type peerListener struct {
	net.Listener
	mu  sync.Mutex
	ips map[string]int
}

func (l *peerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
		l.mu.Lock()
		l.ips[host]++
		l.mu.Unlock()
	}
	return c, err
}

// seen is how many connections came from each IP so far.
func (l *peerListener) seen() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]int{}
	for ip, n := range l.ips {
		out[ip] = n
	}
	return out
}

// recordedReference is a reference server whose listeners (HTTP and tcp)
// record their peers' IPs.
type recordedReference struct {
	srv        *servers.Server
	base, tcp  string
	http, tcpL *peerListener
}

func startRecordedReference(t *testing.T) recordedReference {
	t.Helper()
	srv := servers.New(servers.Config{}, quiet)
	ts := httptest.NewUnstartedServer(srv.Handler())
	rr := recordedReference{srv: srv, http: &peerListener{Listener: ts.Listener, ips: map[string]int{}}}
	ts.Listener = rr.http
	ts.Start()
	rr.base = ts.URL
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rr.tcpL = &peerListener{Listener: ln, ips: map[string]int{}}
	rr.tcp = "tcp://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.TCPTransport().Serve(ctx, rr.tcpL) }()
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
	return rr
}

// logBuffer is a logger whose text lines can be read back.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestRunSpreadsSourceAddrsWhenPortsWouldRunOut: 300 WebSocket connections
// to one loopback server, with one source address good for 100 ports (90
// used), leave from at least three loopback addresses, chosen and logged
// once; every connection is ready and every message arrives.
func TestRunSpreadsSourceAddrsWhenPortsWouldRunOut(t *testing.T) {
	rr := startRecordedReference(t)
	cfg := smallLoad("ws", wsURL(rr.base)+"/ws", wsURL(rr.base)+"/publish")
	cfg.Workload.Connections = 300
	cfg.Workload.Ramp = 3000
	cfg.PortsPerSourceAddr = 100
	var logs logBuffer
	res, err := loadgen.Run(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	c := res.Counters
	if c.ConnReady != 300 || c.ConnFailed != 0 || c.Received != c.Expected || c.Expected != 300*50 || c.Lost != 0 {
		t.Fatalf("counters %+v; want 300 ready, %d received, none lost; errors %v", c, 300*50, res.Errors)
	}
	var spread []string
	for ip, n := range rr.http.seen() {
		if n >= 50 { // the held connections' addresses, not a probe's
			spread = append(spread, ip)
		}
		if !strings.HasPrefix(ip, "127.0.0.") {
			t.Errorf("a connection from %s, want loopback 127.0.0.x", ip)
		}
	}
	if len(spread) < 3 {
		t.Fatalf("the server saw held connections from %v (all: %v), want at least 3 source addresses", spread, rr.http.seen())
	}
	if n := strings.Count(logs.String(), "source addresses chosen"); n != 1 {
		t.Fatalf("logged the choice %d times, want once:\n%s", n, logs.String())
	}
}

// TestRunBindsGivenSourceAddrs: with SourceAddrs given, every held
// connection of sse (on the server's HTTP listener) and tcp (on a listener
// of its own) leaves from those addresses in turn; the publisher stays
// unbound.
func TestRunBindsGivenSourceAddrs(t *testing.T) {
	addrs := []string{"127.0.0.2", "127.0.0.3"}
	for _, transport := range []string{"sse", "tcp"} {
		t.Run(transport, func(t *testing.T) {
			rr := startRecordedReference(t)
			url, peers := endpoint(rr.base, transport), rr.http
			if transport == "tcp" {
				url, peers = rr.tcp, rr.tcpL
			}
			cfg := smallLoad(transport, url, wsURL(rr.base)+"/publish")
			cfg.SourceAddrs = addrs
			res, err := loadgen.Run(context.Background(), cfg, quiet)
			if err != nil {
				t.Fatal(err)
			}
			if c := res.Counters; c.ConnReady != 20 || c.Received != c.Expected || c.Lost != 0 {
				t.Fatalf("counters %+v, errors %v", c, res.Errors)
			}
			seen := rr.http.seen()
			if transport == "tcp" {
				seen = rr.tcpL.seen()
				if pub := rr.http.seen(); pub["127.0.0.1"] != 1 || len(pub) != 1 {
					t.Errorf("publisher connections %v, want one unbound (127.0.0.1)", pub)
				}
			} else if seen["127.0.0.1"] != 1 {
				t.Errorf("connections from 127.0.0.1: %d, want the publisher's one", seen["127.0.0.1"])
			}
			delete(seen, "127.0.0.1")
			// Ten held connections from each, and the preflight's probe.
			want := map[string]int{"127.0.0.2": 11, "127.0.0.3": 11}
			if fmt.Sprint(seen) != fmt.Sprint(want) {
				t.Fatalf("%s connections by source: %v, want %v", peers.Addr(), seen, want)
			}
		})
	}
}

// TestRunFanoutAcrossTwoServers is a target of two reference servers:
// connections alternate between them (20 each), the one publisher publishes
// every message to both, each server broadcasts each once, and the counters
// count each message once: sent as scheduled, every subscriber has every
// message, none lost.
func TestRunFanoutAcrossTwoServers(t *testing.T) {
	srvA, baseA := servertest.Start(t, servers.Config{})
	srvB, baseB := servertest.Start(t, servers.Config{})
	cfg := smallLoad("ws", "", "")
	cfg.URLs = []string{wsURL(baseA) + "/ws", wsURL(baseB) + "/ws"}
	cfg.PublishURLs = []string{wsURL(baseA) + "/publish", wsURL(baseB) + "/publish"}
	cfg.Workload.Connections = 40
	var subsA, subsB int64
	cfg.Timeline = []loadgen.Action{{At: 500 * time.Millisecond, Name: "count subscribers", Do: func(context.Context) error {
		subsA, subsB = srvA.Hub().Stats().Subscribers, srvB.Hub().Stats().Subscribers
		return nil
	}}}
	res, err := loadgen.Run(context.Background(), cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if subsA != 20 || subsB != 20 {
		t.Fatalf("subscribers mid-run: %d and %d, want 20 on each server", subsA, subsB)
	}
	c := res.Counters
	if c.ConnReady != 40 || c.Scheduled != 50 || c.Sent != c.Scheduled || c.SendErrors != 0 {
		t.Fatalf("counters %+v: want 40 ready, 50 scheduled and sent once each; errors %v", c, res.Errors)
	}
	if c.Expected != 40*50 || c.Received != c.Expected || c.Lost != 0 || c.Duplicated != 0 {
		t.Fatalf("expected %d, received %d, lost %d, duplicated %d; want %d received, none lost", c.Expected, c.Received, c.Lost, c.Duplicated, 40*50)
	}
	pubA, pubB := srvA.Stats().Published, srvB.Stats().Published
	if pubA != pubB || pubA < 50 || pubA > 61 {
		t.Fatalf("servers received %d and %d publishes, want the same 50 measured + ~10 warm-up on each", pubA, pubB)
	}
	if want := strings.Join(cfg.URLs, " "); res.Target != want {
		t.Errorf("target %q, want %q", res.Target, want)
	}
	if want := strings.Join(cfg.PublishURLs, " "); res.Workload.PublishURL != want {
		t.Errorf("publish URL recorded %q, want %q", res.Workload.PublishURL, want)
	}
}

// TestRunPreflightNamesTheBadTarget: of several targets (or publish
// targets, or source addresses), the one that cannot be reached fails the
// run at once, named.
func TestRunPreflightNamesTheBadTarget(t *testing.T) {
	base := startReference(t, servers.Config{})
	dead := deadURL(t)
	good, pub := wsURL(base)+"/ws", wsURL(base)+"/publish"
	tests := []struct {
		name string
		edit func(*loadgen.Config)
		want string
	}{
		{"a subscriber URL", func(c *loadgen.Config) { c.URLs = []string{good, wsURL(dead) + "/ws"} }, wsURL(dead) + "/ws"},
		{"a publish URL", func(c *loadgen.Config) { c.PublishURLs = []string{pub, wsURL(dead) + "/publish"} }, wsURL(dead) + "/publish"},
		{"a source address", func(c *loadgen.Config) { c.SourceAddrs = []string{"127.0.0.1", "192.0.2.1"} }, "from source address 192.0.2.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := smallLoad("ws", good, pub)
			tt.edit(&cfg)
			start := time.Now()
			_, err := loadgen.Run(context.Background(), cfg, quiet)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to name %q", err, tt.want)
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Fatalf("failed after %s, want at once", took)
			}
		})
	}
}

// deadURL is the base URL of a loopback port nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestRunRejectsBadTargetLists(t *testing.T) {
	base := loadgen.Config{Transport: "ws", Workload: workload.Workload{Pattern: workload.Fanout}}
	tests := []struct {
		name string
		edit func(*loadgen.Config)
		want string
	}{
		{"no URL at all", func(c *loadgen.Config) { c.PublishURL = "ws://x/publish" }, "no target URL"},
		{"no publish URL", func(c *loadgen.Config) { c.URLs = []string{"ws://a/ws"} }, "publish URL"},
		{"empty entry", func(c *loadgen.Config) { c.URLs = []string{"ws://a/ws", ""} }, "URLs[1]: empty URL"},
		{"no host", func(c *loadgen.Config) { c.URLs = []string{"ws://a/ws", "/ws"} }, `URLs[1] "/ws": want SCHEME://HOST`},
		{"bad URL", func(c *loadgen.Config) { c.URLs = []string{"ws://a/ws", "ws://a:x/ws"} }, `URLs[1] "ws://a:x/ws"`},
		{"mixed schemes", func(c *loadgen.Config) { c.URLs = []string{"ws://a/ws", "http://b/ws"} }, `URLs[1] "http://b/ws": scheme http, but URLs[0] is ws`},
		{"twice", func(c *loadgen.Config) { c.URLs = []string{"ws://a/ws", "ws://b/ws", "ws://a/ws"} }, `URLs[2] "ws://a/ws": same as URLs[0]`},
		{"publish mixed", func(c *loadgen.Config) { c.PublishURLs = []string{"ws://a/publish", "http://b/publish"} }, `PublishURLs[1] "http://b/publish": scheme http`},
		{"source not an IP", func(c *loadgen.Config) { c.SourceAddrs = []string{"127.0.0.2", "lo"} }, `SourceAddrs[1] "lo": not an IP address`},
		{"source twice", func(c *loadgen.Config) { c.SourceAddrs = []string{"127.0.0.2", "127.0.0.2"} }, `SourceAddrs[1] "127.0.0.2": same as SourceAddrs[0]`},
		{"negative ports", func(c *loadgen.Config) { c.PortsPerSourceAddr = -1 }, "PortsPerSourceAddr -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			if tt.name != "no URL at all" && tt.name != "no publish URL" {
				cfg.URL, cfg.PublishURL = "ws://a/ws", "ws://a/publish"
			}
			tt.edit(&cfg)
			_, err := loadgen.Run(context.Background(), cfg, quiet)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// TestRunChurnAcrossTwoServers: churn's connects alternate between the
// servers of a target, as held connections do.
func TestRunChurnAcrossTwoServers(t *testing.T) {
	a, b := startRecordedReference(t), startRecordedReference(t)
	cfg := smallLoad("ws", "", "")
	cfg.URLs = []string{wsURL(a.base) + "/ws", wsURL(b.base) + "/ws"}
	cfg.Workload.Pattern = workload.Churn
	cfg.Workload.Connections = 10
	res, err := loadgen.Run(context.Background(), cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	// 50/s over 200 ms of warm-up and 1 s measured: 60 connects, 50 measured.
	if c := res.Counters; c.ConnAttempted != 50 || c.ConnReady != 50 {
		t.Fatalf("counters %+v, errors %v", c, res.Errors)
	}
	count := func(l *peerListener) (n int) {
		for _, k := range l.seen() {
			n += k
		}
		return n
	}
	// 30 connects each, and the preflight's probe.
	if na, nb := count(a.http), count(b.http); na != 31 || nb != 31 {
		t.Fatalf("connections to the two servers: %d and %d, want 31 each", na, nb)
	}
}
