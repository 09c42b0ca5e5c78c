package cluster_test

import (
	"testing"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
	"github.com/pushbench/pushbench/workload"
)

// TestCoordinatedEcho: three workers of one echo scenario each send on
// their own share of the connections, so together they send exactly what
// one process would (connections x rate x duration), every round trip
// comes back once, and the merged rtt histogram is every worker's samples.
func TestCoordinatedEcho(t *testing.T) {
	for _, transport := range []clients.Name{clients.WS, clients.SocketIO} {
		t.Run(string(transport), func(t *testing.T) {
			_, base := servertest.Start(t, servers.Config{})
			entry, _ := clients.Lookup(transport)
			const conns, rate = 31, 10 // 10 sends a second on each connection, 1 s measured
			out := runCoordinated(t, 3, patternJob(workload.Echo, transport, entry.Endpoint(base), "", conns, rate), nil)
			c := out.Merged.Counters
			const want = conns * rate
			if c.ConnReady != conns || c.Scheduled != want || c.Sent != want || c.Expected != want || c.Received != want ||
				c.Lost != 0 || c.Duplicated != 0 || c.SendErrors != 0 {
				t.Fatalf("merged counters %+v, errors %v; want %d scheduled, sent and received", c, out.Merged.Errors, want)
			}
			for i, w := range out.Workers {
				held := shares(conns, 3)[i]
				if wc := w.Counters; wc.ConnReady != held || wc.Sent != held*rate || wc.Received != held*rate {
					t.Errorf("worker %d: %d ready, %d sent, %d received; want its %d connections' %d each", i, wc.ConnReady, wc.Sent, wc.Received, held, held*rate)
				}
			}
			if n := out.Merged.Hist(results.HistLatency).Count(); n != want {
				t.Fatalf("merged rtt samples %d, want %d", n, want)
			}
			checkExactMerge(t, out)
		})
	}
}

// TestCoordinatedIdle: three workers of an idle scenario hold its
// connections between them, each its share, and the merged result holds
// exactly the scenario's count.
func TestCoordinatedIdle(t *testing.T) {
	srv, base := servertest.Start(t, servers.Config{})
	const conns = 31
	out := runCoordinated(t, 3, patternJob(workload.Idle, clients.WS, wsEndpoint(base), "", conns, 1), nil)
	c := out.Merged.Counters
	if c.ConnAttempted != conns || c.ConnReady != conns || c.ConnFailed != 0 || c.ConnDropped != 0 || c.Scheduled != 0 || c.Sent != 0 {
		t.Fatalf("merged counters %+v, errors %v; want %d held, nothing sent", c, out.Merged.Errors, conns)
	}
	for i, w := range out.Workers {
		if got, want := w.Counters.ConnReady, shares(conns, 3)[i]; got != want {
			t.Errorf("worker %d held %d connections, want %d", i, got, want)
		}
	}
	if got := srv.Stats().Published; got != 0 {
		t.Errorf("server took %d publishes in an idle run", got)
	}
	checkExactMerge(t, out)
}

// TestCoordinatedChurn: three workers of one churn scenario make the one
// schedule's connects between them, every third each, so the merged count
// is the schedule's (not three times it) and each worker made about a
// third.
func TestCoordinatedChurn(t *testing.T) {
	relay := startForeignRelay(t)
	// 60 connects a second: 12 in the 200 ms warm-up, 60 measured.
	const rate, measured, warmup = 60, 60, 12
	out := runCoordinated(t, 3, patternJob(workload.Churn, clients.WS, relay.url, "", 30, rate), nil)
	c := out.Merged.Counters
	if c.ConnAttempted != measured || c.ConnReady != measured || c.ConnFailed != 0 {
		t.Fatalf("merged counters %+v, errors %v; want the schedule's %d connects, all ready", c, out.Merged.Errors, measured)
	}
	for i, w := range out.Workers {
		if got := w.Counters.ConnAttempted; got != measured/3 {
			t.Errorf("worker %d made %d connects, want %d (every third)", i, got, measured/3)
		}
	}
	if n := out.Merged.Hist(results.HistConnect).Count(); n != measured {
		t.Errorf("merged connect samples %d, want %d", n, measured)
	}
	// The server saw one schedule (warm-up and measured connects) and each
	// worker's preflight connection: not three schedules' worth.
	if got := relay.accepted(); got != warmup+measured+3 {
		t.Errorf("server accepted %d connections, want %d (one schedule of %d and 3 preflights)", got, warmup+measured+3, warmup+measured)
	}
	checkExactMerge(t, out)
}

// wsEndpoint is the WebSocket subscriber endpoint of a pushbench server.
func wsEndpoint(base string) string {
	e, _ := clients.Lookup(clients.WS)
	return e.Endpoint(base)
}
