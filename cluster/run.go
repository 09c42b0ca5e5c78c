package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
)

// errDeadline ends a wait whose deadline passed.
var errDeadline = errors.New("deadline passed")

// Outcome is one transport's coordinated run: the merged result and each
// worker's own, as it sent it (labelled by the coordinator with its host,
// pid and clock figures).
type Outcome struct {
	Merged  *results.TransportResult
	Workers []*results.TransportResult // by index, the workers that reported
	Envs    []results.Env              // each reporting worker's machine, as Workers
}

// Run runs one job on every member: sends each its share, waits until all
// opened their connections, hands them one plan, collects and merges their
// results. progress, when set, gets one combined snapshot a second.
//
// A worker lost, not ready in time or without a result by the deadline is a
// *WorkerFault (several are joined): the run's other workers are stopped and
// the error returned; with AllowPartial the job goes on without it and the
// merged result is Partial. A worker whose own run failed is a *WorkerError:
// the transport fails, as a single process's would.
func (c *Coordinator) Run(ctx context.Context, job Job, progress func(loadgen.Progress)) (*Outcome, error) {
	return c.RunWithServer(ctx, job, progress, nil)
}

// RunWithServer is Run that also measures the target's server processes on
// this machine through server (nil: none to read, as Run), made when the
// transport's run began: the coordinator reads them before the workers
// connect, over the measured window of the plan it hands out (on its own
// clock) and until the results are in, and records the figures once, in
// the merged result's ServerResources (results.ServerResources says why
// there and not in the workers' results). A partial result records none:
// the server also served connections of the workers it is missing.
func (c *Coordinator) RunWithServer(ctx context.Context, job Job, progress func(loadgen.Progress), server *loadgen.ServerMeter) (*Outcome, error) {
	c.runMu.Lock()
	defer c.runMu.Unlock()
	j, err := c.startJob(job)
	if err != nil {
		return nil, err
	}
	defer c.closeJob(j)
	w := job.Workload.WithDefaults()
	report := func() { c.reportProgress(j, progress) }

	// Opening: each worker holds its share and reports Opened.
	if server != nil {
		server.Before()
	}
	c.sendJobs(j, job)
	ramp := time.Duration(float64(w.Connections) / float64(w.Ramp) * float64(time.Second))
	openFor := c.opts.ReadyTimeout + ramp + time.Duration(w.ConnectTimeout)
	err = c.wait(ctx, time.Now().Add(openFor), report, func() bool {
		return j.all(func(i int) bool { return j.opened[i] || j.done(i) }) || c.failsNow(j)
	})
	if err := c.settle(ctx, j, err, fmt.Sprintf("not ready within %s (the expected ramp %s, the connect timeout %s and workers.ready_timeout %s)",
		openFor.Round(time.Millisecond), ramp.Round(time.Millisecond), time.Duration(w.ConnectTimeout), c.opts.ReadyTimeout)); err != nil {
		return nil, err
	}

	// Running: one plan for all, then the results.
	if ctx.Err() != nil {
		c.abort(j, "the coordinator was interrupted", nil)
		return nil, fmt.Errorf("%s: %w", job.Transport, ctx.Err())
	}
	lead := c.planLead(j)
	plan := loadgen.NewPlan(w, c.now().Add(lead))
	c.mu.Lock()
	j.phase = phaseRunning
	active := j.active()
	c.mu.Unlock()
	for _, m := range active {
		if err := m.p.send(&Plan{Job: j.id, Plan: plan}); err != nil {
			c.drop(m, "sending the plan: "+err.Error())
		}
	}
	c.opts.Log.Info("plan sent", "transport", job.Transport, "workers", len(active), "start_in", lead, "topic", plan.Topic)
	info, _ := w.Pattern.Info()
	watch := watchServer(ctx, server, plan, info.Holds, c.now)
	span := lead + plan.Warmup + plan.Duration + time.Duration(*w.Drain) + time.Duration(w.BaselineCheck)
	out, err := c.results(ctx, j, time.Now().Add(span+c.opts.ResultGrace), report)
	watch.stop()
	if err != nil {
		return nil, err
	}
	if server != nil {
		server.Finish()
		c.recordServer(out, server)
	}
	return out, nil
}

// results waits for the workers' results until deadline, and merges them;
// an interrupted run merges what its workers measured until then.
func (c *Coordinator) results(ctx context.Context, j *jobState, deadline time.Time, report func()) (*Outcome, error) {
	err := c.wait(ctx, deadline, report, func() bool { return j.all(j.done) || c.failsNow(j) })
	if ctx.Err() != nil {
		return c.interrupted(j)
	}
	if err := c.settle(ctx, j, err, fmt.Sprintf("no result by the plan's end, the drain and a %s grace", c.opts.ResultGrace)); err != nil {
		return nil, err
	}
	return c.collect(ctx, j, true)
}

// failsNow reports (mu held) whether the job has already failed: a worker
// was lost or its run failed, and the run may not go on without it (with
// allow_partial it may, unless the worker lost is the publisher). The job
// then stops at once instead of running the others to the end for a result
// that will not be kept.
func (c *Coordinator) failsNow(j *jobState) bool {
	for i := range j.failed {
		if j.aborted[i] == "" { // a worker stopped on purpose ends with an error too
			return true
		}
	}
	for i := range j.lost {
		if j.aborted[i] == "" && (!c.opts.AllowPartial || j.isPublisher(i)) {
			return true
		}
	}
	return false
}

// recordServer puts what the coordinator read of the server in the merged
// result, covering the workers that reported; a partial result gets none.
func (c *Coordinator) recordServer(out *Outcome, server *loadgen.ServerMeter) {
	if out.Merged.Partial {
		c.opts.Log.Warn("server resources not recorded: the result is partial, and the server also served the missing workers' connections",
			"transport", out.Merged.Transport, "missing", out.Merged.MissingWorkers)
		return
	}
	rec := server.Resources()
	for _, r := range out.Workers {
		rec.Workers = append(rec.Workers, r.Workers[0].Index)
	}
	out.Merged.ServerResources = append(out.Merged.ServerResources, rec)
}

// interrupted ends a running job early, as an interrupted single-process
// run ends: every worker still running stops and sends what it measured
// (marked interrupted), which is merged; a worker that does not within
// AbortGrace is left out (the result is then partial too).
func (c *Coordinator) interrupted(j *jobState) (*Outcome, error) {
	c.mu.Lock()
	var running []*member
	for i, m := range j.parts {
		if !j.done(i) && j.aborted[i] == "" {
			running = append(running, m)
		}
	}
	c.mu.Unlock()
	for _, m := range running {
		if err := m.p.send(&Abort{Job: j.id, Reason: "the coordinator was interrupted", Keep: true}); err != nil {
			c.drop(m, "sending an abort: "+err.Error())
		}
	}
	stopped := func() bool { return j.all(j.done) }
	if c.wait(context.Background(), time.Now().Add(c.opts.AbortGrace), nil, stopped) != nil {
		for _, m := range running {
			c.mu.Lock()
			done := j.done(m.index)
			c.mu.Unlock()
			if !done {
				c.drop(m, fmt.Sprintf("sent nothing within %s of the coordinator's interruption", c.opts.AbortGrace))
			}
		}
	}
	return c.collect(context.Background(), j, false)
}

// startJob makes the job current with the members as its workers, or fails
// when workers are missing and the run may not go on without them.
func (c *Coordinator) startJob(job Job) (*jobState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errors.New("coordinator closed")
	}
	var faults []*WorkerFault
	var missing []int
	for i := range c.opts.Workers {
		if c.members[i] != nil {
			continue
		}
		missing = append(missing, i)
		f := c.gone[i]
		if f == nil {
			f = c.refused[i]
		}
		if f == nil {
			f = &WorkerFault{Index: i, Phase: "joining", Reason: "never joined"}
		}
		faults = append(faults, f)
	}
	if len(faults) > 0 && !c.opts.AllowPartial {
		return nil, faultsError(faults)
	}
	parts := c.sortedMembers()
	if len(parts) == 0 {
		return nil, fmt.Errorf("%s: no worker left to run it: %w", job.Transport, faultsError(faults))
	}
	c.nextJob++
	c.job = newJobState(c.nextJob, string(job.Transport), parts, missing)
	return c.job, nil
}

// sendJobs gives each worker its part: its slice, its clock offset, and
// whether it publishes (the lowest index present does; the others only
// receive, so the server sees the scenario's rate once).
func (c *Coordinator) sendJobs(j *jobState, job Job) {
	c.mu.Lock()
	parts := j.active()
	offsets := make([]time.Duration, len(parts))
	for k, m := range parts {
		offsets[k] = m.clock.Offset
	}
	if info, _ := job.Workload.Pattern.Info(); info.Publishes && len(parts) > 0 {
		j.publisher = parts[0].index
	}
	c.mu.Unlock()
	for k, m := range parts {
		mine := job
		mine.ID = j.id
		mine.Worker = results.Worker{Index: m.index, Count: c.opts.Workers}
		mine.NoPublish = k != 0
		mine.ClockOffset = offsets[k]
		if err := m.p.send(&mine); err != nil {
			c.drop(m, "sending the job: "+err.Error())
		}
	}
}

// all reports whether ok holds for every worker given the job and not given
// up on. Call with the coordinator's mu held.
func (j *jobState) all(ok func(i int) bool) bool {
	for i := range j.parts {
		if j.aborted[i] == "" && !ok(i) {
			return false
		}
	}
	return true
}

// active are the job's workers still in it (not done with an error, lost
// or given up on), by index. Call with the coordinator's mu held.
func (j *jobState) active() []*member {
	var out []*member
	for i, m := range j.parts {
		_, failed := j.failed[i]
		_, lost := j.lost[i]
		if !failed && !lost && j.aborted[i] == "" {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b *member) int { return a.index - b.index })
	return out
}

// wait waits until ready (called with mu held) holds, the deadline passes
// (errDeadline) or ctx ends, calling tick once a second.
func (c *Coordinator) wait(ctx context.Context, deadline time.Time, tick func(), ready func() bool) error {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		c.mu.Lock()
		ok := ready()
		c.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-c.kick:
		case <-ticker.C:
			if tick != nil {
				tick()
			}
		case <-timer.C:
			return errDeadline
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// settle judges a phase once its wait ended (waitErr: nil, errDeadline or
// the context's error): a worker whose run failed fails the job; a worker
// lost, or not done at the deadline (late: why), is a fault that fails the
// job, or with AllowPartial is given up on. A failed job first stops every
// worker still in it.
func (c *Coordinator) settle(ctx context.Context, j *jobState, waitErr error, late string) error {
	if (waitErr != nil && !errors.Is(waitErr, errDeadline)) || ctx.Err() != nil {
		// Interrupted: what ends with it (workers losing their connection
		// to an interrupted process group, say) is not a fault.
		c.abort(j, "the coordinator was interrupted", nil)
		if ctx.Err() != nil {
			waitErr = ctx.Err()
		}
		return fmt.Errorf("%s: %w", j.transport, waitErr)
	}
	c.mu.Lock()
	phase := j.phaseName()
	var failed []error
	var faults []*WorkerFault
	var slow []int
	for _, i := range sortedKeys(j.parts) {
		m := j.parts[i]
		switch {
		case j.aborted[i] != "":
		case j.failed[i] != "":
			failed = append(failed, &WorkerError{Index: i, Host: m.hello.Host, PID: m.hello.PID, Addr: m.addr, Err: j.failed[i]})
		case j.lost[i] != "":
			faults = append(faults, m.fault(phase, j.lost[i]))
		case errors.Is(waitErr, errDeadline) && !j.opened[i] && j.phase == phaseOpening,
			errors.Is(waitErr, errDeadline) && j.results[i] == nil && j.phase == phaseRunning:
			faults = append(faults, m.fault(phase, late))
			slow = append(slow, i)
		}
	}
	// The publisher cannot be given up on: the receivers would count every
	// message it did not send as lost, and blame the server.
	fatal := !c.opts.AllowPartial
	for _, f := range faults {
		if j.isPublisher(f.Index) {
			f.Publisher, fatal = true, true
		}
	}
	c.mu.Unlock()
	switch {
	case len(failed) > 0:
		c.abort(j, "another worker's run failed", nil)
		return fmt.Errorf("%s: %w", j.transport, errors.Join(failed...))
	case len(faults) > 0 && fatal:
		c.abort(j, "worker fault: "+faults[0].Error(), nil)
		return faultsError(faults)
	case len(faults) > 0:
		for _, f := range faults {
			c.opts.Log.Warn("going on without a worker (allow_partial)", "worker", f.Index, "phase", f.Phase, "why", f.Reason)
		}
		if len(slow) > 0 { // the lost ones are gone already
			c.abort(j, late, slow)
		}
	}
	c.mu.Lock()
	left := len(j.active())
	c.mu.Unlock()
	if left == 0 {
		return fmt.Errorf("%s: no worker left: %w", j.transport, faultsError(faults))
	}
	return nil
}

// abort stops the job on the given workers (nil: every one still in it),
// waits up to AbortGrace for each to confirm, and drops those that do not:
// a worker must be idle before it is given the next job.
func (c *Coordinator) abort(j *jobState, why string, which []int) {
	c.mu.Lock()
	var targets []*member
	for i, m := range j.parts {
		if j.done(i) || j.aborted[i] != "" || (which != nil && !slices.Contains(which, i)) {
			continue
		}
		j.aborted[i] = why
		targets = append(targets, m)
	}
	c.mu.Unlock()
	for _, m := range targets {
		if err := m.p.send(&Abort{Job: j.id, Reason: why}); err != nil {
			c.drop(m, "sending an abort: "+err.Error())
		}
	}
	stopped := func() bool {
		for _, m := range targets {
			if !j.done(m.index) {
				return false
			}
		}
		return true
	}
	if c.wait(context.Background(), time.Now().Add(c.opts.AbortGrace), nil, stopped) != nil {
		for _, m := range targets {
			c.mu.Lock()
			done := j.done(m.index)
			c.mu.Unlock()
			if !done {
				c.drop(m, fmt.Sprintf("did not stop within %s of an abort (%s)", c.opts.AbortGrace, why))
			}
		}
	}
}

// closeJob refuses anything more for the job.
func (c *Coordinator) closeJob(j *jobState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	j.phase = phaseClosed
	c.notify()
}

// planLead is how far ahead the plan starts: PlanLead, or five round trips
// of the slowest worker when that is more, so every worker has the plan
// before its first event.
func (c *Coordinator) planLead(j *jobState) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	lead := c.opts.PlanLead
	for _, m := range j.active() {
		lead = max(lead, 5*m.clock.RTT)
	}
	return lead
}

// collect closes the job, measures every reporting worker's clock again
// (drift over the transport), labels each worker's result with its process
// and clock figures and merges them exactly.
func (c *Coordinator) collect(ctx context.Context, j *jobState, resync bool) (*Outcome, error) {
	c.mu.Lock()
	j.phase = phaseClosed
	var reported []*member
	used := map[int]ClockEstimate{}
	for _, i := range sortedKeys(j.results) {
		reported = append(reported, j.parts[i])
		used[i] = j.parts[i].clock
	}
	missing := slices.Clone(j.missing)
	for i := range j.parts {
		if j.results[i] == nil {
			missing = append(missing, i)
		}
	}
	slices.Sort(missing)
	c.mu.Unlock()

	drift := map[int]time.Duration{}
	if resync {
		drift = c.resync(ctx, reported)
	}
	out := &Outcome{}
	for _, m := range reported {
		r := j.results[m.index]
		u := used[m.index]
		r.Workers = []results.Worker{{Index: m.index, Count: c.opts.Workers, Host: m.hello.Host, PID: m.hello.PID,
			ClockOffset: results.Duration(u.Offset), ClockUncertainty: results.Duration(u.Uncertainty), ClockDrift: results.Duration(drift[m.index]),
			SameClock: u.SameClock}}
		out.Workers = append(out.Workers, r)
		out.Envs = append(out.Envs, m.hello.Env)
	}
	if len(out.Workers) == 0 {
		return nil, fmt.Errorf("%s: no worker sent a result", j.transport)
	}
	merged, err := results.MergeTransport(out.Workers...)
	if err != nil {
		return nil, fmt.Errorf("%s: merge the workers' results: %w", j.transport, err)
	}
	if len(missing) > 0 {
		merged.Partial, merged.MissingWorkers = true, missing
	}
	out.Merged = merged
	return out, nil
}

// resync measures the reporting workers' clocks again, all at once, and
// returns how far each offset moved since the estimate the job used. A
// worker whose new estimate is within the limit keeps it for the next job.
// A worker on the coordinator's machine reads its clock: nothing to measure.
func (c *Coordinator) resync(ctx context.Context, ms []*member) map[int]time.Duration {
	var mu sync.Mutex
	drift := map[int]time.Duration{}
	var wg sync.WaitGroup
	for _, m := range ms {
		c.mu.Lock()
		same := m.clock.SameClock
		c.mu.Unlock()
		if same {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			est, err := c.syncClock(ctx, m)
			if err != nil {
				c.opts.Log.Warn("clock exchange after the transport failed: no drift recorded", "worker", m.index, "err", err)
				return
			}
			c.mu.Lock()
			d := est.Offset - m.clock.Offset
			if est.Uncertainty <= c.opts.MaxClockUncertainty {
				m.clock = est
			}
			c.mu.Unlock()
			mu.Lock()
			drift[m.index] = d
			mu.Unlock()
		}()
	}
	wg.Wait()
	return drift
}

// sortedKeys are a map's int keys in order.
func sortedKeys[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
