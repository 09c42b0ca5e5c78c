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

// restartServer is a small push server whose subscribers a test can cut off
// at a point of the run's timeline: /publish (WebSocket) appends envelopes
// to a log whose SSE ids are the log positions (1, 2, ...); /sse, /chunked
// and /ws stream the log from where each subscriber started. With resume,
// /sse honours Last-Event-ID by replaying from the log; without it a
// subscriber starts at the log's end, so what was published while it was
// away is gone. It records what each redial missed.
type restartServer struct {
	resume  bool
	retryMS int   // sent at the start of every SSE stream when > 0
	refuse  int   // status every stream request gets after the first cut (0: serve)
	cutPub  int64 // close the publisher's connection after this seq arrives, once (0: never)
	pubDown time.Duration

	mu       sync.Mutex
	log      []wire.Envelope
	changed  chan struct{} // closed and replaced on every publish
	cutNow   chan struct{} // closed and replaced by cut
	cuts     int
	endedAt  []int    // log position where each cut-off stream stopped
	missed   []uint64 // seqs a redial started past, per redial
	lastIDs  []string // Last-Event-ID of each /sse request that sent one
	attempts int      // stream requests after the first cut
	pubCut   bool
	downTill time.Time
	wg       sync.WaitGroup
}

func (s *restartServer) start(t *testing.T) *httptest.Server {
	s.changed, s.cutNow = make(chan struct{}), make(chan struct{})
	mux := http.NewServeMux()
	up := websocket.Upgrader{}
	mux.HandleFunc("/publish", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		down := time.Now().Before(s.downTill)
		s.mu.Unlock()
		if down {
			http.Error(w, "restarting", http.StatusServiceUnavailable)
			return
		}
		c, err := up.Upgrade(w, r, nil)
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
			s.mu.Lock()
			s.log = append(s.log, env)
			close(s.changed)
			s.changed = make(chan struct{})
			cut := s.cutPub != 0 && env.Seq == uint64(s.cutPub) && !s.pubCut
			if cut {
				s.pubCut, s.downTill = true, time.Now().Add(s.pubDown)
			}
			s.mu.Unlock()
			if cut {
				_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "restart"), time.Now().Add(time.Second))
				return
			}
		}
	})
	closing := make(chan struct{})
	stream := func(done <-chan struct{}, r *http.Request, write func(id int, env wire.Envelope) error, flush func()) {
		s.wg.Add(1)
		defer s.wg.Done()
		s.mu.Lock()
		pos := len(s.log)
		if id, err := strconv.Atoi(r.Header.Get("Last-Event-ID")); err == nil && s.resume {
			pos = min(id, len(s.log))
		}
		if s.cuts > 0 && len(s.endedAt) > 0 {
			from := s.endedAt[0]
			s.endedAt = s.endedAt[1:]
			for _, e := range s.log[min(from, pos):pos] {
				s.missed = append(s.missed, e.Seq)
			}
		}
		cut := s.cutNow
		s.mu.Unlock()
		for {
			s.mu.Lock()
			pending, changed := s.log[pos:], s.changed
			s.mu.Unlock()
			for _, env := range pending {
				pos++
				if write(pos, env) != nil {
					return
				}
			}
			flush()
			select {
			case <-changed:
			case <-cut:
				s.mu.Lock()
				s.endedAt = append(s.endedAt, pos)
				s.mu.Unlock()
				return
			case <-done:
				return
			case <-closing:
				return
			}
		}
	}
	refused := func(w http.ResponseWriter, r *http.Request) bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		if id := r.Header.Get("Last-Event-ID"); id != "" {
			s.lastIDs = append(s.lastIDs, id)
		}
		if s.cuts == 0 {
			return false
		}
		s.attempts++
		if s.refuse != 0 {
			w.WriteHeader(s.refuse)
			return true
		}
		return false
	}
	mux.HandleFunc("/sse", func(w http.ResponseWriter, r *http.Request) {
		if refused(w, r) {
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		if s.retryMS > 0 {
			w.Write(wire.AppendSSERetry(nil, int64(s.retryMS)))
		}
		stream(r.Context().Done(), r, func(id int, env wire.Envelope) error {
			b, _ := wire.AppendSSE(nil, wire.SSEEvent{ID: strconv.Itoa(id), Data: string(env.AppendJSON(nil))})
			_, err := w.Write(b)
			return err
		}, w.(http.Flusher).Flush)
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		if refused(w, r) {
			return
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		stream(r.Context().Done(), r, func(_ int, env wire.Envelope) error {
			_, err := w.Write(append(env.AppendJSON(nil), '\n'))
			return err
		}, w.(http.Flusher).Flush)
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		if refused(w, r) {
			return
		}
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		gone := make(chan struct{})
		go func() { // read, so a client's close is seen
			defer close(gone)
			for {
				if _, _, err := c.NextReader(); err != nil {
					return
				}
			}
		}()
		stream(gone, r, func(_ int, env wire.Envelope) error {
			return c.WriteMessage(websocket.TextMessage, env.AppendJSON(nil))
		}, func() {})
		_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, ""), time.Now().Add(time.Second))
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(func() { close(closing); ts.CloseClientConnections(); ts.Close(); s.wg.Wait() })
	return ts
}

// cut ends every stream open now, as a server restart would.
func (s *restartServer) cut(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cuts++
	close(s.cutNow)
	s.cutNow = make(chan struct{})
	return nil
}

// reconnectLoad is smallLoad with a reconnect policy and cuts on its timeline.
func reconnectLoad(s *restartServer, transport, url, publish string, conns int, p workload.Reconnect, cutsAt ...time.Duration) loadgen.Config {
	cfg := smallLoad(transport, url, publish)
	cfg.Workload.Connections = conns
	cfg.Workload.Drain = workload.Duration(time.Second).Ptr()
	cfg.Workload.Reconnect = &p
	for _, at := range cutsAt {
		cfg.Timeline = append(cfg.Timeline, loadgen.Action{At: at, Name: "cut", Do: s.cut})
	}
	return cfg
}

func noJitter() *float64 { z := 0.0; return &z }

func runOrFail(t *testing.T, cfg loadgen.Config) *results.TransportResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := loadgen.Run(ctx, cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestSSEResumeLosesNothing: a server that ends every stream twice during
// the run and honours Last-Event-ID loses nothing; each connection redials
// after the server's retry (50ms, though the policy's backoff is 30s: a
// browser waits what the server asks), with the last id it saw.
func TestSSEResumeLosesNothing(t *testing.T) {
	s := &restartServer{resume: true, retryMS: 50}
	ts := s.start(t)
	cfg := reconnectLoad(s, "sse", ts.URL+"/sse", wsURL(ts.URL)+"/publish", 4,
		workload.Reconnect{Backoff: workload.Duration(30 * time.Second), MaxBackoff: workload.Duration(30 * time.Second), Jitter: noJitter()},
		300*time.Millisecond, 600*time.Millisecond)
	res := runOrFail(t, cfg)
	c := res.Counters
	if c.Lost != 0 || c.Received != 4*50 || c.LostAcrossReconnect != 0 {
		t.Fatalf("lost %d received %d lost across %d, want 0, 200, 0; errors %v", c.Lost, c.Received, c.LostAcrossReconnect, res.Errors)
	}
	if c.Reconnects != 8 || c.ReconnectFailed != 0 || c.ConnEnded != 8 {
		t.Fatalf("reconnects %d failed %d ended %d, want 8, 0, 8", c.Reconnects, c.ReconnectFailed, c.ConnEnded)
	}
	if n := res.Hist(results.HistReconnect).Count(); n != 8 {
		t.Fatalf("reconnect histogram has %d samples, want 8", n)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.lastIDs) != 8 {
		t.Fatalf("Last-Event-ID sent on %d requests, want every redial (8): %v", len(s.lastIDs), s.lastIDs)
	}
	if res.Workload.Reconnect == nil || res.Workload.Reconnect.Backoff != results.Duration(30*time.Second) {
		t.Fatalf("result workload does not record the policy: %+v", res.Workload.Reconnect)
	}
}

// TestReconnectWithoutResumeCountsWhatWasMissed: a server without resume
// (SSE ignoring Last-Event-ID, a WebSocket) restarts each stream at its end;
// what was published while the client was away is lost across the
// reconnect, exactly.
func TestReconnectWithoutResumeCountsWhatWasMissed(t *testing.T) {
	for _, tr := range []string{"sse", "ws", "chunked"} {
		t.Run(tr, func(t *testing.T) {
			s := &restartServer{}
			ts := s.start(t)
			url := ts.URL + "/" + tr
			if tr == "ws" {
				url = wsURL(url)
			}
			cfg := reconnectLoad(s, tr, url, wsURL(ts.URL)+"/publish", 1,
				workload.Reconnect{Backoff: workload.Duration(100 * time.Millisecond), Jitter: noJitter()}, 400*time.Millisecond)
			res := runOrFail(t, cfg)
			c := res.Counters
			s.mu.Lock()
			var away int64
			for _, seq := range s.missed {
				if seq >= firstMeasured && seq <= lastMeasured {
					away++
				}
			}
			s.mu.Unlock()
			if c.Reconnects != 1 || away == 0 {
				t.Fatalf("reconnects %d, %d measured messages published while away; want 1 and some", c.Reconnects, away)
			}
			if c.LostAcrossReconnect != away || c.Lost != away {
				t.Fatalf("lost across reconnect %d, lost %d; want both %d (published while away)", c.LostAcrossReconnect, c.Lost, away)
			}
			if res.Hist(results.HistReconnect).Count() != 1 {
				t.Fatalf("reconnect histogram count %d, want 1", res.Hist(results.HistReconnect).Count())
			}
		})
	}
}

// TestSSEStopsOn204: an SSE server answering 204 says "stop reconnecting";
// the client makes no other attempt however many the policy allows.
func TestSSEStopsOn204(t *testing.T) {
	s := &restartServer{refuse: http.StatusNoContent}
	ts := s.start(t)
	cfg := reconnectLoad(s, "sse", ts.URL+"/sse", wsURL(ts.URL)+"/publish", 3,
		workload.Reconnect{Backoff: workload.Duration(10 * time.Millisecond), Jitter: noJitter()}, 300*time.Millisecond)
	res := runOrFail(t, cfg)
	c := res.Counters
	s.mu.Lock()
	attempts := s.attempts
	s.mu.Unlock()
	if c.Reconnects != 0 || c.ReconnectFailed != 3 || attempts != 3 {
		t.Fatalf("reconnects %d failed %d attempts %d, want 0, 3, 3 (one each, then stop)", c.Reconnects, c.ReconnectFailed, attempts)
	}
	if e := res.Errors["reconnect/status"]; e == nil || e.Count != 3 {
		t.Fatalf("errors %v: want 3 reconnect/status", res.Errors)
	}
	if c.Lost == 0 || c.LostAcrossReconnect != 0 {
		t.Fatalf("lost %d across %d: a connection that never came back loses the rest, not across a reconnect", c.Lost, c.LostAcrossReconnect)
	}
}

// TestReconnectMaxAttempts: a server that keeps refusing gets max attempts
// per connection, then the connection gives up.
func TestReconnectMaxAttempts(t *testing.T) {
	s := &restartServer{refuse: http.StatusServiceUnavailable}
	ts := s.start(t)
	cfg := reconnectLoad(s, "chunked", ts.URL+"/chunked", wsURL(ts.URL)+"/publish", 2,
		workload.Reconnect{Backoff: workload.Duration(10 * time.Millisecond), MaxBackoff: workload.Duration(20 * time.Millisecond), Max: 3}, 300*time.Millisecond)
	res := runOrFail(t, cfg)
	c := res.Counters
	s.mu.Lock()
	attempts := s.attempts
	s.mu.Unlock()
	if c.Reconnects != 0 || c.ReconnectFailed != 2 || attempts != 6 {
		t.Fatalf("reconnects %d failed %d attempts %d, want 0, 2, 6", c.Reconnects, c.ReconnectFailed, attempts)
	}
	if e := res.Errors["reconnect"]; e == nil || e.Count != 2 {
		t.Fatalf("errors %v: want 2 give-ups logged as reconnect", res.Errors)
	}
}

// TestNoPolicyKeepsTodaysBehaviour: without reconnect: a cut connection is
// counted ended and not redialled.
func TestNoPolicyKeepsTodaysBehaviour(t *testing.T) {
	s := &restartServer{resume: true}
	ts := s.start(t)
	cfg := reconnectLoad(s, "sse", ts.URL+"/sse", wsURL(ts.URL)+"/publish", 2, workload.Reconnect{}, 300*time.Millisecond)
	cfg.Workload.Reconnect = nil
	res := runOrFail(t, cfg)
	c := res.Counters
	s.mu.Lock()
	attempts := s.attempts
	s.mu.Unlock()
	if c.ConnEnded != 2 || c.Reconnects != 0 || attempts != 0 || c.Lost == 0 {
		t.Fatalf("ended %d reconnects %d attempts %d lost %d: want 2, 0, 0 and loss", c.ConnEnded, c.Reconnects, attempts, c.Lost)
	}
	if _, ok := res.Histograms[results.HistReconnect]; ok {
		t.Fatal("a run without a policy records no reconnect histogram")
	}
}

// TestPublisherRetriesAcrossARestart: the WebSocket publisher's server goes
// away after seq 30 and refuses it for 300ms; under a policy the publisher
// redials and retries each message in order with its scheduled stamp, so
// nothing is lost, every message counts as sent once, and the outage shows
// in the latency tail.
func TestPublisherRetriesAcrossARestart(t *testing.T) {
	s := &restartServer{cutPub: 30, pubDown: 300 * time.Millisecond}
	ts := s.start(t)
	cfg := reconnectLoad(s, "ws", wsURL(ts.URL)+"/ws", wsURL(ts.URL)+"/publish", 2,
		workload.Reconnect{Backoff: workload.Duration(20 * time.Millisecond), MaxBackoff: workload.Duration(50 * time.Millisecond), Jitter: noJitter()})
	res := runOrFail(t, cfg)
	c := res.Counters
	if c.Sent != 50 || c.SendErrors != 0 || c.Lost != 0 {
		t.Fatalf("sent %d send errors %d lost %d, want 50, 0, 0; errors %v", c.Sent, c.SendErrors, c.Lost, res.Errors)
	}
	if e := res.Errors["publish"]; e == nil || e.Count == 0 {
		t.Fatalf("the failed attempts are not logged: %v", res.Errors)
	}
	if max := res.Hist(results.HistLatency).Max(); max < 200*time.Millisecond {
		t.Fatalf("max latency %v hides a 300ms publisher outage", max)
	}
}
