package interop

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

// TestListenToAppEventOnOfficialServer measures a Socket.IO app that emits
// its own event ("time" with {t, n} every 20 ms on namespace /clock) on the
// official Node server: every message is counted, none lost, duplicated or
// reordered by its own sequence numbers, each timed from its own timestamp.
func TestListenToAppEventOnOfficialServer(t *testing.T) {
	base := startNodeServer(t, "300", "200")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, transport := range []clients.Name{clients.SocketIO, clients.SocketIOPolling} {
		t.Run(string(transport), func(t *testing.T) {
			entry, _ := clients.Lookup(transport)
			cfg := loadgen.Config{
				Transport: transport,
				URL:       entry.Endpoint(base),
				Receive:   clients.Receive{SIONamespace: "/clock", SIOEvent: "time"},
				Payload:   loadgen.Payload{Timestamp: "t:ms", Seq: "n"},
				Workload: workload.Workload{
					Pattern:     workload.Listen,
					Connections: 10,
					Warmup:      workload.Duration(500 * time.Millisecond).Ptr(),
					Duration:    workload.Duration(2 * time.Second),
				},
			}
			res, err := loadgen.Run(context.Background(), cfg, quiet)
			if err != nil {
				t.Fatal(err)
			}
			c := res.Counters
			// 10 sockets x about 50 events/s x 2 s; the clock's own timers
			// make the exact count vary, the sequence numbers must not.
			if c.ConnReady != 10 || c.ConnDropped != 0 || c.ConnEnded != 0 || c.Received < 10*50 || c.Lost != 0 ||
				c.Duplicated != 0 || c.OutOfOrder != 0 || c.Expected != c.Received || len(res.Errors) != 0 {
				t.Fatalf("counters %+v errors %v", c, res.Errors)
			}
			lat := res.Hist(results.HistLatency)
			if lat.Count() != c.Received || res.LatencyClock != results.ClockServer || lat.Quantile(0.99) > time.Second {
				t.Fatalf("latency %d samples, p99 %s, clock %q", lat.Count(), lat.Quantile(0.99), res.LatencyClock)
			}
			if n := res.Hist(results.HistGap).Count(); n != c.Received-10 {
				t.Fatalf("gap samples %d, want %d", n, c.Received-10)
			}
		})
	}
}

// TestFanoutThroughOfficialChatRelay publishes through a chat app on the
// official Node server: pushbench's publisher emits "chat" with its marker,
// the app rebroadcasts {from, text} as "chat", and the receivers find the
// marker in it: zero loss, latency on pushbench's one clock.
func TestFanoutThroughOfficialChatRelay(t *testing.T) {
	base := startNodeServer(t, "300", "200")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	entry, _ := clients.Lookup(clients.SocketIO)
	cfg := loadgen.Config{
		Transport:    clients.SocketIO,
		URL:          entry.Endpoint(base),
		PublishURL:   entry.Endpoint(base),
		PublishEvent: "chat",
		Body:         "{{marker}}",
		Receive:      clients.Receive{SIOEvent: "chat"},
		Workload: workload.Workload{
			Connections: 20,
			Warmup:      workload.Duration(300 * time.Millisecond).Ptr(),
			Duration:    workload.Duration(2 * time.Second),
			Rate:        20,
			Drain:       workload.Duration(3 * time.Second).Ptr(),
		},
	}
	res, err := loadgen.Run(context.Background(), cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Counters
	if c.ConnReady != 20 || c.Scheduled != 40 || c.Sent != 40 || c.Expected != 20*40 || c.Received != c.Expected || c.Lost != 0 || len(res.Errors) != 0 {
		t.Fatalf("counters %+v errors %v", c, res.Errors)
	}
	if n := res.Hist(results.HistLatency).Count(); n != c.Received || res.LatencyClock != results.ClockGenerator {
		t.Fatalf("latency samples %d, want %d; clock %q", n, c.Received, res.LatencyClock)
	}
}

// TestEchoInAppFormatOnOfficialServer echoes through an app event that
// answers its sender with another event ("say" answered as "said" {text}):
// every send's marker comes back, round trips timed from the schedule.
func TestEchoInAppFormatOnOfficialServer(t *testing.T) {
	base := startNodeServer(t, "300", "200")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, transport := range []clients.Name{clients.SocketIO, clients.SocketIOPolling} {
		t.Run(string(transport), func(t *testing.T) {
			entry, _ := clients.Lookup(transport)
			cfg := loadgen.Config{
				Transport: transport,
				URL:       entry.Endpoint(base),
				Body:      `{"greeting":"{{marker}}"}`,
				Receive:   clients.Receive{SIOEchoEvent: "say", SIOEvent: "said"},
				Workload: workload.Workload{
					Pattern:     workload.Echo,
					Connections: 10,
					Warmup:      workload.Duration(300 * time.Millisecond).Ptr(),
					Duration:    workload.Duration(2 * time.Second),
					Rate:        10,
					Drain:       workload.Duration(3 * time.Second).Ptr(),
				},
			}
			res, err := loadgen.Run(context.Background(), cfg, quiet)
			if err != nil {
				t.Fatal(err)
			}
			c := res.Counters
			if c.ConnReady != 10 || c.Scheduled != 10*20 || c.Sent != c.Scheduled || c.Received != c.Expected || c.Expected != 10*20 || c.Lost != 0 || len(res.Errors) != 0 {
				t.Fatalf("counters %+v errors %v", c, res.Errors)
			}
			if n := res.Hist(results.HistLatency).Count(); n != c.Received {
				t.Fatalf("rtt samples %d, want %d", n, c.Received)
			}
		})
	}
}
