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
	"github.com/pushbench/pushbench/workload"
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
func smallLoad(transport, url, publish string) loadgen.Config {
	return loadgen.Config{
		Transport:  clients.Name(transport),
		URL:        url,
		PublishURL: publish,
		Workload: workload.Workload{
			Connections:    20,
			Ramp:           2000,
			Warmup:         workload.Duration(200 * time.Millisecond).Ptr(),
			Duration:       workload.Duration(time.Second),
			Rate:           50,
			Payload:        32,
			ConnectTimeout: workload.Duration(5 * time.Second),
			Drain:          workload.Duration(3 * time.Second).Ptr(),
		},
	}
}

// endpoint is transport's URL at the address of base: a path of it, or for
// a transport on a listener of its own, tcp://host:port itself.
func endpoint(base, transport string) string {
	e, _ := clients.Lookup(clients.Name(transport))
	if e.OwnListener {
		return "tcp://" + strings.TrimPrefix(base, "http://")
	}
	return e.Endpoint(base)
}

func TestRunFanoutEveryTransport(t *testing.T) {
	for _, name := range clients.Names() {
		transport := string(name)
		for _, publish := range []string{"ws", "http"} {
			t.Run(transport+"/publish-over-"+publish, func(t *testing.T) {
				_, base, tcpURL := servertest.StartTCP(t, servers.Config{})
				pub := wsURL(base) + "/publish"
				if publish == "http" {
					pub = base + "/publish"
				}
				url := endpoint(base, transport)
				if name == clients.TCP {
					url = tcpURL
				}
				opts := smallLoad(transport, url, pub)
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
				if publish == "http" {
					// Up to 64 POSTs are in flight at once, so the server may
					// take them, and broadcast them, in another order: that is
					// the publisher's reordering, counted, not lost.
					want.OutOfOrder = c.OutOfOrder
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
	opts.Workload.Pattern = workload.Echo
	opts.Workload.Rate = 20
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
		opts loadgen.Config
		want string
	}{
		{"echo on receive-only", loadgen.Config{Transport: "sse", URL: "http://x/sse", Workload: workload.Workload{Pattern: workload.Echo}}, "sse only pushes"},
		{"unknown transport", loadgen.Config{Transport: "carrier-pigeon", URL: "http://x", PublishURL: "ws://x"}, `transport "carrier-pigeon"`},
		{"unknown pattern", loadgen.Config{Transport: "ws", URL: "ws://x", Workload: workload.Workload{Pattern: "storm"}}, `pattern "storm"`},
		{"fanout without publisher", loadgen.Config{Transport: "ws", URL: "ws://x"}, "publish URL"},
		{"bad worker", loadgen.Config{Transport: "ws", URL: "ws://x", PublishURL: "ws://x", Worker: results.Worker{Index: 3, Count: 2}}, "worker 3 of 2"},
		{"negative drain", loadgen.Config{Transport: "ws", URL: "ws://x", PublishURL: "ws://x", Workload: workload.Workload{Drain: workload.Duration(-time.Second).Ptr()}}, "drain: -1s must not be negative"},
		{"plan that disagrees with the workload", loadgen.Config{Transport: "ws", URL: "ws://x", PublishURL: "ws://x",
			Plan: &loadgen.Plan{Start: time.Now(), Rate: 20, Warmup: 2 * time.Second, Duration: 10 * time.Second, Topic: "t"}},
			"plan: rate 20/s, warm-up 2s, duration 10s differ from the workload's 10/s"},
		{"plan without topic", loadgen.Config{Transport: "ws", URL: "ws://x", PublishURL: "ws://x",
			Plan: &loadgen.Plan{Start: time.Now(), Rate: 10, Warmup: 2 * time.Second, Duration: 10 * time.Second}}, "plan: no topic"},
		{"timeline action after the run", loadgen.Config{Transport: "ws", URL: "ws://x", PublishURL: "ws://x",
			Timeline: []loadgen.Action{{At: time.Hour, Name: "kill", Do: func(context.Context) error { return nil }}}}, `"kill" at 1h0m0s: outside the run`},
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
			opts.Workload.ConnectTimeout = workload.Duration(2 * time.Second)
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

// TestRunTakesPlanAndTimelineFromOutside runs a plan made elsewhere (as a
// coordinator would hand to workers) with a timeline action on it: the run
// uses the plan's topic, sequence numbers and start, and records the action.
func TestRunTakesPlanAndTimelineFromOutside(t *testing.T) {
	base := startReference(t, servers.Config{})
	cfg := smallLoad("ws", wsURL(base)+"/ws", wsURL(base)+"/publish")
	plan := loadgen.NewPlan(cfg.Workload, time.Now().Add(500*time.Millisecond))
	plan.Topic, plan.FirstSeq = "coordinated", 1000
	cfg.Plan = &plan
	acted := make(chan time.Time, 1)
	cfg.Timeline = []loadgen.Action{{At: 300 * time.Millisecond, Name: "mark", Do: func(context.Context) error {
		acted <- time.Now()
		return nil
	}}}
	res, err := loadgen.Run(context.Background(), cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Counters
	if res.Workload.Topic != "coordinated" || c.Scheduled != 50 || c.Received != 20*50 || c.Lost != 0 || c.Foreign != 0 {
		t.Fatalf("topic %q counters %+v errors %v", res.Workload.Topic, c, res.Errors)
	}
	select {
	case at := <-acted:
		// Due at plan start + warm-up (200ms) + 300ms.
		if due := plan.Start.Add(500 * time.Millisecond); at.Before(due) {
			t.Errorf("action ran %s before it was due", due.Sub(at))
		}
	default:
		t.Fatal("timeline action did not run")
	}
	if len(res.Events) != 1 || res.Events[0].Name != "mark" || res.Events[0].Error != "" || res.Events[0].At != results.Duration(300*time.Millisecond) {
		t.Fatalf("events %+v", res.Events)
	}
}
