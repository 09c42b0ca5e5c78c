package loadgen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

// run is the state of one transport's run.
type run struct {
	cfg   Config
	entry clients.Entry
	tr    clients.Transport
	pat   pattern
	clock Clock
	dial  clients.DialOptions
	rec   *recorder
	log   *slog.Logger

	dialed  sync.WaitGroup // every held connection's dial has finished
	live    sync.WaitGroup // every held connection's goroutine has ended
	planned chan struct{}  // closed once plan and sched are set
	plan    Plan
	sched   schedule
	// expected is how many measured messages each held connection should
	// receive: the schedule's measured events when the pattern delivers any.
	expected int64

	// listening: the pattern counts whatever arrives (listen.go); extract
	// reads its messages' own timestamps and sequence numbers.
	listening bool
	extract   extractor
	// tmpl, when set, is the senders' body template; receivers then find
	// this run's messages by their marker tag.
	tmpl *template
	tag  string

	// interruptedAt is when the caller's context ended the run early (0: it
	// ran to the end). Messages not yet due then are not owed.
	interruptedAt time.Duration
	phase         phase

	attempted, ready, failed, dropped, ended atomic.Int64
	// settled counts ready connections drain need not wait for: they have
	// every measured message, or they ended first. Each counts once.
	settled atomic.Int64
	conns   []*connState
	meter   *meter // CPU, memory and goroutines the run costs
	// share is the part of the scenario's connections (and churn's connects)
	// this worker holds; all of them for a run of one worker.
	share share
	// routes says which server each connection dials and from which local
	// address (targets.go).
	routes routes
}

// Run drives one transport with the workload in cfg and returns what it
// measured. It fails early, naming the URL and phase, when the target cannot be
// reached at all; once load has started, errors are counted in the result.
//
// The run has four phases: preflight (one connection, so a wrong target fails
// in milliseconds), open (held connections on the ramp), execute (the plan's
// schedule, the measured window and the timeline), and collect.
func Run(ctx context.Context, cfg Config, log *slog.Logger) (*results.TransportResult, error) {
	return runWith(ctx, cfg, withOffset(NewClock(), cfg.ClockOffset), log)
}

func runWith(ctx context.Context, cfg Config, clock Clock, log *slog.Logger) (*results.TransportResult, error) {
	cfg = cfg.withRuntime()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	entry, _ := clients.Lookup(cfg.Transport) // validate checked it
	extract, _ := newExtractor(cfg.Payload)   // validate checked it
	var tmpl *template
	if cfg.Body != "" {
		tmpl, _ = parseTemplate(cfg.Body)
	}
	r := &run{
		cfg:     cfg,
		entry:   entry,
		tr:      entry.New(),
		pat:     newPattern(cfg.Workload.Pattern),
		clock:   clock,
		dial:    clients.NewDialOptions(clock, time.Duration(cfg.Workload.ConnectTimeout)),
		rec:     newRecorder(4 * runtime.GOMAXPROCS(0)),
		log:     log,
		planned: make(chan struct{}),
		share:   shareOf(cfg.Workload.Connections, cfg.Worker.Index, cfg.Worker.Count),

		listening: cfg.Workload.Pattern == workload.Listen,
		extract:   extract,
		tmpl:      tmpl,
	}
	r.dial.Receive = cfg.Receive
	r.routes = newRoutes(cfg, log)
	r.meter = newMeter(cfg)
	var closeOnce sync.Once
	closeAll := func() { closeOnce.Do(func() { r.pat.close(); r.dial.Close() }) }
	defer closeAll()
	var before baselineSample
	check := time.Duration(cfg.Workload.BaselineCheck)
	if check > 0 {
		before = r.sampleBaseline(ctx)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	if cfg.Progress != nil {
		progressCtx, stopProgress := context.WithCancel(runCtx)
		progressDone := make(chan struct{})
		go func() { defer close(progressDone); r.reportProgress(progressCtx, cfg.Progress) }()
		defer func() { stopProgress(); <-progressDone }()
	}

	// Phase 1: preflight and what the pattern needs before connections open.
	if err := r.preflight(runCtx); err != nil {
		return nil, err
	}
	if err := r.pat.prepare(runCtx, r); err != nil {
		return nil, err
	}
	r.meter.before()

	// Phase 2: open the held connections.
	info, _ := cfg.Workload.Pattern.Info()
	if info.Holds {
		started := clock.Now()
		r.openConnections(runCtx)
		if ctx.Err() != nil {
			// Interrupted while connecting: nothing was measured, but what
			// the connects cost is kept.
			r.interruptedAt = clock.Now()
			cancel()
			r.live.Wait()
			r.meter.finish()
			return r.result(results.Generator{Worker: cfg.Worker.Index}, results.NewHistogram(), nil), nil
		}
		log.Info("connections open", "transport", cfg.Transport, "ready", r.ready.Load(), "failed", r.failed.Load(),
			"took", (clock.Now() - started).Round(time.Millisecond))
	}

	// Phase 3: the plan, the measured window and the timeline.
	if err := r.awaitPlan(runCtx); err != nil {
		cancel()
		r.live.Wait()
		return nil, err
	}
	r.setPlan(info.Scheduled)
	gen, timerLag, events := r.execute(runCtx)
	if ctx.Err() != nil {
		r.interruptedAt = clock.Now()
	}

	// Phase 4: wait for late messages, stop, collect.
	r.phase.set(PhaseDraining)
	if info.Scheduled {
		r.drain(runCtx)
	}
	cancel()
	r.live.Wait()
	r.meter.finish()
	res := r.result(gen, timerLag, events)
	if check > 0 && ctx.Err() == nil {
		closeAll()
		// The result holds what was measured; the connections' state (read
		// buffers, trackers) is the run's own memory, not a leak.
		r.conns = nil
		res.Baseline = []results.Baseline{r.checkBaseline(ctx, before, check)}
	}
	return res, nil
}

// preflight dials one connection to each target, and from each source
// address, so an unreachable or wrong target (or an address this machine
// does not have) fails in milliseconds with one clear error naming it
// instead of thousands.
func (r *run) preflight(ctx context.Context) error {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, rt := range r.routes.probes() {
		conn, _, err := r.tr.Dial(pctx, rt.url, r.dialFor(rt))
		if err != nil {
			if rt.local != "" {
				return fmt.Errorf("%s: from source address %s: %w", r.cfg.Transport, rt.local, err)
			}
			return fmt.Errorf("%s: %w", r.cfg.Transport, err)
		}
		if err := conn.Close(); err != nil {
			return err
		}
	}
	return nil
}

// setPlan fixes the schedule (the given plan, or one starting shortly) and
// releases the connection goroutines waiting for it.
func (r *run) setPlan(scheduled bool) {
	if r.cfg.Plan != nil {
		r.plan = *r.cfg.Plan
	} else {
		r.plan = NewPlan(r.cfg.Workload, r.clock.Time(r.clock.Now()+planLead))
	}
	r.sched = r.plan.on(r.clock)
	r.tag = markerTag(r.plan.Topic)
	if scheduled {
		r.expected = r.sched.measured
	}
	close(r.planned)
}

// awaitPlan asks the plan source, when there is one, for the plan to run now
// that the held connections are open, and checks it against the workload.
func (r *run) awaitPlan(ctx context.Context) error {
	if r.cfg.AwaitPlan == nil {
		return nil
	}
	p, err := r.cfg.AwaitPlan(ctx, Opened{Attempted: r.attempted.Load(), Ready: r.ready.Load(), Failed: r.failed.Load()})
	if err != nil {
		return fmt.Errorf("%s: waiting for the plan: %w", r.cfg.Transport, err)
	}
	if errs := r.cfg.checkPlan(p); len(errs) > 0 {
		return fmt.Errorf("%s: %w", r.cfg.Transport, errors.Join(errs...))
	}
	r.cfg.Plan = &p
	return nil
}

// execute drives the pattern's schedule while measuring the generator's own
// health over the measured window and running the timeline.
func (r *run) execute(ctx context.Context) (results.Generator, *results.Histogram, []results.Event) {
	timerLag := results.NewHistogram()
	probeCtx, stopProbe := context.WithCancel(ctx)
	probeDone := make(chan struct{})
	go func() { defer close(probeDone); probeTimerLag(probeCtx, r.clock, timerLag) }()

	var events []results.Event
	timelineDone := make(chan struct{})
	go func() {
		defer close(timelineDone)
		events = runTimeline(ctx, r.clock, r.sched.windowStart, r.cfg.Timeline)
	}()

	driven := make(chan struct{})
	go func() { defer close(driven); r.pat.drive(ctx, r) }()

	r.phase.set(PhaseWarmup)
	r.clock.SleepUntil(ctx, r.sched.windowStart)
	r.phase.set(PhaseMeasuring)
	r.meter.startWindow()
	wallStart := r.clock.Now()
	// Memory and goroutines are read in the middle of the window, once
	// every held connection has settled.
	if info, _ := r.cfg.Workload.Pattern.Info(); info.Holds &&
		r.clock.SleepUntil(ctx, r.sched.windowStart+(r.sched.windowEnd-r.sched.windowStart)/2) {
		r.meter.hold(ctx, r.ready.Load()-r.dropped.Load())
	}
	r.clock.SleepUntil(ctx, r.sched.windowEnd)
	r.meter.endWindow(r.rec.measured())
	wall := r.clock.Now() - wallStart
	<-driven
	stopProbe()
	<-probeDone
	<-timelineDone

	for i := range events {
		events[i].Worker = r.cfg.Worker.Index
	}
	return judge(r.cfg.Worker.Index, r.meter.windowCPU(), wall, timerLag), timerLag, events
}

// due is how many measured events were due: all of them, or those scheduled
// before the run was interrupted.
func (r *run) due() int64 {
	select {
	case <-r.planned:
	default:
		return 0 // interrupted before the plan was set: nothing was due (and the schedule is empty)
	}
	if r.interruptedAt == 0 {
		return r.sched.measured
	}
	n := r.sched.pacer.CountBefore(r.interruptedAt) - r.sched.first
	return min(max(n, 0), r.sched.measured)
}

// window is the part of the measured window that actually ran.
func (r *run) window() time.Duration {
	select {
	case <-r.planned:
	default:
		return 0 // interrupted before the plan: no window began
	}
	full := time.Duration(r.cfg.Workload.Duration)
	if r.interruptedAt == 0 {
		return full
	}
	return min(max(r.interruptedAt-r.sched.windowStart, 0), full)
}

// drain waits until every ready connection has every measured message, or the
// drain time after the window ends has passed; what has not arrived by then is
// lost.
func (r *run) drain(ctx context.Context) {
	deadline := r.sched.windowEnd + time.Duration(*r.cfg.Workload.Drain)
	for r.settled.Load() < r.ready.Load() && r.clock.Now() < deadline {
		if !r.clock.SleepUntil(ctx, min(deadline, r.clock.Now()+5*time.Millisecond)) {
			return
		}
	}
}
