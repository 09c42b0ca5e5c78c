package cli

// End-to-end tests of coordinated runs (--procs) beyond fan-out against
// pushbench's own server: listening to a server pushbench did not write,
// and fan-out over several targets. Skipped by go test -short.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

// burstTicker is an SSE server pushbench did not write, in its own JSON:
// a second after a client connects (past every worker's start, ramp and
// the plan's lead) it sends data {"at": <unix ms>, "n": i} for i = 1..50, 5
// ms apart, skipping n = 20 (lost) and sending n = 30 twice (a duplicate),
// then holds the stream. It counts every request that is not a stream
// request (a publish, which a listen run must never make).
func burstTicker(t *testing.T) (url string, others *atomic.Int64) {
	t.Helper()
	others = &atomic.Int64{}
	var wg sync.WaitGroup
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/prices" {
			others.Add(1)
			http.NotFound(w, r)
			return
		}
		wg.Add(1)
		defer wg.Done()
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
			return
		}
		for i := 1; i <= 50; i++ {
			copies := 1
			switch i {
			case 20:
				copies = 0
			case 30:
				copies = 2
			}
			for range copies {
				fmt.Fprintf(w, "data: {\"at\":%d,\"n\":%d,\"price\":0.42}\n\n", time.Now().UnixMilli(), i)
			}
			w.(http.Flusher).Flush()
			time.Sleep(5 * time.Millisecond)
		}
		<-r.Context().Done()
	}))
	t.Cleanup(func() { ts.CloseClientConnections(); ts.Close(); wg.Wait() })
	return ts.URL, others
}

// TestE2EProcsListenToForeignTicker: pushbench run --procs 3 --pattern
// listen against an SSE ticker pushbench did not write, with --timestamp
// and --seq naming the ticker's own fields: the three workers' shares make
// the scenario's connections, each lost one message and saw one twice by
// the ticker's numbers, latency is on the ticker's clock, and nothing was
// published.
func TestE2EProcsListenToForeignTicker(t *testing.T) {
	bin := buildBinary(t)
	base, others := burstTicker(t)
	out := t.TempDir()
	const conns = 30
	stdout, stderr, code := runBinary(t, bin, "run", "--quiet", "--procs", "3", "--pattern", "listen", "--target", base,
		"--transports", "sse", "--url", "sse="+base+"/prices", "--timestamp", "at:ms", "--seq", "n",
		"--connections", strconv.Itoa(conns), "--warmup", "0s", "--duration", "2500ms", "--name", "procs-listen", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	tr := onlyTransport(t, out, "*-procs-listen")
	c := tr.Counters
	if c.ConnReady != conns || c.Received != conns*49 || c.Lost != conns || c.Duplicated != conns || c.Expected != c.Received+c.Lost ||
		c.Sent != 0 || c.Scheduled != 0 || len(tr.Errors) != 0 {
		t.Fatalf("counters %+v, errors %v; want %d connections each 49 received, 1 lost, 1 duplicated", c, tr.Errors, conns)
	}
	if len(tr.Workers) != 3 || tr.Partial {
		t.Fatalf("workers %+v, partial %v", tr.Workers, tr.Partial)
	}
	lat := tr.Hist(results.HistLatency)
	if lat.Count() != c.Received || tr.LatencyClock != results.ClockServer || lat.Quantile(0.99) > time.Second {
		t.Fatalf("latency: %d samples (want %d), clock %q, p99 %s", lat.Count(), c.Received, tr.LatencyClock, lat.Quantile(0.99))
	}
	if n := others.Load(); n != 0 {
		t.Fatalf("the ticker got %d requests other than its stream: a listen run publishes nothing", n)
	}
}

// TestE2EProcsFanoutOverTwoTargets: pushbench run --procs 2 with two
// servers the user started (--target twice): each server holds half the
// subscribers, takes every message once from the one publisher, and every
// subscriber receives every message.
func TestE2EProcsFanoutOverTwoTargets(t *testing.T) {
	bin := buildBinary(t)
	srvA, a := servertest.Start(t, servers.Config{})
	srvB, b := servertest.Start(t, servers.Config{})
	out := t.TempDir()
	const conns, rate = 40, 20 // 20 messages measured, 10 in the warm-up
	stdout, stderr, code := runBinary(t, bin, "run", "--quiet", "--procs", "2", "--target", a, "--target", b, "--transports", "ws",
		"--connections", strconv.Itoa(conns), "--warmup", "500ms", "--duration", "1s", "--drain", "1s", "--rate", strconv.Itoa(rate),
		"--name", "procs-two-targets", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	tr := onlyTransport(t, out, "*-procs-two-targets")
	c := tr.Counters
	if c.ConnReady != conns || c.ConnFailed != 0 || c.Scheduled != rate || c.Sent != rate || c.Expected != conns*rate ||
		c.Received != c.Expected || c.Lost != 0 || c.Duplicated != 0 || len(tr.Workers) != 2 {
		t.Fatalf("counters %+v, %d workers, errors %v; want %d sent once, %d received", c, len(tr.Workers), tr.Errors, rate, conns*rate)
	}
	for i, st := range []servers.HubStats{srvA.Hub().Stats(), srvB.Hub().Stats()} {
		// 10 warm-up and 20 measured messages, each once, to 20 subscribers.
		if st.Published != 30 || st.Enqueued != conns/2*st.Published || st.Dropped != 0 {
			t.Errorf("server %d: published %d, enqueued %d, dropped %d; want 30 messages once each, to %d subscribers",
				i+1, st.Published, st.Enqueued, st.Dropped, conns/2)
		}
	}
}
