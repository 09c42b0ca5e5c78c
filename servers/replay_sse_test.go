package servers_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushbench/pushbench/internal/wire"
	"github.com/pushbench/pushbench/servers"
)

// fakeOrigin is the first event id minus one of a server on the fake clock:
// 2024-01-01T00:00:00Z in Unix microseconds.
const fakeOrigin = 1704067200000000

func idText(n uint64) string { return strconv.FormatUint(n, 10) }

// sseEvents opens an SSE stream and delivers its dispatched events; the
// returned func ends the stream (the test's cleanup does too).
func sseEvents(t *testing.T, url string, header http.Header) (<-chan wire.SSEEvent, func()) {
	t.Helper()
	events, stop, err := openSSE(url, header)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return events, stop
}

// openSSE is sseEvents for goroutines other than the test's.
func openSSE(url string, header http.Header) (<-chan wire.SSEEvent, func(), error) {
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	if resp.StatusCode != 200 {
		cancel()
		resp.Body.Close()
		return nil, nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	events := make(chan wire.SSEEvent, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer resp.Body.Close()
		var p wire.SSEParser
		buf := make([]byte, 32<<10)
		for {
			n, err := resp.Body.Read(buf)
			stop := false
			_ = p.Feed(buf[:n], func(ev wire.SSEEvent) {
				select {
				case events <- ev:
				case <-ctx.Done():
					stop = true
				}
			})
			if err != nil || stop {
				return
			}
		}
	}()
	var once sync.Once
	return events, func() { once.Do(func() { cancel(); <-done }) }, nil
}

func lastEventIDHeader(id string) http.Header { return http.Header{"Last-Event-Id": {id}} }

func publishSeq(srv *servers.Server, seq uint64) {
	srv.Broadcast(servers.NewMessage(wire.Envelope{Seq: seq, TS: 1, Data: "m"}))
}

// TestSSEResumeReplaysWhatWasMissed covers every kind of Last-Event-ID on a
// server (fake clock, so ids are known) that has broadcast 20 messages and
// keeps the last 5.
func TestSSEResumeReplaysWhatWasMissed(t *testing.T) {
	id := func(n uint64) uint64 { return fakeOrigin + n } // the id of message n
	gap := func(last string, oldest uint64) wire.SSEEvent {
		data := fmt.Sprintf(`{"last_event_id":%q,"oldest_id":"%d"}`, last, oldest)
		return wire.SSEEvent{Type: wire.SSEGapEvent, ID: idText(oldest - 1), Data: data}
	}
	tests := []struct {
		name      string
		replay    int
		path      string
		header    http.Header
		wantGap   *wire.SSEEvent
		wantFirst uint64 // the first message replayed (21: only the live one)
	}{
		{"in the buffer", 5, "/sse", lastEventIDHeader(idText(id(17))), nil, 18},
		{"query parameter", 5, "/sse?lastEventId=" + idText(id(17)), nil, nil, 18},
		{"header wins over query", 5, "/sse?lastEventId=" + idText(id(2)), lastEventIDHeader(idText(id(18))), nil, 19},
		{"just before the buffer", 5, "/sse", lastEventIDHeader(idText(id(15))), nil, 16},
		{"up to date", 5, "/sse", lastEventIDHeader(idText(id(20))), nil, 21},
		{"too old", 5, "/sse", lastEventIDHeader(idText(id(3))), ptr(gap(idText(id(3)), id(16))), 16},
		{"previous process", 5, "/sse", lastEventIDHeader("1000"), ptr(gap("1000", id(16))), 16},
		{"from the future", 5, "/sse", lastEventIDHeader(idText(id(99))), ptr(gap(idText(id(99)), id(16))), 16},
		{"not an id", 5, "/sse", lastEventIDHeader("seq-7\"x"), ptr(gap("seq-7\"x", id(16))), 16},
		{"replay off, up to date", -1, "/sse", lastEventIDHeader(idText(id(20))), nil, 21},
		{"replay off, behind", -1, "/sse", lastEventIDHeader(idText(id(19))), ptr(gap(idText(id(19)), id(21))), 21},
		{"no id", 5, "/sse", nil, nil, 21},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _, base := startClocked(t, servers.Config{ReplayLen: tt.replay, Heartbeat: -1})
			for n := uint64(1); n <= 20; n++ {
				publishSeq(srv, n)
			}
			events, _ := sseEvents(t, base+tt.path, tt.header)
			if tt.wantGap != nil {
				if ev := recv(t, events, "gap event"); ev != *tt.wantGap {
					t.Fatalf("first event %+v, want the gap %+v", ev, *tt.wantGap)
				}
			}
			// The live message goes out once the server has taken the resume
			// (its first replayed event has arrived, or it has subscribed):
			// published earlier, it would evict what the client asked for.
			var first *wire.SSEEvent
			if tt.wantFirst == 21 {
				waitSubscribers(t, srv, 1)
			} else {
				ev := recv(t, events, fmt.Sprintf("message %d", tt.wantFirst))
				first = &ev
			}
			publishSeq(srv, 21) // live: the replay must run into it seamlessly
			for n := tt.wantFirst; n <= 21; n++ {
				var ev wire.SSEEvent
				if n == tt.wantFirst && first != nil {
					ev = *first
				} else {
					ev = recv(t, events, fmt.Sprintf("message %d", n))
				}
				env, err := wire.DecodeEnvelope([]byte(ev.Data))
				if err != nil || env.Seq != n || ev.ID != idText(id(n)) || ev.Type != "message" {
					t.Fatalf("event %+v (%v), want message %d with id %d", ev, err, n, id(n))
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestSSEResumeUnderConcurrentPublishing: clients drop and resume again and
// again while publishers keep broadcasting; each sees every message exactly
// once, in increasing id order.
func TestSSEResumeUnderConcurrentPublishing(t *testing.T) {
	const (
		clients    = 6
		publishers = 3
		perPub     = 400
		total      = publishers * perPub
	)
	srv, base := start(t, servers.Config{QueueLen: 2 * total, ReplayLen: 2 * total, Heartbeat: -1})
	var wg sync.WaitGroup
	results := make(chan error, clients)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- resumingClient(base, total, rand.New(rand.NewPCG(uint64(c), 1)))
		}()
	}
	waitSubscribers(t, srv, clients)
	var pubs sync.WaitGroup
	for p := range publishers {
		pubs.Add(1)
		go func() {
			defer pubs.Done()
			for i := range perPub {
				publishSeq(srv, uint64(p*perPub+i+1))
				if i%5 == 4 {
					time.Sleep(time.Millisecond) // spread publishing over the clients' reconnects
				}
			}
		}()
	}
	pubs.Wait()
	wg.Wait()
	for range clients {
		if err := <-results; err != nil {
			t.Error(err)
		}
	}
}

// resumingClient reads until it has seen total distinct messages, dropping
// its stream after a random number of events and resuming with the last id.
func resumingClient(base string, total int, rng *rand.Rand) error {
	seen := make(map[uint64]bool, total)
	var last uint64
	var header http.Header
	for reconnects := 0; len(seen) < total; reconnects++ {
		if reconnects > 200 {
			return fmt.Errorf("%d of %d after 200 reconnects", len(seen), total)
		}
		events, stop, err := openSSE(base+"/sse", header)
		if err != nil {
			return err
		}
		for n := 1 + rng.IntN(total/4); n > 0 && len(seen) < total; n-- {
			var ev wire.SSEEvent
			select {
			case ev = <-events:
			case <-time.After(waitLimit):
				stop()
				return fmt.Errorf("nothing within %v after %d of %d messages", waitLimit, len(seen), total)
			}
			if ev.Type != "message" {
				stop()
				return fmt.Errorf("unexpected %q event %q after id %d", ev.Type, ev.Data, last)
			}
			id, _ := strconv.ParseUint(ev.ID, 10, 64)
			env, err := wire.DecodeEnvelope([]byte(ev.Data))
			if err != nil || id <= last || seen[env.Seq] {
				stop()
				return fmt.Errorf("event id %s seq %d after id %d (duplicate: %v, err %v)", ev.ID, env.Seq, last, seen[env.Seq], err)
			}
			last, seen[env.Seq] = id, true
		}
		stop()
		header = lastEventIDHeader(idText(last))
	}
	return nil
}

// TestSSEAnswers204WhenShuttingDown: an EventSource that reconnects to a
// server that is going away gets 204, which stops its reconnecting.
func TestSSEAnswers204WhenShuttingDown(t *testing.T) {
	srv, base := start(t, servers.Config{})
	srv.Close()
	for _, h := range []http.Header{nil, lastEventIDHeader("5")} {
		req, _ := http.NewRequest("GET", base+"/sse", nil)
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("sse during shutdown: %s, want 204", resp.Status)
		}
	}
	resp, err := client.Get(base + "/chunked")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("chunked during shutdown: %s, want 503", resp.Status)
	}
}

// TestSSEResumeAcrossServersOnOneReplayFile: a second server started on the
// replay file of a first one that never shut down (its file is exactly as a
// SIGKILL would leave it) resumes a client that was cut off from the first.
func TestSSEResumeAcrossServersOnOneReplayFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "replay")
	first := servers.New(servers.Config{ReplayFile: path, Heartbeat: -1}, quiet)
	addr, stopFirst := serveLoopback(t, first)
	events, cut := sseEvents(t, "http://"+addr+"/sse", nil)
	waitSubscribers(t, first, 1)
	for n := uint64(1); n <= 30; n++ {
		publish(t, "http://"+addr, fmt.Sprintf(`{"seq":%d,"data":"before"}`, n))
	}
	var last string
	for n := uint64(1); n <= 10; n++ {
		last = recv(t, events, "event before the cut").ID
	}
	cut()

	second := servers.New(servers.Config{ReplayFile: path, Heartbeat: -1}, quiet)
	addr2, stopSecond := serveLoopback(t, second)
	defer func() { recv(t, stopSecond(), "second server's end") }()
	recv(t, stopFirst(), "first server's end") // its file is no longer the one on disk
	for n := uint64(31); n <= 40; n++ {
		publish(t, "http://"+addr2, fmt.Sprintf(`{"seq":%d,"data":"after"}`, n))
	}
	events, _ = sseEvents(t, "http://"+addr2+"/sse", lastEventIDHeader(last))
	prev, _ := strconv.ParseUint(last, 10, 64)
	for n := uint64(11); n <= 40; n++ {
		ev := recv(t, events, fmt.Sprintf("message %d", n))
		env, err := wire.DecodeEnvelope([]byte(ev.Data))
		id, _ := strconv.ParseUint(ev.ID, 10, 64)
		if err != nil || ev.Type != "message" || env.Seq != n || id <= prev {
			t.Fatalf("event %+v (%v), want message %d with an id above %d", ev, err, n, prev)
		}
		prev = id
	}
}

// TestSSEResumeBacklogLargerThanTheQueue: a backlog far larger than the
// subscriber queue is replayed from the buffer, not through the queue, so
// nothing is dropped even while live messages keep coming.
func TestSSEResumeBacklogLargerThanTheQueue(t *testing.T) {
	const backlog, live = 3000, 50
	srv, _, base := startClocked(t, servers.Config{QueueLen: 16, ReplayLen: 2 * backlog, Heartbeat: -1})
	for n := uint64(1); n <= backlog; n++ {
		publishSeq(srv, n)
	}
	events, _ := sseEvents(t, base+"/sse", lastEventIDHeader(idText(fakeOrigin+1)))
	published := make(chan struct{})
	go func() {
		defer close(published)
		for n := uint64(backlog + 1); n <= backlog+live; n++ {
			publishSeq(srv, n)
			time.Sleep(time.Millisecond)
		}
	}()
	for n := uint64(2); n <= backlog+live; n++ {
		ev := recv(t, events, fmt.Sprintf("message %d", n))
		if ev.ID != idText(fakeOrigin+n) {
			t.Fatalf("event id %s, want %d (message %d)", ev.ID, fakeOrigin+n, n)
		}
	}
	recv(t, published, "publisher's end")
	if st := srv.Hub().Stats(); st.Dropped != 0 {
		t.Fatalf("hub dropped %d messages", st.Dropped)
	}
}

// TestReplayBufferMemoryIsBounded: 32 MiB of broadcasts through a buffer of
// 1 MiB leave the heap at most a few MiB larger (generous: the bound is what
// matters, not the figure).
func TestReplayBufferMemoryIsBounded(t *testing.T) {
	srv, _ := start(t, servers.Config{ReplayLen: 1 << 20, ReplayBytes: 1 << 20})
	payload := strings.Repeat("p", 8<<10)
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	for n := uint64(1); n <= 4096; n++ {
		srv.Broadcast(servers.NewMessage(wire.Envelope{Seq: n, TS: 1, Data: payload}))
	}
	after := heap()
	if after > before && after-before > 8<<20 {
		t.Fatalf("heap grew %d KiB for a 1 MiB replay buffer", (after-before)>>10)
	}
	t.Logf("heap growth %d KiB for 32 MiB broadcast through a 1 MiB buffer", (int64(after)-int64(before))>>10)
}
