package servers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/internal/wire"
	"github.com/pushbench/pushbench/servers"
)

const mib = 1 << 20

// heapInuse is the heap in use after a full collection: what the process
// (server and test clients together) holds.
func heapInuse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// bigEnvelope is a publish body of about n bytes numbered seq.
func bigEnvelope(seq, n int) string {
	return fmt.Sprintf(`{"seq":%d,"ts":1,"data":"%s"}`, seq, strings.Repeat("x", n))
}

// bigMessage is a hub message like the one a publish of bigEnvelope(seq, n)
// makes, its data and its JSON each n bytes.
func bigMessage(seq, n int) *servers.Message {
	data := strings.Repeat("x", n)
	js := fmt.Appendf(nil, `{"seq":%d,"ts":1,"data":"%s"}`, seq, data)
	return &servers.Message{Env: wire.Envelope{Seq: uint64(seq), TS: 1, Data: data}, JSON: js}
}

// openSlowStream opens a stream it never reads, on a client whose timeout
// outlasts the test (the shared client's would end it), and returns how to
// close it.
func openSlowStream(t *testing.T, url string) (closeStream func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	closeStream = func() { resp.Body.Close(); cancel() }
	t.Cleanup(closeStream)
	return closeStream
}

// stats reads /stats as a client sees it.
func stats(t *testing.T, base string) servers.HubStats {
	t.Helper()
	resp, err := client.Get(base + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st servers.HubStats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// readSeq reads the next broadcast from a well-behaved WebSocket client and
// returns its seq.
func readSeq(t *testing.T, c *websocket.Conn) int {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(waitLimit))
	_, b, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("well-behaved client: %v", err)
	}
	// The envelope starts with its seq; decoding a whole 1 MiB message is slow
	// under the race detector.
	var seq int
	if _, err := fmt.Sscanf(string(b[:min(len(b), 40)]), `{"seq":%d,`, &seq); err != nil {
		t.Fatalf("well-behaved client got %.80q: %v", b, err)
	}
	return seq
}

// TestSlowSubscribersMemoryBounded: clients on /ws and /sse that never read
// while ~1 MiB messages are broadcast. The heap stays under queue-bytes per
// subscriber (times the few encodings a message carries) plus 64 MiB, while a
// well-behaved client receives every message. Without the byte budget each
// slow queue would pin every message (1,024 by count): over 200 MiB here.
func TestSlowSubscribersMemoryBounded(t *testing.T) {
	const (
		queueBytes = 4 * mib
		messages   = 100
		size       = mib
		slowSubs   = 2
		// A queued message pins its data, its JSON and an encoding for each
		// transport in use: at most 4 copies here.
		copies = 4
		bound  = slowSubs*(queueBytes+size)*copies + 64*mib
	)
	// A long write timeout: the slow clients stay connected, holding their queues.
	srv, base := start(t, servers.Config{QueueBytes: queueBytes, MaxPublishBytes: 2 * mib, WriteTimeout: time.Minute})
	before := heapInuse()

	slowWS := dialWS(t, wsURL(base)+"/ws", nil) // never reads
	slowSSE := openSlowStream(t, base+"/sse")
	good := dialWS(t, wsURL(base)+"/ws", nil)
	waitSubscribers(t, srv, 3)

	publish(t, base, bigEnvelope(1, size)) // the way a publisher does, once
	if got := readSeq(t, good); got != 1 {
		t.Fatalf("well-behaved client got seq %d, want 1", got)
	}
	var peak uint64
	for i := 2; i <= messages; i++ {
		// Straight into the hub: parsing 1 MiB of JSON per POST is slow under
		// the race detector, and the queues are what is tested here.
		srv.Hub().Publish(bigMessage(i, size))
		if got := readSeq(t, good); got != i {
			t.Fatalf("well-behaved client got seq %d, want %d", got, i)
		}
		if i%20 == 0 {
			h := heapInuse()
			peak = max(peak, h)
			if h > before+bound {
				t.Fatalf("after %d messages of %d MiB the heap grew %d MiB, over the bound %d MiB", i, size/mib, (h-before)/mib, bound/mib)
			}
		}
	}
	st := stats(t, base)
	if st.Subscribers != 3 || st.Dropped == 0 || st.OverBytes == 0 {
		t.Fatalf("stats %+v: want 3 subscribers and byte-budget drops counted", st)
	}
	if limit := int64(slowSubs * (queueBytes + size)); st.QueuedBytes > limit+size {
		t.Fatalf("queued %d bytes, over %d", st.QueuedBytes, limit+size)
	}
	slowWS.Close()
	slowSSE()
	waitSubscribers(t, srv, 1)
	after := heapInuse()
	t.Logf("heap in use: before %.1f MiB, peak during %.1f MiB (bound: before + %d MiB), after %.1f MiB; stats %+v",
		float64(before)/mib, float64(peak)/mib, bound/mib, float64(after)/mib, st)
}

// TestWriteTimeoutKickCounted: a client that stops reading is ended when a
// write to it does not finish within WriteTimeout, and /stats counts it,
// while a well-behaved client receives every message.
func TestWriteTimeoutKickCounted(t *testing.T) {
	for _, path := range []string{"/ws", "/sse", "/chunked"} {
		t.Run(path, func(t *testing.T) {
			// 1s, not less: the well-behaved client reads megabyte messages
			// under the race detector on a busy machine, and must not itself
			// take longer than the write timeout to drain one.
			srv, base := start(t, servers.Config{WriteTimeout: time.Second, MaxPublishBytes: 2 * mib})
			if path == "/ws" {
				dialWS(t, wsURL(base)+path, nil) // never reads
			} else {
				openStream(t, base+path, nil) // never reads
			}
			good := dialWS(t, wsURL(base)+"/ws", nil)
			waitSubscribers(t, srv, 2)
			// Enough to fill the kernel's socket buffers, then wait out the
			// write deadline.
			for i := 1; i <= 64 && stats(t, base).WriteTimeouts == 0; i++ {
				srv.Hub().Publish(bigMessage(i, mib))
				if got := readSeq(t, good); got != i {
					t.Fatalf("well-behaved client got seq %d, want %d", got, i)
				}
				if i >= 16 {
					time.Sleep(50 * time.Millisecond)
				}
			}
			eventually(t, "write timeout counted in /stats", func() bool { return stats(t, base).WriteTimeouts == 1 })
			waitSubscribers(t, srv, 1)
			publish(t, base, `{"seq":1000,"ts":1,"data":"after"}`)
			if got := readSeq(t, good); got != 1000 {
				t.Fatalf("well-behaved client got seq %d after the kick", got)
			}
		})
	}
}
