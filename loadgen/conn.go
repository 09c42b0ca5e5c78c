package loadgen

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/internal/wire"
	"github.com/pushbench/pushbench/results"
)

// connState is one held connection's own counters, touched only by its
// goroutines until the run collects them after they end.
type connState struct {
	id      int
	shard   *shard
	conn    clients.Conn // the first connection, set once ready; read by patterns after every dial ended
	tracker seqTracker
	foreign int64
	bytesIn int64
	sends   sendCounts // echo: this connection's writer
	listen  listenCounts
	// seenFirst: the first message since the connection opened was timed.
	seenFirst bool
	// settled: counted in run.settled (it has every message, or is over).
	settled bool
	// redial is the connection's life across reconnects (reconnect.go).
	redial redialState

	// mu guards cur, the connection in use now, for the echo writer while
	// the reader replaces it after a reconnect.
	mu  sync.Mutex
	cur clients.Conn
}

// current is the connection in use now.
func (cs *connState) current() clients.Conn {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.cur
}

func (cs *connState) setCurrent(c clients.Conn) {
	cs.mu.Lock()
	cs.cur = c
	cs.mu.Unlock()
}

// write sends msg on the connection in use now (echo).
func (cs *connState) write(msg []byte) error { return cs.current().Write(msg) }

// settle counts the connection in run.settled, once.
func (r *run) settle(cs *connState) {
	if !cs.settled {
		cs.settled = true
		r.settled.Add(1)
	}
}

// openConnections opens the held connections on an open-loop ramp, one
// goroutine each, and returns once every dial has finished.
func (r *run) openConnections(ctx context.Context) {
	// A worker opens its share at its share of the ramp, so the workers
	// together ramp at the scenario's rate.
	sh := r.share
	ramp := Pacer{Start: r.clock.Now(), Rate: float64(r.cfg.Workload.Ramp) / float64(sh.count)}
	for i := sh.lo; i < sh.hi; i++ {
		if !r.clock.SleepUntil(ctx, ramp.At(int64(i-sh.lo))) {
			break
		}
		cs := &connState{id: i, shard: r.rec.shard(i)}
		r.conns = append(r.conns, cs)
		r.attempted.Add(1)
		r.dialed.Add(1)
		r.live.Add(1)
		go r.holdConn(ctx, cs)
	}
	r.dialed.Wait()
	// The dials' garbage (handshake buffers, requests, their goroutines'
	// grown stacks) is dead now; returning it to the OS once, before
	// anything is measured, leaves the generator's RSS what holding the
	// connections costs, not the ramp's high-water mark.
	debug.FreeOSMemory()
}

// dialConn opens one connection and records its connect phases, timed from
// scheduled (so a late start counts against the connect), when record is
// set. A failure is counted and its error classified by phase.
func (r *run) dialConn(ctx context.Context, rt route, sh *shard, scheduled time.Duration, record bool) (clients.Conn, bool) {
	start := r.clock.Now()
	conn, tm, err := r.dialApart(ctx, rt)
	if err != nil {
		if record && ctx.Err() == nil {
			r.failed.Add(1)
			r.rec.errs.add(clients.ErrorClass(err), err)
		}
		return nil, false
	}
	if record {
		late := start - scheduled
		sh.record(results.HistConnect, late+tm.Ready)
		if tm.TCP > 0 {
			sh.record(results.HistTCPConnect, late+tm.TCP)
		}
		for _, ph := range tm.Phases {
			sh.record(ph.Name, late+ph.At)
		}
	}
	return conn, true
}

// dialApart runs the transport's Dial on a goroutine of its own and waits
// for it. A dial's call chain (resolver, TLS, HTTP and WebSocket handshakes)
// is deep: run on a held connection's goroutine it would grow that stack to
// several times what reading needs and leave it so for the connection's life
// (stacks shrink only at a GC), at 10,000 connections tens of megabytes.
func (r *run) dialApart(ctx context.Context, rt route) (clients.Conn, clients.Timings, error) {
	type dialed struct {
		conn clients.Conn
		tm   clients.Timings
		err  error
	}
	done := make(chan dialed, 1)
	go func() {
		conn, tm, err := r.tr.Dial(ctx, rt.url, r.dialFor(rt))
		done <- dialed{conn, tm, err}
	}()
	d := <-done
	return d.conn, d.tm, d.err
}

// holdConn is one held connection's life: dial, wait for the plan, then read
// until the run ends or the server drops it; under a reconnect policy a
// connection lost before the run ends is dialled again (reconnect.go) and
// read on with the same sequence tracker, so what it missed is lost.
func (r *run) holdConn(ctx context.Context, cs *connState) {
	defer r.live.Done()
	start := r.clock.Now()
	conn, ok := r.dialConn(ctx, r.routes.of(cs.id), cs.shard, start, true)
	if !ok {
		r.dialed.Done()
		return
	}
	cs.conn = conn
	cs.setCurrent(conn)
	defer func() { cs.current().Close() }()
	r.ready.Add(1)
	r.dialed.Done()

	select {
	case <-r.planned:
	case <-ctx.Done():
		return
	}
	defer r.settle(cs)
	cs.tracker = newSeqTracker(r.sched.firstSeq(), uint64(r.expected))
	if r.expected == 0 {
		r.settle(cs)
	}
	for {
		err := r.readLoop(conn, cs, start)
		cs.bytesIn += conn.BytesRead()
		lostAt := r.clock.Now()
		if !r.connEnded(ctx, cs, err) {
			return
		}
		next := r.reconnect(ctx, cs, conn, lostAt)
		if next == nil {
			return
		}
		conn.Close()
		conn = next
		cs.setCurrent(conn)
	}
}

// readLoop reads until the connection ends and returns why. For scheduled
// patterns it finds this run's messages (an envelope of its topic, or its
// marker in a body template), counts each measured sequence number once and
// times it from its scheduled send time; anything else is foreign, never an
// error or a latency sample. For listen it counts whatever arrives
// (listen.go). An SSE server's resume-gap event is counted apart.
func (r *run) readLoop(conn clients.Conn, cs *connState, start time.Duration) error {
	m := r.markFor(cs.id)
	for {
		f, err := conn.Read()
		if err != nil {
			return err
		}
		if f.Event == clients.SSEGapEvent {
			cs.redial.resumeGaps++
			continue
		}
		if r.listening {
			if !cs.seenFirst {
				cs.shard.record(results.HistFirstMessage, f.At-start)
				cs.seenFirst = true
			}
			r.observeListen(cs, f)
			continue
		}
		seq, ts, ours := r.recognize(f.Data, m)
		if !ours {
			cs.foreign++
			continue
		}
		if !cs.seenFirst {
			cs.shard.record(results.HistFirstMessage, f.At-start)
			cs.seenFirst = true
		}
		cs.redial.observed(seq)
		if cs.tracker.observe(seq) {
			cs.shard.delivered(f.At-r.clock.FromUnixNano(ts), f.At-r.sched.windowStart)
			if cs.tracker.complete() {
				r.settle(cs)
			}
		}
	}
}

// recognize finds this run's sequence number and send time in a message: its
// marker when the publisher sends a body template, else its envelope.
func (r *run) recognize(b []byte, m mark) (seq uint64, ts int64, ours bool) {
	if r.tmpl != nil {
		mk, ok := wire.FindMarker(b, m.tag)
		return mk.Seq, mk.TS, ok
	}
	st, err := wire.ScanEnvelope(b)
	if err != nil || string(st.Topic) != m.topic {
		return 0, 0, false
	}
	return st.Seq, st.TS, true
}

// connEnded counts how a held connection ended before the run did: cleanly
// by the server (ended) or by an error (dropped, with the error kept). It
// reports whether the run goes on, so the connection may be dialled again.
func (r *run) connEnded(ctx context.Context, cs *connState, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if errors.Is(err, clients.ErrEnded) {
		r.ended.Add(1)
	} else {
		r.dropped.Add(1)
		r.rec.errs.add(clients.IOErrorClass("read", err), fmt.Errorf("%s: read: %w", r.routes.of(cs.id).url, err))
	}
	return true
}
