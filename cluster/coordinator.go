package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"
)

// Defaults of Options' zero values.
const (
	DefaultReadyTimeout        = time.Minute
	DefaultMaxClockUncertainty = 5 * time.Millisecond
	DefaultResultGrace         = 30 * time.Second
	DefaultAbortGrace          = 10 * time.Second
	// DefaultAliveInterval: a keepalive every 5 s, against a worker's
	// DefaultAliveTimeout of 60 s.
	DefaultAliveInterval = 5 * time.Second
	DefaultPlanLead      = 250 * time.Millisecond
)

// helloTimeout bounds how long a new connection may take to say Hello;
// pingTimeout how long one clock ping may take to be answered;
// processExitWait how long a lost worker's process may take to report its
// exit (Options.ProcessExit) once its connection ended.
const (
	helloTimeout    = 10 * time.Second
	pingTimeout     = 5 * time.Second
	processExitWait = time.Second
)

// Options configure a Coordinator.
type Options struct {
	// Workers is how many workers the run has (indexes 0..Workers-1).
	Workers int
	// AllowPartial merges the workers that reported when one is lost, never
	// joins or is not ready in time, and marks the result partial, instead
	// of failing the run. It keeps going only without workers that receive:
	// losing the publisher of a fan-out fails the run all the same, since
	// the receivers would count every message it never sent as lost.
	AllowPartial bool
	// ReadyTimeout is how long workers may take to join, and to open their
	// connections past the expected ramp (connections / ramp + the connect
	// timeout).
	ReadyTimeout time.Duration
	// MaxClockUncertainty refuses a worker whose clock offset is known to
	// less than this (half the best ping round trip). A worker on the
	// coordinator's machine (BootID) shares its clock and is never refused
	// for it.
	MaxClockUncertainty time.Duration
	// BootID is this machine's kernel boot id; a worker that sends the same
	// reads this clock: offset 0, uncertainty 0. Default ReadBootID().
	BootID string
	// ProcessExit, when set, says how worker index's process ended ("worker
	// process 4242 exited: signal: killed"), waiting up to wait for it, or
	// "" when it is still running or unknown. pushbench run --procs knows
	// its children: a worker whose connection ended because its process
	// died is then reported with the exit status.
	ProcessExit func(index int, wait time.Duration) string
	// ResultGrace is how long past the plan's end, drain and leak check a
	// worker's result may take to arrive.
	ResultGrace time.Duration
	// AbortGrace is how long an aborted worker may take to confirm it stopped.
	AbortGrace time.Duration
	// AliveInterval is how often every member is sent an Alive, so a
	// worker can tell a hung coordinator from a quiet one. Default
	// DefaultAliveInterval.
	AliveInterval time.Duration
	// PlanLead is the least time between sending the plan and its start
	// (more when round trips are long: five of the slowest worker's).
	PlanLead time.Duration
	// Now is the coordinator's clock; tests skew it. Default time.Now.
	Now func() time.Time
	// Log receives joins, refusals and faults. Default: discarded.
	Log *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = DefaultReadyTimeout
	}
	if o.MaxClockUncertainty <= 0 {
		o.MaxClockUncertainty = DefaultMaxClockUncertainty
	}
	if o.ResultGrace <= 0 {
		o.ResultGrace = DefaultResultGrace
	}
	if o.AbortGrace <= 0 {
		o.AbortGrace = DefaultAbortGrace
	}
	if o.AliveInterval <= 0 {
		o.AliveInterval = DefaultAliveInterval
	}
	if o.PlanLead <= 0 {
		o.PlanLead = DefaultPlanLead
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.BootID == "" {
		o.BootID = ReadBootID()
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o
}

// Coordinator is the listening side of a coordinated run: workers join it,
// and Run hands them one transport's job at a time.
type Coordinator struct {
	opts   Options
	ln     net.Listener
	ctx    context.Context // ends with Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	kick   chan struct{} // something a waiter may care about changed
	runMu  sync.Mutex    // one Run (or AwaitWorkers) at a time

	mu          sync.Mutex
	members     map[int]*member // joined
	joining     map[int]*member // said hello, clock being measured
	joinsClosed bool
	gone        map[int]*WorkerFault // why a worker is not a member (lost, exited, never joined)
	refused     map[int]*WorkerFault // the last refusal of a worker that said it was this index
	job         *jobState            // the job running, nil between jobs
	nextJob     int
	closed      bool
}

// Listen starts a coordinator of o.Workers workers on addr (host:port; port
// 0 picks one, see Addr).
func Listen(ctx context.Context, addr string, o Options) (*Coordinator, error) {
	if o.Workers < 1 {
		return nil, fmt.Errorf("coordinator: %d workers: want at least 1", o.Workers)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("coordinator: listen on %s: %w", addr, err)
	}
	return Serve(ln, o), nil
}

// Serve starts a coordinator on a listener the caller opened; Close closes it.
func Serve(ln net.Listener, o Options) *Coordinator {
	ctx, cancel := context.WithCancel(context.Background())
	c := &Coordinator{
		opts: o.withDefaults(), ln: ln, ctx: ctx, cancel: cancel,
		kick:    make(chan struct{}, 1),
		members: map[int]*member{}, joining: map[int]*member{}, gone: map[int]*WorkerFault{}, refused: map[int]*WorkerFault{},
	}
	c.wg.Add(1)
	go c.accept()
	return c
}

// Addr is where the coordinator listens.
func (c *Coordinator) Addr() net.Addr { return c.ln.Addr() }

// Workers is the run's worker count.
func (c *Coordinator) Workers() int { return c.opts.Workers }

func (c *Coordinator) now() time.Time { return c.opts.Now() }

// notify wakes the one waiter (AwaitWorkers or Run), if any.
func (c *Coordinator) notify() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// accept takes connections until the listener closes, each joining on its own.
func (c *Coordinator) accept() {
	defer c.wg.Done()
	for {
		conn, err := c.ln.Accept()
		if err != nil {
			return
		}
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.join(conn)
		}()
	}
}

// join reads a new connection's Hello, checks it, measures its clock and
// makes it a member, or refuses it with an error message naming why.
// Nothing a joining worker does disturbs the members.
func (c *Coordinator) join(conn net.Conn) {
	// Until it is a member (which Close ends by itself), Close ends it here.
	stop := context.AfterFunc(c.ctx, func() { conn.Close() })
	defer stop()
	p := newPeer(conn)
	addr := conn.RemoteAddr().String()
	_ = conn.SetReadDeadline(time.Now().Add(helloTimeout))
	msg, err := p.next()
	_ = conn.SetReadDeadline(time.Time{})
	hello, ok := msg.(*Hello)
	if err != nil || !ok {
		why := fmt.Sprintf("first message %T, want hello", msg)
		if err != nil {
			why = err.Error()
		}
		c.opts.Log.Warn("connection refused: no hello", "from", addr, "err", why)
		_ = p.send(&ErrorMessage{Message: "coordinator: want a hello first: " + why})
		conn.Close()
		return
	}
	m := newMember(p, *hello, addr)
	// refuse tells the worker why (message) and ends it; why, without the
	// worker's name, is kept for its index when it is about the worker
	// itself, so a run that fails for the index's absence says why.
	refuse := func(message, why string) {
		c.opts.Log.Warn("worker refused", "index", hello.Index, "host", hello.Host, "pid", hello.PID, "from", addr, "why", message)
		if why != "" {
			c.recordRefusal(m.fault("refused", why))
		}
		_ = p.send(&ErrorMessage{Message: message})
		conn.Close()
	}
	named := fmt.Sprintf("worker %d%s", hello.Index, describeWorker(hello.Host, hello.PID, addr))
	if hello.Version != Version {
		why := fmt.Sprintf("protocol version %d (worker) differs from the coordinator's %d: run the same pushbench release on the coordinator and every worker", hello.Version, Version)
		refuse(why, why)
		return
	}
	if why := c.reserve(m); why != "" {
		refuse(why, "")
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.read(m)
	}()
	est, err := c.syncClock(c.ctx, m)
	same := sharesClock(c.opts.BootID, hello.BootID)
	var measured []any // what the exchange measured, logged for information only
	switch {
	case err != nil:
		c.unreserve(m)
		why := "clock exchange failed: " + err.Error()
		refuse(named+": "+why, why)
		return
	case same:
		// One kernel, one clock: what the exchange measured is its own noise.
		measured = []any{"measured_offset", est.Offset, "measured_uncertainty", est.Uncertainty}
		est = sameClock(est)
	case est.Uncertainty > c.opts.MaxClockUncertainty:
		c.unreserve(m)
		why := fmt.Sprintf("clock uncertainty ±%s exceeds the limit ±%s (workers.max_clock_uncertainty): its best round trip to the coordinator took %s; latency across its clock would be off by that much. Run it nearer the coordinator, or raise the limit",
			est.Uncertainty, c.opts.MaxClockUncertainty, est.RTT)
		refuse(named+": "+why, why)
		return
	}
	// The welcome goes out before the worker becomes a member: from then on
	// a run may send it a job, and a worker reads a welcome first.
	if err := p.send(&Welcome{Version: Version, Count: c.opts.Workers, ClockOffset: est.Offset, ClockUncertainty: est.Uncertainty, SameClock: est.SameClock}); err != nil {
		c.unreserve(m)
		c.opts.Log.Warn("worker not joined: sending the welcome failed", "index", hello.Index, "from", addr, "err", err)
		c.recordRefusal(m.fault("joining", "sending the welcome failed: "+err.Error()))
		conn.Close()
		return
	}
	if why := c.admit(m, est, measured...); why != "" {
		refuse(why, "") // welcomed, then refused: the worker ends with this reason
		return
	}
	select {
	case <-m.gone:
		// Its connection ended between the welcome and admit, when its
		// loss did not count (it was no member yet): count it now.
		c.lost(m)
		return
	default:
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.keepAlive(m)
	}()
}

// keepAlive sends m an Alive every AliveInterval until its connection ends
// or the coordinator closes.
func (c *Coordinator) keepAlive(m *member) {
	t := time.NewTicker(c.opts.AliveInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if m.p.send(&Alive{}) != nil {
				return
			}
		case <-m.gone:
			return
		case <-c.ctx.Done():
			return
		}
	}
}

// recordRefusal keeps f as why its index is missing, should the run end
// up without it.
func (c *Coordinator) recordRefusal(f *WorkerFault) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f.Index >= 0 && f.Index < c.opts.Workers && c.members[f.Index] == nil {
		c.refused[f.Index] = f
	}
}

// reserve holds m's index while its clock is measured, or says why not.
func (c *Coordinator) reserve(m *member) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	i, n := m.index, c.opts.Workers
	if i < 0 || i >= n {
		return fmt.Sprintf("worker index %d out of range: this run has %d workers, indexes 0..%d", i, n, n-1)
	}
	other := c.members[i]
	if other == nil {
		other = c.joining[i]
	}
	switch {
	case other != nil:
		return fmt.Sprintf("worker index %d is already taken by a worker that joined%s: a worker cannot be counted twice; give each worker its own --index",
			i, describeWorker(other.hello.Host, other.hello.PID, other.addr))
	case c.joinsClosed:
		return fmt.Sprintf("worker %d: the run has started without it (joins close when every worker joined or workers.ready_timeout passed)", i)
	}
	c.joining[i] = m
	return ""
}

func (c *Coordinator) unreserve(m *member) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.joining[m.index] == m {
		delete(c.joining, m.index)
	}
}

// admit makes a reserved worker a member with its clock estimate, unless
// joins closed meanwhile; logAttrs go on its "worker joined" line.
func (c *Coordinator) admit(m *member, est ClockEstimate, logAttrs ...any) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.joining[m.index] == m {
		delete(c.joining, m.index)
	}
	if c.joinsClosed {
		return fmt.Sprintf("worker %d: the run has started without it (joins close when every worker joined or workers.ready_timeout passed)", m.index)
	}
	m.clock = est
	c.members[m.index] = m
	delete(c.gone, m.index)
	delete(c.refused, m.index)
	// Logged before anyone waiting for the workers can see it joined.
	c.opts.Log.Info("worker joined", append([]any{"index", m.index, "host", m.hello.Host, "pid", m.hello.PID, "from", m.addr,
		"clock_offset", est.Offset, "clock_uncertainty", est.Uncertainty, "same_clock", est.SameClock}, logAttrs...)...)
	c.notify()
	return ""
}

// AwaitWorkers waits until every worker has joined, then closes joins. When
// ReadyTimeout passes first it fails naming the workers missing, or with
// AllowPartial goes on with those that joined (at least one).
func (c *Coordinator) AwaitWorkers(ctx context.Context) error {
	c.runMu.Lock()
	defer c.runMu.Unlock()
	timer := time.NewTimer(c.opts.ReadyTimeout)
	defer timer.Stop()
	for {
		c.mu.Lock()
		joined := len(c.members)
		var exited []*WorkerFault
		for i := range c.opts.Workers {
			if f, ok := c.gone[i]; ok && c.members[i] == nil {
				exited = append(exited, f)
			}
		}
		if joined == c.opts.Workers {
			c.joinsClosed = true
			c.mu.Unlock()
			return nil
		}
		if len(exited) > 0 && !c.opts.AllowPartial {
			c.joinsClosed = true
			c.mu.Unlock()
			return faultsError(exited)
		}
		c.mu.Unlock()
		select {
		case <-c.kick:
		case <-timer.C:
			return c.closeJoins()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// closeJoins ends the join phase at the ready timeout: the workers missing
// are faults, or with AllowPartial a warning.
func (c *Coordinator) closeJoins() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.joinsClosed = true
	var missing []*WorkerFault
	for i := range c.opts.Workers {
		if c.members[i] != nil {
			continue
		}
		f := &WorkerFault{Index: i, Phase: "joining", Reason: fmt.Sprintf("did not join within %s (workers.ready_timeout)", c.opts.ReadyTimeout)}
		if g, ok := c.gone[i]; ok {
			f = g
		} else if m := c.joining[i]; m != nil {
			f = m.fault("joining", fmt.Sprintf("still measuring its clock after %s (workers.ready_timeout)", c.opts.ReadyTimeout))
		} else if r := c.refused[i]; r != nil {
			f = r
		}
		c.gone[i] = f
		missing = append(missing, f)
	}
	if !c.opts.AllowPartial || len(c.members) == 0 {
		return faultsError(missing)
	}
	for _, f := range missing {
		c.opts.Log.Warn("going on without a worker (allow_partial)", "worker", f.Index, "why", f.Reason)
	}
	return nil
}

// Lose reports that worker index is gone (its process exited, say): a
// member is dropped; a worker not yet joined is recorded, so waiting for
// it ends at once (named by its refusal, when the coordinator refused it:
// that is why its process exited).
func (c *Coordinator) Lose(index int, why string) {
	c.mu.Lock()
	m := c.members[index]
	if m == nil {
		m = c.joining[index]
	}
	if m == nil {
		if _, already := c.gone[index]; !already {
			f := c.refused[index]
			if f == nil {
				f = &WorkerFault{Index: index, Phase: "joining", Reason: why}
			}
			c.gone[index] = f
		}
		c.notify()
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.drop(m, why)
}

// Close tells every member the run is done (workers exit 0), waits briefly
// for them to hang up, and stops listening.
func (c *Coordinator) Close() error { return c.CloseFailed("") }

// CloseFailed is Close for a run that failed (why; "" is Close): every
// member is told why, logs it and exits non-zero, so no worker looks as if
// its work counted.
func (c *Coordinator) CloseFailed(why string) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed, c.joinsClosed = true, true
	members := make([]*member, 0, len(c.members)+len(c.joining))
	for _, m := range c.members {
		members = append(members, m)
	}
	for _, m := range c.joining {
		members = append(members, m)
	}
	c.mu.Unlock()
	err := c.ln.Close()
	var wg sync.WaitGroup
	for _, m := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.finish(why)
		}()
	}
	wg.Wait()
	c.cancel()
	c.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// Joined are the indexes of the workers joined now, in order.
func (c *Coordinator) Joined() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return sortedKeys(c.members)
}

// sortedMembers are the members by index; call with c.mu held.
func (c *Coordinator) sortedMembers() []*member {
	out := make([]*member, 0, len(c.members))
	for _, m := range c.members {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b *member) int { return a.index - b.index })
	return out
}

// faultsError joins faults into one error (errors.As finds each).
func faultsError(faults []*WorkerFault) error {
	errs := make([]error, len(faults))
	for i, f := range faults {
		errs[i] = f
	}
	return errors.Join(errs...)
}
