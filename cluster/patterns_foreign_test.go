package cluster_test

import (
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

// TestCoordinatedListenToForeignTicker: three workers listen to a ticker
// pushbench did not write, each on its share of the connections; by the
// ticker's own sequence numbers every connection lost one message and saw
// one twice, so the merged counts are the scenario's connections times
// that, latency is read from the ticker's own timestamps, and pushbench
// sent the ticker nothing.
func TestCoordinatedListenToForeignTicker(t *testing.T) {
	ticker := startForeignTicker(t)
	const conns = 31
	job := patternJob(workload.Listen, clients.WS, ticker.url, "", conns, 1)
	job.Workload.Warmup = workload.Duration(0).Ptr()
	job.Workload.Duration = workload.Duration(2 * time.Second)
	job.Payload = loadgen.Payload{Timestamp: "at:ms", Seq: "n"}
	out := runCoordinated(t, 3, job, nil)
	m := out.Merged
	c := m.Counters
	perConn := results.Counters{Received: tickerBurst - 1, Lost: 1, Duplicated: 1}
	if c.ConnReady != conns || c.Received != conns*perConn.Received || c.Lost != conns*perConn.Lost ||
		c.Duplicated != conns*perConn.Duplicated || c.Expected != c.Received+c.Lost || c.Scheduled != 0 || c.Sent != 0 {
		t.Fatalf("merged counters %+v, errors %v; want %d connections each %+v", c, m.Errors, conns, perConn)
	}
	for i, w := range out.Workers {
		held := shares(conns, 3)[i]
		if wc := w.Counters; wc.ConnReady != held || wc.Received != held*perConn.Received || wc.Lost != held*perConn.Lost {
			t.Errorf("worker %d: %d ready, %d received, %d lost; want its %d connections' share", i, wc.ConnReady, wc.Received, wc.Lost, held)
		}
	}
	lat := m.Hist(results.HistLatency)
	if lat.Count() != c.Received || m.LatencyClock != results.ClockServer || lat.Quantile(0.99) > time.Second {
		t.Fatalf("latency: %d samples (want %d), clock %q, p99 %s", lat.Count(), c.Received, m.LatencyClock, lat.Quantile(0.99))
	}
	if n := m.Hist(results.HistGap).Count(); n != c.Received-conns {
		t.Errorf("gap samples %d, want %d (one per message after each connection's first)", n, c.Received-conns)
	}
	if sent, _ := ticker.received(); sent != 0 {
		t.Errorf("pushbench sent the ticker %d messages in a listen run", sent)
	}
	checkExactMerge(t, out)
}

// TestCoordinatedFanoutThroughForeignRelay: two workers fan out through a
// chat relay in its own format (a body template carries the marker): one
// connection publishes the scenario's messages once, and every subscriber
// of both workers receives each of them once.
func TestCoordinatedFanoutThroughForeignRelay(t *testing.T) {
	relay := startForeignRelay(t)
	const conns, rate = 20, 50
	job := patternJob(workload.Fanout, clients.WS, relay.url, relay.url, conns, rate)
	job.Body = `{"say":"{{marker}}","pad":"{{payload}}"}`
	out := runCoordinated(t, 2, job, nil)
	c := out.Merged.Counters
	if c.ConnReady != conns || c.Scheduled != rate || c.Sent != rate || c.Expected != conns*rate || c.Received != c.Expected ||
		c.Lost != 0 || c.Duplicated != 0 {
		t.Fatalf("merged counters %+v, errors %v; want %d sent once, %d received", c, out.Merged.Errors, rate, conns*rate)
	}
	// 10 warm-up messages and 50 measured, from one connection.
	if msgs, senders := relay.received(); msgs != rate+10 || senders != 1 {
		t.Fatalf("relay took %d messages from %d connections, want %d from one publisher", msgs, senders, rate+10)
	}
	for i, w := range out.Workers {
		if wc := w.Counters; wc.ConnReady != conns/2 || wc.Received != conns/2*rate || (i == 0) != (wc.Sent > 0) {
			t.Errorf("worker %d: %d ready, %d received, %d sent; want %d, %d, and only worker 0 sending", i, wc.ConnReady, wc.Received, wc.Sent, conns/2, conns/2*rate)
		}
	}
	if n := out.Merged.Hist(results.HistLatency).Count(); n != c.Received || out.Merged.LatencyClock != results.ClockGenerator {
		t.Fatalf("latency samples %d (want %d), clock %q", n, c.Received, out.Merged.LatencyClock)
	}
	checkExactMerge(t, out)
}
