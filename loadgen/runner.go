package loadgen

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/internal/wire"
	"github.com/pushbench/pushbench/results"
)

// plan is the message schedule, fixed once every connection has been dialled and
// shared read-only with the connection goroutines.
type plan struct {
	schedule    Pacer         // event i is sequence number i+1
	total       int64         // warm-up plus measured events
	firstSeq    uint64        // first measured sequence number
	measured    int64         // measured events
	windowStart time.Duration // clock reading where measurement begins
	windowEnd   time.Duration
}

// run is the state of one transport's run.
type run struct {
	opts  Options
	entry clients.Entry
	tr    clients.Transport
	clock Clock
	dial  clients.DialOptions
	rec   *recorder
	log   *slog.Logger

	dialed   sync.WaitGroup // every dial attempt has finished
	live     sync.WaitGroup // every connection goroutine has ended
	planned  chan struct{}  // closed once plan is set
	plan     plan
	sendDone sync.WaitGroup // echo writers

	ready, failed, dropped atomic.Int64
	// settled counts ready connections drain need not wait for: they have
	// every measured message, or they ended first. Each counts once.
	settled atomic.Int64
	conns   []*connState
}

// connState is one connection's own counters, touched only by its goroutines
// until the run collects them after they end.
type connState struct {
	id      int
	shard   *shard
	conn    clients.Conn
	tracker seqTracker
	foreign int64
	bytesIn int64
	// echo writer counts (its own goroutine)
	sent, sendErrors, bytesOut int64
}

// Run drives one transport with the workload in opts and returns what it
// measured. It fails early, naming the URL and phase, when the target cannot be
// reached at all; once load has started, errors are counted in the result.
func Run(ctx context.Context, opts Options, log *slog.Logger) (*results.TransportResult, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	clock := NewClock()
	entry, _ := clients.Lookup(clients.Name(opts.Transport)) // validate checked it
	r := &run{
		opts:    opts,
		entry:   entry,
		tr:      entry.New(),
		clock:   clock,
		dial:    clients.NewDialOptions(clock, opts.ConnectTimeout),
		rec:     newRecorder(4 * runtime.GOMAXPROCS(0)),
		log:     log,
		planned: make(chan struct{}),
	}
	defer r.dial.Close()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	if err := r.preflight(runCtx); err != nil {
		return nil, err
	}
	if opts.Pattern == PatternChurn {
		return r.churn(runCtx), nil
	}
	serverBefore := rssOf(opts.ServerPID)
	var pub clients.Publisher
	if opts.Pattern == PatternFanout {
		var err error
		pub, err = clients.DialPublisher(runCtx, opts.PublishURL, r.dial, func(err error) { r.rec.errs.add("publish", err) })
		if err != nil {
			return nil, err
		}
		defer pub.Close()
	}

	started := clock.Now()
	r.openConnections(runCtx)
	r.dialed.Wait()
	if err := ctx.Err(); err != nil {
		cancel()
		r.live.Wait()
		return nil, fmt.Errorf("%s: interrupted while connecting: %w", opts.Transport, err)
	}
	log.Info("connections open", "transport", opts.Transport, "ready", r.ready.Load(), "failed", r.failed.Load(),
		"took", (clock.Now() - started).Round(time.Millisecond))

	if opts.Pattern == PatternIdle {
		r.plan = r.idlePlan()
	} else {
		r.plan = r.makePlan()
	}
	probeCtx, stopProbe := context.WithCancel(runCtx)
	timerLag := results.NewHistogram()
	probeDone := make(chan struct{})
	go func() { defer close(probeDone); probeTimerLag(probeCtx, clock, timerLag) }()
	close(r.planned)
	if opts.Pattern == PatternEcho {
		for _, cs := range r.conns {
			if cs.conn != nil {
				r.sendDone.Add(1)
				go r.echoWriter(runCtx, cs.conn, cs)
			}
		}
	}

	var cpuStart, wallStart time.Duration
	measureStart := func() { cpuStart, wallStart = cpuTime(), clock.Now() }
	if opts.Pattern == PatternFanout {
		counts := &connState{id: -1, shard: r.rec.shard(0)}
		r.publish(runCtx, pub, measureStart, counts)
		r.conns = append(r.conns, counts)
		// Wait for in-flight publishes (HTTP POSTs) while the run is still
		// live, so none is cut off and miscounted as an error.
		pub.Close()
	} else {
		clock.SleepUntil(runCtx, r.plan.windowStart)
		measureStart()
		r.sendDone.Wait()
	}
	var held *results.Resources
	if opts.Pattern == PatternIdle {
		// Hold the connections for the measured window; what they cost is
		// read in its middle, once every connection has settled.
		clock.SleepUntil(runCtx, r.plan.windowStart+(r.plan.windowEnd-r.plan.windowStart)/2)
		held = &results.Resources{Worker: opts.Worker.Index, Held: r.ready.Load() - r.dropped.Load(),
			GeneratorRSS: rssOf(-1), ServerRSSBefore: serverBefore, ServerRSSHeld: rssOf(opts.ServerPID)}
		clock.SleepUntil(runCtx, r.plan.windowEnd)
	}
	cpuUsed, wall := cpuTime()-cpuStart, clock.Now()-wallStart
	stopProbe()
	<-probeDone

	r.drain(runCtx)
	cancel()
	r.live.Wait()
	res := r.result(judge(opts.Worker.Index, cpuUsed, wall, timerLag))
	res.Histograms[results.HistTimerLag] = timerLag
	if held != nil {
		res.Resources = []results.Resources{*held}
	}
	return res, nil
}

// preflight dials one connection so an unreachable or wrong target fails in
// milliseconds with one clear error instead of thousands.
func (r *run) preflight(ctx context.Context) error {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conn, _, err := r.tr.Dial(pctx, r.opts.URL, r.dial)
	if err != nil {
		return fmt.Errorf("%s: %w", r.opts.Transport, err)
	}
	return conn.Close()
}

// openConnections starts one goroutine per connection on an open-loop ramp.
func (r *run) openConnections(ctx context.Context) {
	ramp := Pacer{Start: r.clock.Now(), Rate: r.opts.Ramp}
	for i := range r.opts.Connections {
		if !r.clock.SleepUntil(ctx, ramp.At(int64(i))) {
			return
		}
		cs := &connState{id: i, shard: r.rec.shard(i)}
		r.conns = append(r.conns, cs)
		r.dialed.Add(1)
		r.live.Add(1)
		go r.runConn(ctx, cs)
	}
}

// idlePlan is a schedule with no messages: the window only bounds the hold.
func (r *run) idlePlan() plan {
	start := r.clock.Now()
	return plan{
		schedule:    Pacer{Start: start, Rate: 1},
		firstSeq:    1,
		windowStart: start + r.opts.Warmup,
		windowEnd:   start + r.opts.Warmup + r.opts.Duration,
	}
}

func (r *run) makePlan() plan {
	s := Pacer{Start: r.clock.Now() + 50*time.Millisecond, Rate: r.opts.Rate}
	windowStart := s.Start + r.opts.Warmup
	first, n := s.Window(windowStart, r.opts.Duration)
	return plan{
		schedule:    s,
		total:       first + n,
		firstSeq:    uint64(first) + 1,
		measured:    n,
		windowStart: windowStart,
		windowEnd:   windowStart + r.opts.Duration,
	}
}

// sendSchedule sends message i of schedule s at s.At(i), for every i of the
// plan, stamped with that scheduled time. When a sender falls behind it sends
// at once: the lateness shows in send_lag and in the latency of the message,
// never as a slower schedule. Measured sends are counted in cs. atFirst, if not
// nil, runs just before the first measured send. onErr says whether an error
// ends the schedule.
func (r *run) sendSchedule(ctx context.Context, s Pacer, cs *connState, send func([]byte) error, atFirst func(), onErr func(error) (stop bool)) {
	p := r.plan
	payload := wire.Payload(r.opts.PayloadBytes)
	var buf []byte
	for i := int64(0); i < p.total; i++ {
		at := s.At(i)
		if !r.clock.SleepUntil(ctx, at) {
			return
		}
		seq := uint64(i) + 1
		if seq == p.firstSeq && atFirst != nil {
			atFirst()
		}
		buf = wire.Envelope{Seq: seq, TS: r.clock.UnixNano(at), Topic: r.opts.Topic, Data: payload}.AppendJSON(buf[:0])
		err := send(buf)
		if seq >= p.firstSeq {
			cs.shard.record(results.HistSendLag, r.clock.Now()-at)
			if err != nil {
				cs.sendErrors++
			} else {
				cs.sent++
				cs.bytesOut += int64(len(buf))
			}
		}
		if err != nil && onErr(err) {
			return
		}
	}
}

// publish runs the fan-out schedule through the publisher.
func (r *run) publish(ctx context.Context, pub clients.Publisher, measureStart func(), counts *connState) {
	r.sendSchedule(ctx, r.plan.schedule, counts, pub.Publish, measureStart, func(err error) bool {
		r.rec.errs.add("publish", err)
		return false
	})
	if r.plan.measured == 0 {
		measureStart()
	}
}

// drain waits until every ready connection has every measured message, or the
// drain time after the window ends has passed; what has not arrived by then is
// lost.
func (r *run) drain(ctx context.Context) {
	deadline := r.plan.windowEnd + r.opts.Drain
	for r.settled.Load() < r.ready.Load() && r.clock.Now() < deadline {
		if !r.clock.SleepUntil(ctx, min(deadline, r.clock.Now()+5*time.Millisecond)) {
			return
		}
	}
}

func (r *run) runConn(ctx context.Context, cs *connState) {
	defer r.live.Done()
	start := r.clock.Now()
	conn, tm, err := r.tr.Dial(ctx, r.opts.URL, r.dial)
	if err != nil {
		r.failed.Add(1)
		if ctx.Err() == nil {
			r.rec.errs.add(clients.ErrorClass(err), err)
		}
		r.dialed.Done()
		return
	}
	defer conn.Close()
	cs.shard.record(results.HistConnect, tm.Ready)
	if tm.TCP > 0 {
		cs.shard.record(results.HistTCPConnect, tm.TCP)
	}
	for _, ph := range tm.Phases {
		cs.shard.record(ph.Name, ph.At)
	}
	cs.conn = conn // read by Run after dialed.Wait, to start echo writers
	r.ready.Add(1)
	r.dialed.Done()

	select {
	case <-r.planned:
	case <-ctx.Done():
		return
	}
	p := r.plan
	cs.tracker = newSeqTracker(p.firstSeq, uint64(p.measured))
	if p.measured == 0 {
		r.settled.Add(1)
	}
	r.readLoop(ctx, conn, cs, start)
	cs.bytesIn = conn.BytesRead()
}

func (r *run) readLoop(ctx context.Context, conn clients.Conn, cs *connState, start time.Duration) {
	p := r.plan
	first := true
	for {
		msg, at, err := conn.Read()
		if err != nil {
			if !cs.tracker.complete() {
				r.settled.Add(1)
			}
			if ctx.Err() == nil {
				r.dropped.Add(1)
				r.rec.errs.add("read", fmt.Errorf("%s: read: %w", r.opts.URL, err))
			}
			return
		}
		env, err := wire.DecodeEnvelope(msg)
		if err != nil {
			r.rec.errs.add("decode", fmt.Errorf("%s: %w", r.opts.URL, err))
			continue
		}
		if env.Topic != r.opts.Topic {
			cs.foreign++
			continue
		}
		if first {
			cs.shard.record(results.HistFirstMessage, at-start)
			first = false
		}
		if cs.tracker.observe(env.Seq) {
			cs.shard.delivered(at-r.clock.FromUnixNano(env.TS), at-p.windowStart)
			if cs.tracker.complete() {
				r.settled.Add(1)
			}
		}
	}
}

// echoWriter is the connection's one writer (runConn is its one reader). It
// sends this connection's own open-loop schedule, offset by a phase so the
// connections' sends spread evenly over each interval.
func (r *run) echoWriter(ctx context.Context, conn clients.Conn, cs *connState) {
	defer r.sendDone.Done()
	p := r.plan
	phase := time.Duration(float64(time.Second) / r.opts.Rate * float64(cs.id) / float64(r.opts.Connections))
	s := Pacer{Start: p.schedule.Start + phase, Rate: p.schedule.Rate}
	r.sendSchedule(ctx, s, cs, conn.Write, nil, func(err error) bool {
		if ctx.Err() == nil {
			r.rec.errs.add("write", fmt.Errorf("%s: write: %w", r.opts.URL, err))
		}
		return true
	})
}

func (r *run) result(gen results.Generator) *results.TransportResult {
	ready := r.ready.Load()
	c := results.Counters{
		ConnAttempted: int64(r.opts.Connections),
		ConnReady:     ready,
		ConnFailed:    r.failed.Load(),
		ConnDropped:   r.dropped.Load(),
		Expected:      r.plan.measured * ready,
	}
	if r.opts.Pattern == PatternFanout {
		c.Scheduled = r.plan.measured
	} else {
		c.Scheduled = r.plan.measured * ready
	}
	for _, cs := range r.conns {
		c.Received += cs.tracker.received
		c.Duplicated += cs.tracker.duplicated
		c.OutOfOrder += cs.tracker.outOfOrder
		c.Foreign += cs.foreign
		c.BytesReceived += cs.bytesIn
		c.Sent += cs.sent
		c.SendErrors += cs.sendErrors
		c.BytesSent += cs.bytesOut
	}
	c.Lost = c.Expected - c.Received
	hists, series := r.rec.merge()
	// Every histogram this transport records is present, even when empty, so a
	// threshold on it fails with "no samples" rather than "not recorded".
	names := []string{results.HistConnect, results.HistTCPConnect, results.HistFirstMessage, results.HistLatency, results.HistSendLag}
	names = append(names, r.entry.Phases...)
	for _, n := range names {
		if hists[n] == nil {
			hists[n] = results.NewHistogram()
		}
	}
	return &results.TransportResult{
		Transport:  r.opts.Transport,
		Target:     r.opts.URL,
		Workload:   r.opts.Workload(),
		Workers:    []results.Worker{r.opts.Worker},
		Counters:   c,
		Histograms: hists,
		Received:   series,
		Errors:     r.rec.errs.snapshot(),
		Generator:  []results.Generator{gen},
	}
}
