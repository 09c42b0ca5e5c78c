package loadgen_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/internal/wire"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

// faultyServer is a deliberately misbehaving SSE server: it takes envelopes on a
// WebSocket /publish and writes them to every /sse subscriber through a mangle
// function that can drop, repeat, reorder or delay them, or end the stream. It
// proves the load generator counts what a real broken server would do to it.
type faultyServer struct {
	// mangle maps one published seq to what is written: the seqs to write now
	// (nil drops it), a delay before writing, and whether to end the stream.
	mangle func(seq uint64, sub int) (write []uint64, delay time.Duration, hangUp bool)
	// cut makes a hang-up abort the connection mid-stream (no last chunk)
	// instead of ending the stream cleanly.
	cut bool

	mu   sync.Mutex
	subs []chan wire.Envelope
	held map[uint64]wire.Envelope
}

func (f *faultyServer) start(t *testing.T) *httptest.Server {
	f.held = map[uint64]wire.Envelope{}
	mux := http.NewServeMux()
	upgrader := websocket.Upgrader{}
	var wg sync.WaitGroup
	done := make(chan struct{})
	mux.HandleFunc("/publish", func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				return
			}
			env, err := wire.DecodeEnvelope(b)
			if err != nil {
				t.Errorf("publish: %v", err)
				return
			}
			f.mu.Lock()
			f.held[env.Seq] = env
			for _, s := range f.subs {
				s <- env
			}
			f.mu.Unlock()
		}
	})
	mux.HandleFunc("/sse", func(w http.ResponseWriter, r *http.Request) {
		wg.Add(1)
		defer wg.Done()
		ch := make(chan wire.Envelope, 4096)
		f.mu.Lock()
		id := len(f.subs)
		f.subs = append(f.subs, ch)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-done:
				return
			case env := <-ch:
				write, delay, hangUp := f.mangle(env.Seq, id)
				if hangUp {
					if f.cut {
						panic(http.ErrAbortHandler)
					}
					return
				}
				time.Sleep(delay)
				for _, seq := range write {
					f.mu.Lock()
					e := f.held[seq]
					f.mu.Unlock()
					frame, _ := wire.AppendSSE(nil, wire.SSEEvent{ID: strconv.FormatUint(seq, 10), Data: string(e.AppendJSON(nil))})
					w.Write(frame)
				}
				w.(http.Flusher).Flush()
			}
		}
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(func() { close(done); ts.CloseClientConnections(); ts.Close(); wg.Wait() })
	return ts
}

func runFaulty(t *testing.T, f *faultyServer) *results.TransportResult {
	t.Helper()
	ts := f.start(t)
	opts := smallLoad("sse", ts.URL+"/sse", wsURL(ts.URL)+"/publish")
	opts.Workload.Connections = 4
	opts.Workload.Drain = workload.Duration(500 * time.Millisecond).Ptr()
	res, err := loadgen.Run(context.Background(), opts, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Warm-up is 200ms at 50/s: seqs 1..10; measured are 11..60.
const firstMeasured, lastMeasured = 11, 60

func TestFaultLossIsCountedNotTimed(t *testing.T) {
	res := runFaulty(t, &faultyServer{mangle: func(seq uint64, _ int) ([]uint64, time.Duration, bool) {
		if seq%10 == 0 {
			return nil, 0, false
		}
		return []uint64{seq}, 0, false
	}})
	c := res.Counters
	// Measured seqs 11..60 hold five multiples of ten, for each of 4 receivers.
	if c.Expected != 200 || c.Lost != 20 || c.Received != 180 {
		t.Fatalf("expected/received/lost = %d/%d/%d, want 200/180/20", c.Expected, c.Received, c.Lost)
	}
	if n := res.Hist(results.HistLatency).Count(); n != 180 {
		t.Fatalf("latency samples %d: a lost message must not be a sample", n)
	}
}

func TestFaultDuplicatesAndReordering(t *testing.T) {
	res := runFaulty(t, &faultyServer{mangle: func(seq uint64, _ int) ([]uint64, time.Duration, bool) {
		switch seq % 10 {
		case 3:
			return []uint64{seq, seq}, 0, false // sent twice
		case 6:
			return nil, 0, false // held back ...
		case 7:
			return []uint64{seq, seq - 1}, 0, false // ... and sent after its successor
		}
		return []uint64{seq}, 0, false
	}})
	c := res.Counters
	// Per receiver, measured 11..60: 13, 23, 33, 43, 53 twice; 16, 26, 36, 46,
	// 56 after their successors. The same in warm-up (3, 6) is not counted.
	if c.Duplicated != 4*5 || c.OutOfOrder != 4*5 || c.Lost != 0 || c.Received != 4*50 {
		t.Fatalf("duplicated %d out-of-order %d lost %d received %d, want 20, 20, 0, 200", c.Duplicated, c.OutOfOrder, c.Lost, c.Received)
	}
}

func TestFaultStallShowsInTheTail(t *testing.T) {
	// One 400ms stall at seq 30: every message scheduled during it waits behind
	// it. Measured from the scheduled time, the stall shows in the tail; timed
	// from the moment of sending it would vanish (coordinated omission).
	res := runFaulty(t, &faultyServer{mangle: func(seq uint64, _ int) ([]uint64, time.Duration, bool) {
		if seq == 30 {
			return []uint64{seq}, 400 * time.Millisecond, false
		}
		return []uint64{seq}, 0, false
	}})
	lat := res.Hist(results.HistLatency)
	if lat.Max() < 400*time.Millisecond {
		t.Fatalf("max latency %v hides a 400ms stall", lat.Max())
	}
	// About 20 of the 50 messages per receiver were scheduled during the stall;
	// a tenth of all deliveries must be at least 100ms late.
	if p90 := lat.Quantile(0.90); p90 < 100*time.Millisecond {
		t.Fatalf("p90 %v: messages queued behind the stall were not charged for it", p90)
	}
	if res.Counters.Lost != 0 {
		t.Fatalf("lost %d; a stall within the drain time is latency, not loss", res.Counters.Lost)
	}
}

// TestFaultHangUpLosesTheRest: a receiver the server leaves at seq 40 loses
// the rest. A stream the server ends cleanly counts as ended; one cut off
// mid-stream counts as dropped, with its read error kept.
func TestFaultHangUpLosesTheRest(t *testing.T) {
	for _, cut := range []bool{false, true} {
		t.Run(map[bool]string{false: "ended cleanly", true: "cut off"}[cut], func(t *testing.T) {
			res := runFaulty(t, &faultyServer{cut: cut, mangle: func(seq uint64, sub int) ([]uint64, time.Duration, bool) {
				// The reference receiver (sub 0, the preflight) is gone;
				// receiver 1 hangs up when seq 40 arrives.
				if sub == 1 && seq == 40 {
					return nil, 0, true
				}
				return []uint64{seq}, 0, false
			}})
			c := res.Counters
			// Receiver 1 got 11..39 = 29 of 50.
			if c.Lost != 21 || c.Received != 4*50-21 {
				t.Fatalf("lost %d received %d, want 21, 179", c.Lost, c.Received)
			}
			readErrors := int64(0)
			if e := res.Errors["read"]; e != nil {
				readErrors = e.Count
			}
			if cut && (c.ConnDropped != 1 || c.ConnEnded != 0 || readErrors != 1) {
				t.Fatalf("cut off: dropped %d ended %d read errors %d, want 1, 0, 1", c.ConnDropped, c.ConnEnded, readErrors)
			}
			if !cut && (c.ConnEnded != 1 || c.ConnDropped != 0 || readErrors != 0) {
				t.Fatalf("ended cleanly: ended %d dropped %d read errors %d, want 1, 0, 0", c.ConnEnded, c.ConnDropped, readErrors)
			}
		})
	}
}
