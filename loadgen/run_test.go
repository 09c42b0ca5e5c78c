package loadgen_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// startReference runs pushbench's reference server and returns its base URL.
func startReference(t *testing.T, cfg servers.Config) string {
	t.Helper()
	_, base := servertest.Start(t, cfg)
	return base
}

func wsURL(httpURL string) string { return "ws" + strings.TrimPrefix(httpURL, "http") }

// smallLoad is a workload small enough for a unit test and large enough that
// every counter means something: 20 connections, 50 broadcasts/s for 1s.
func smallLoad(transport, url, publish string) loadgen.Options {
	return loadgen.Options{
		Transport:      transport,
		URL:            url,
		PublishURL:     publish,
		Connections:    20,
		Ramp:           2000,
		Warmup:         200 * time.Millisecond,
		Duration:       time.Second,
		Rate:           50,
		PayloadBytes:   32,
		ConnectTimeout: 5 * time.Second,
		Drain:          3 * time.Second,
	}
}

func endpoint(base, transport string) string {
	e, _ := clients.Lookup(clients.Name(transport))
	return e.Endpoint(base)
}

func TestRunFanoutEveryTransport(t *testing.T) {
	for _, name := range clients.Names() {
		transport := string(name)
		for _, publish := range []string{"ws", "http"} {
			t.Run(transport+"/publish-over-"+publish, func(t *testing.T) {
				base := startReference(t, servers.Config{})
				pub := wsURL(base) + "/publish"
				if publish == "http" {
					pub = base + "/publish"
				}
				opts := smallLoad(transport, endpoint(base, transport), pub)
				res, err := loadgen.Run(context.Background(), opts, quiet)
				if err != nil {
					t.Fatal(err)
				}
				c := res.Counters
				want := results.Counters{
					ConnAttempted: 20, ConnReady: 20, Scheduled: 50, Sent: 50,
					Expected: 20 * 50, Received: 20 * 50,
					BytesReceived: c.BytesReceived, BytesSent: c.BytesSent,
				}
				if c != want {
					t.Fatalf("counters\n got %+v\nwant %+v\nerrors: %v", c, want, res.Errors)
				}
				if c.BytesReceived < c.Received*32 || c.BytesSent < 50*32 {
					t.Fatalf("bytes received %d / sent %d are less than the payloads", c.BytesReceived, c.BytesSent)
				}
				if n := res.Hist(results.HistLatency).Count(); n != c.Received {
					t.Fatalf("latency samples %d, want one per delivery (%d)", n, c.Received)
				}
				for _, name := range []string{results.HistConnect, results.HistTCPConnect, results.HistFirstMessage} {
					if n := res.Hist(name).Count(); n != 20 {
						t.Errorf("%s samples %d, want 20", name, n)
					}
				}
				if n := res.Hist(results.HistSendLag).Count(); n != 50 {
					t.Errorf("send lag samples %d, want 50", n)
				}
				var series int64
				for _, n := range res.Received {
					series += n
				}
				if series != c.Received {
					t.Errorf("per-second series sums to %d, want %d", series, c.Received)
				}
				if len(res.Errors) != 0 {
					t.Errorf("errors: %v", res.Errors)
				}
				if len(res.Generator) != 1 || res.Generator[0].Cores == 0 {
					t.Errorf("generator record %+v", res.Generator)
				}
			})
		}
	}
}

func TestRunEchoWebSocket(t *testing.T) {
	base := startReference(t, servers.Config{})
	opts := smallLoad("ws", wsURL(base)+"/ws", "")
	opts.Pattern = loadgen.PatternEcho
	opts.Rate = 20
	res, err := loadgen.Run(context.Background(), opts, quiet)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Counters
	if c.ConnReady != 20 || c.Scheduled != 20*20 || c.Sent != 20*20 || c.Expected != 20*20 || c.Received != 20*20 || c.Lost != 0 {
		t.Fatalf("counters %+v, errors %v", c, res.Errors)
	}
	if n := res.Hist(results.HistLatency).Count(); n != c.Received {
		t.Fatalf("rtt samples %d, want %d", n, c.Received)
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts loadgen.Options
		want string
	}{
		{"echo on receive-only", loadgen.Options{Transport: "sse", URL: "http://x/sse", Pattern: "echo"}, "sse only pushes"},
		{"unknown transport", loadgen.Options{Transport: "carrier-pigeon", URL: "http://x", PublishURL: "ws://x"}, `transport "carrier-pigeon"`},
		{"unknown pattern", loadgen.Options{Transport: "ws", URL: "ws://x", Pattern: "storm"}, `pattern "storm"`},
		{"fanout without publisher", loadgen.Options{Transport: "ws", URL: "ws://x"}, "publish URL"},
		{"bad worker", loadgen.Options{Transport: "ws", URL: "ws://x", PublishURL: "ws://x", Worker: results.Worker{Index: 3, Count: 2}}, "worker 3 of 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadgen.Run(context.Background(), tt.opts, quiet)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestRunUnreachableTargetNamesURLAndPhase(t *testing.T) {
	// Take a free port and close it so nothing listens there.
	ln := httptest.NewServer(http.NotFoundHandler())
	dead := ln.URL
	ln.Close()
	for _, name := range clients.Names() {
		transport := string(name)
		t.Run(transport, func(t *testing.T) {
			url := endpoint(dead, transport)
			opts := smallLoad(transport, url, wsURL(dead)+"/publish")
			opts.ConnectTimeout = 2 * time.Second
			_, err := loadgen.Run(context.Background(), opts, quiet)
			if err == nil {
				t.Fatal("run against a closed port succeeded")
			}
			// The error names the URL dialled (Socket.IO adds its query and
			// switches to ws://), whatever the scheme.
			_, hostPath, _ := strings.Cut(url, "://")
			for _, want := range []string{hostPath, "tcp", "refused"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}
