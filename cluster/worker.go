package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
)

// DefaultJoinTimeout is how long a worker keeps trying to reach its
// coordinator: in Kubernetes the pods of a run start in any order.
const DefaultJoinTimeout = 2 * time.Minute

// DefaultAliveTimeout is how long a joined worker hears nothing from its
// coordinator (twelve of its 5 s keepalives) before giving up on it.
const DefaultAliveTimeout = time.Minute

// Timeouts of a worker's side of the protocol.
const (
	welcomeTimeout = time.Minute     // hello to welcome: the clock exchange, at most ClockRounds x pingTimeout
	dialTimeout    = 5 * time.Second // one connect attempt
	maxDialBackoff = 2 * time.Second
	jobIdleWait    = 5 * time.Second // a new job may arrive while the last one's goroutine ends
)

// WorkerOptions configure RunWorker.
type WorkerOptions struct {
	Coordinator string // host:port
	Index       int
	// JoinTimeout bounds how long the worker retries connecting.
	JoinTimeout time.Duration
	// AliveTimeout is how long the joined worker waits without a message
	// from the coordinator (which sends an Alive every few seconds) before
	// it takes the coordinator for hung and ends. Default DefaultAliveTimeout.
	AliveTimeout time.Duration
	// Host, PID and Env describe this process (defaults: this machine).
	Host string
	PID  int
	Env  results.Env
	// BootID is this machine's kernel boot id (default ReadBootID()): a
	// coordinator with the same one shares this worker's clock and applies
	// no offset. Tests set another to stand for another machine.
	BootID string
	// CheckJob, when set, may refuse a job (a target off this machine
	// without --allow-remote, say); the coordinator is told why.
	CheckJob func(Job) error
	// Now is this worker's clock, read for clock pings; default time.Now.
	Now func() time.Time
	Log *slog.Logger
	// Dial connects to the coordinator; default a TCP dialer.
	Dial func(ctx context.Context, addr string) (net.Conn, error)
	// Run runs one job's load; default loadgen.Run.
	Run func(ctx context.Context, cfg loadgen.Config, log *slog.Logger) (*results.TransportResult, error)
}

func (o WorkerOptions) withDefaults() WorkerOptions {
	if o.JoinTimeout <= 0 {
		o.JoinTimeout = DefaultJoinTimeout
	}
	if o.AliveTimeout <= 0 {
		o.AliveTimeout = DefaultAliveTimeout
	}
	if o.Host == "" {
		o.Host, _ = os.Hostname()
	}
	if o.PID == 0 {
		o.PID = os.Getpid()
	}
	if o.Env == (results.Env{}) {
		o.Env = results.CollectEnv()
	}
	if o.BootID == "" {
		o.BootID = ReadBootID()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Dial == nil {
		o.Dial = func(ctx context.Context, addr string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		}
	}
	if o.Run == nil {
		o.Run = loadgen.Run
	}
	return o
}

// RefusedError is the coordinator refusing this worker or ending it with an
// error: its message says why.
type RefusedError struct{ Message string }

func (e *RefusedError) Error() string { return "coordinator: " + e.Message }

// RunFailedError is the coordinator ending the run as failed (another
// worker lost or never joined, a transport failed, the coordinator
// interrupted): this worker did its part, but the run did not complete.
type RunFailedError struct{ Reason string }

func (e *RunFailedError) Error() string {
	return "the coordinator ended the run as failed: " + e.Reason
}

// JobError is this worker's own part of a job failing: it refused the job
// (CheckJob) or its run of it ended with an error. The coordinator is told
// at once (that transport fails); RunWorker returns the first at the end.
type JobError struct {
	Transport string
	Err       error
}

func (e *JobError) Error() string { return fmt.Sprintf("its %s job failed: %v", e.Transport, e.Err) }
func (e *JobError) Unwrap() error { return e.Err }

// CheckCoordinatorAddr refuses a coordinator address no retry could reach:
// not HOST:PORT, or a port that is not a number from 1 to 65535. A host
// that does not resolve yet is retried (in Kubernetes the coordinator's
// Service name may appear after the worker starts).
func CheckCoordinatorAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("coordinator address %q: want HOST:PORT: %w", addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("coordinator address %q: port %q: want a number from 1 to 65535", addr, port)
	}
	return nil
}

// RunWorker joins the coordinator and runs the jobs it sends until it says
// Done: nil when the run completed. Any other end is an error: the run
// failed (*RunFailedError), this worker's part of a job failed (*JobError,
// which wins over the former), refused (*RefusedError), a bad address, the
// coordinator lost, a protocol error, or ctx ended.
func RunWorker(ctx context.Context, o WorkerOptions) error {
	o = o.withDefaults()
	if err := CheckCoordinatorAddr(o.Coordinator); err != nil {
		return err
	}
	conn, err := dialCoordinator(ctx, o)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	w := &workerSession{o: o, p: newPeer(conn)}
	if err := w.p.send(&Hello{Version: Version, Index: o.Index, Host: o.Host, PID: o.PID, Env: o.Env, BootID: o.BootID}); err != nil {
		return w.ended(ctx, fmt.Errorf("send hello to %s: %w", o.Coordinator, err))
	}
	welcome, err := w.awaitWelcome()
	if err != nil {
		return w.ended(ctx, err)
	}
	if welcome.SameClock {
		o.Log.Info("joined the coordinator", "coordinator", o.Coordinator, "index", o.Index, "workers", welcome.Count,
			"clock", "one clock (same machine)")
	} else {
		o.Log.Info("joined the coordinator", "coordinator", o.Coordinator, "index", o.Index, "workers", welcome.Count,
			"clock_offset", welcome.ClockOffset, "clock_uncertainty", welcome.ClockUncertainty)
	}
	return w.ended(ctx, w.serve(ctx))
}

// dialCoordinator connects, retrying until the join timeout; the last
// attempt is made at the deadline itself.
func dialCoordinator(ctx context.Context, o WorkerOptions) (net.Conn, error) {
	deadline := time.Now().Add(o.JoinTimeout)
	backoff := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		dctx, cancel := context.WithTimeout(ctx, dialTimeout)
		conn, err := o.Dial(dctx, o.Coordinator)
		cancel()
		if err == nil {
			return conn, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, fmt.Errorf("coordinator %s not reachable within %s (--join-timeout), %d attempts: %w", o.Coordinator, o.JoinTimeout, attempt, err)
		}
		if attempt == 1 {
			o.Log.Info("coordinator not reachable yet; retrying", "coordinator", o.Coordinator, "err", err, "until", o.JoinTimeout)
		}
		wait := time.NewTimer(min(backoff, left))
		select {
		case <-wait.C:
		case <-ctx.Done():
			wait.Stop()
			return nil, ctx.Err()
		}
		backoff = min(2*backoff, maxDialBackoff)
	}
}

// workerSession is a joined worker's side of the connection.
type workerSession struct {
	o WorkerOptions
	p *peer

	mu     sync.Mutex
	failed *JobError // the first job this worker's part of failed
}

// jobFailed logs that this worker's part of a job failed (refused or its
// run's error: a person reading only this worker's log must see it) and
// keeps the first for the end.
func (w *workerSession) jobFailed(job Job, what string, err error) {
	w.o.Log.Error(what, "transport", job.Transport, "worker", fmt.Sprintf("%d/%d", job.Worker.Index, job.Worker.Count), "err", err)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed == nil {
		w.failed = &JobError{Transport: string(job.Transport), Err: err}
	}
}

// done is how the session ends on the coordinator's Done: nil when the run
// completed and this worker's part of every job did; else why not.
func (w *workerSession) done(d *Done) error {
	w.mu.Lock()
	own := w.failed
	w.mu.Unlock()
	if d.Failure != "" {
		w.o.Log.Error("the coordinator ended the run as failed", "reason", d.Failure)
	} else {
		w.o.Log.Info("the coordinator is done: the run completed")
	}
	switch {
	case own != nil:
		return own
	case d.Failure != "":
		return &RunFailedError{Reason: d.Failure}
	}
	return nil
}

// ended prefers the context's error to what closing the connection on it
// caused.
func (w *workerSession) ended(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// pong answers a clock ping, stamping receive and send on this worker's
// clock.
func (w *workerSession) pong(p *Ping, received time.Time) error {
	return w.p.send(&Pong{Seq: p.Seq, T0: p.T0, T1: received.UnixNano(), T2: w.o.Now().UnixNano()})
}

// awaitWelcome answers the join's clock pings until the coordinator
// welcomes or refuses this worker.
func (w *workerSession) awaitWelcome() (*Welcome, error) {
	_ = w.p.conn.SetReadDeadline(time.Now().Add(welcomeTimeout))
	defer func() { _ = w.p.conn.SetReadDeadline(time.Time{}) }()
	for {
		msg, err := w.p.next()
		at := w.o.Now()
		if err != nil {
			return nil, fmt.Errorf("waiting for the coordinator's welcome: %w", err)
		}
		switch m := msg.(type) {
		case *Ping:
			if err := w.pong(m, at); err != nil {
				return nil, err
			}
		case *Welcome:
			if m.Version != Version {
				return nil, fmt.Errorf("coordinator speaks protocol version %d, this worker %d: run the same pushbench release everywhere", m.Version, Version)
			}
			return m, nil
		case *ErrorMessage:
			return nil, &RefusedError{Message: m.Message}
		default:
			return nil, fmt.Errorf("protocol: %s message before the welcome", msg.messageType())
		}
	}
}

// serve answers pings as they come and runs jobs one at a time until Done.
func (w *workerSession) serve(ctx context.Context) error {
	inbox := make(chan Message, 16)
	readErr := make(chan error, 1)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	var cur *workerJob
	defer func() {
		// The connection first: a job blocked sending ends at once.
		close(quit)
		w.p.conn.Close()
		cur.stop()
		wg.Wait()
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			_ = w.p.conn.SetReadDeadline(time.Now().Add(w.o.AliveTimeout))
			msg, err := w.p.next()
			at := w.o.Now()
			if errors.Is(err, os.ErrDeadlineExceeded) {
				err = fmt.Errorf("nothing from the coordinator for %s (it sends a keepalive every few seconds): it hung or the network dropped: %w", w.o.AliveTimeout, err)
			}
			if err != nil {
				readErr <- err
				return
			}
			if _, ok := msg.(*Alive); ok {
				continue
			}
			if ping, ok := msg.(*Ping); ok {
				_ = w.pong(ping, at)
				continue
			}
			select {
			case inbox <- msg:
			case <-quit:
				return
			}
		}
	}()
	for {
		select {
		case msg := <-inbox:
			switch m := msg.(type) {
			case *Job:
				if !cur.idle(jobIdleWait) {
					return fmt.Errorf("protocol: job %d (%s) while job %d still runs", m.ID, m.Transport, cur.id)
				}
				cur = w.start(ctx, *m)
			case *Plan:
				cur.plan(m)
			case *Abort:
				cur.abort(m)
			case *Done:
				return w.done(m)
			case *ErrorMessage:
				return &RefusedError{Message: m.Message}
			default:
				return fmt.Errorf("protocol: unexpected %s message", msg.messageType())
			}
		case err := <-readErr:
			return fmt.Errorf("lost the coordinator %s: %w", w.o.Coordinator, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// workerJob is the job a worker runs now.
type workerJob struct {
	id       int
	cancel   context.CancelFunc
	plans    chan loadgen.Plan
	done     chan struct{}
	mu       sync.Mutex
	abortWhy string
	keep     bool // the abort asked for what was measured
}

// start runs job in its own goroutine: loadgen with the coordinator's
// barrier, progress streamed, then the result or the error sent back.
func (w *workerSession) start(ctx context.Context, job Job) *workerJob {
	jctx, cancel := context.WithCancel(ctx)
	wj := &workerJob{id: job.ID, cancel: cancel, plans: make(chan loadgen.Plan, 1), done: make(chan struct{})}
	go func() {
		defer close(wj.done)
		defer cancel()
		msg := w.run(jctx, job, wj)
		if err := w.p.send(msg); err != nil {
			w.o.Log.Warn("could not send the job's outcome", "transport", job.Transport, "err", err)
		}
	}()
	return wj
}

// run runs job and returns what to tell the coordinator.
func (w *workerSession) run(ctx context.Context, job Job, wj *workerJob) Message {
	if w.o.CheckJob != nil {
		if err := w.o.CheckJob(job); err != nil {
			w.jobFailed(job, "refused the coordinator's job", err)
			return &Failed{Job: job.ID, Error: err.Error()}
		}
	}
	cfg := job.Config()
	cfg.AwaitPlan = func(ctx context.Context, opened loadgen.Opened) (loadgen.Plan, error) {
		if err := w.p.send(&Opened{Job: job.ID, Opened: opened}); err != nil {
			return loadgen.Plan{}, err
		}
		select {
		case p := <-wj.plans:
			return p, nil
		case <-ctx.Done():
			return loadgen.Plan{}, ctx.Err()
		}
	}
	cfg.Progress = func(p loadgen.Progress) { _ = w.p.send(progressMessage(job.ID, p)) }
	publishes := "publishes"
	if job.NoPublish {
		publishes = "receives only"
	}
	w.o.Log.Info("job", "scenario", job.Scenario, "transport", job.Transport, "worker", fmt.Sprintf("%d/%d", job.Worker.Index, job.Worker.Count),
		"pattern", job.Workload.Pattern, "url", job.URL, "role", publishes)
	res, err := w.o.Run(ctx, cfg, w.o.Log)
	if why, keep := wj.aborted(); why != "" && (!keep || err != nil) {
		return &Failed{Job: job.ID, Error: "stopped as the coordinator asked: " + why}
	}
	if err != nil {
		if ctx.Err() == nil { // not the session ending under it
			w.jobFailed(job, "the job failed", err)
		}
		return &Failed{Job: job.ID, Error: err.Error()}
	}
	return &Result{Job: job.ID, Result: res}
}

// idle reports whether no job runs, waiting up to d for one to end.
func (wj *workerJob) idle(d time.Duration) bool {
	if wj == nil {
		return true
	}
	select {
	case <-wj.done:
		return true
	case <-time.After(d):
		return false
	}
}

// plan hands the running job its plan, if the plan is for it.
func (wj *workerJob) plan(p *Plan) {
	if wj == nil || wj.id != p.Job {
		return
	}
	select {
	case wj.plans <- p.Plan:
	default: // a second plan for one job: the first stands
	}
}

// abort stops the running job, if the abort is for it.
func (wj *workerJob) abort(a *Abort) {
	if wj == nil || wj.id != a.Job {
		return
	}
	wj.mu.Lock()
	wj.abortWhy, wj.keep = a.Reason, a.Keep
	if wj.abortWhy == "" {
		wj.abortWhy = "aborted"
	}
	wj.mu.Unlock()
	wj.cancel()
}

// aborted says why the coordinator stopped the job ("" if it did not) and
// whether it wants what was measured.
func (wj *workerJob) aborted() (why string, keep bool) {
	wj.mu.Lock()
	defer wj.mu.Unlock()
	return wj.abortWhy, wj.keep
}

// stop ends the running job and waits for it.
func (wj *workerJob) stop() {
	if wj == nil {
		return
	}
	wj.cancel()
	<-wj.done
}
