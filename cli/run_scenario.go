package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/report"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/scenarios"
	"github.com/pushbench/pushbench/target"
	"github.com/pushbench/pushbench/workload"
)

// runScenario runs every transport of sc once, prints the table and the
// threshold verdicts, and saves the result. It reports whether everything
// passed; an error means the run could not be completed.
func (o *runOptions) runScenario(ctx context.Context, sc *scenarios.Scenario, rep int, setDir string, worker results.Worker, log *slog.Logger, stdout, stderr io.Writer) (bool, error) {
	full := sc.WithDefaults()
	scJSON, err := json.Marshal(full)
	if err != nil {
		return false, fmt.Errorf("encode scenario: %w", err)
	}
	run := &results.Run{Schema: results.SchemaVersion, Name: full.Name, Started: time.Now().UTC(), Scenario: scJSON,
		Command: o.command, Env: results.CollectEnv()}
	if o.repeat > 1 {
		run.Repeat = rep
	}
	passed := true
	// Messages name the scenario when it came from a file; a run built from
	// flags is the only one.
	where := ""
	if sc.File != "" {
		where = full.Name + ": "
	}
	var reasons []string
	for i, name := range full.Transports {
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "pushbench run: %sinterrupted: skipped %v\n", where, full.Transports[i:])
			break
		}
		tr, err := runTransport(ctx, full, name, worker, log, stderr, o.quiet, o.metrics, o.cluster)
		if isWorkerFault(err) {
			return false, err // a coordinated run without a worker it needs: stop, exit 2
		}
		if err != nil {
			if ctx.Err() != nil {
				fmt.Fprintf(stderr, "pushbench run: %s%s: interrupted before it began: %v\n", where, name, err)
				continue
			}
			passed = false
			fmt.Fprintf(stderr, "pushbench run: %s%v\n", where, err)
			continue
		}
		run.Transports = append(run.Transports, tr)
		if reason := failureReason(full.Pattern, tr); reason != "" && !tr.Interrupted {
			reasons = append(reasons, reason)
		}
	}
	for _, tr := range run.Transports {
		run.Interrupted = run.Interrupted || tr.Interrupted
	}
	if len(run.Transports) == 0 {
		if ctx.Err() != nil {
			return false, errInterrupted
		}
		return false, nil
	}
	if wl := report.DescribeWorkload(run); wl != "" {
		fmt.Fprintf(stdout, "%s: %s\n", full.Name, wl)
	}
	if err := report.WriteSummaryTable(stdout, report.SummarizeRun(run), tableFormat(o.format, o.wide)); err != nil {
		return false, err
	}
	fmt.Fprintln(stdout, report.TableLegend)
	for _, l := range report.ErrorLines(run) {
		fmt.Fprintf(stdout, "  - %s\n", l)
	}
	if err := report.WriteFindMaxSection(stdout, run, tableFormat(o.format, o.wide)); err != nil {
		return false, err
	}
	if !printVerdicts(stdout, full.Thresholds.Evaluate(run)) {
		passed = false
	}
	if o.out != "" {
		dir := filepath.Join(o.out, report.RunDirName(run))
		if setDir != "" {
			dir = filepath.Join(setDir, fmt.Sprintf("r%d", rep))
		}
		if err := report.WriteRunDir(dir, run); err != nil {
			return false, err
		}
		if err := o.cluster.writeWorkerFiles(dir, run); err != nil {
			return false, err
		}
		fmt.Fprintf(stdout, "results: %s\n", dir)
	}
	if ctx.Err() != nil {
		return false, errInterrupted
	}
	// Last, where a person looks: why the run failed though no threshold says so.
	for _, r := range reasons {
		fmt.Fprintf(stderr, "pushbench run: %s\n", r)
		passed = false
	}
	return passed, nil
}

// printVerdicts prints each threshold verdict and a closing count, and
// reports whether all passed.
func printVerdicts(w io.Writer, verdicts []scenarios.Verdict) bool {
	failed := 0
	for _, v := range verdicts {
		fmt.Fprintf(w, "  %s\n", v)
		if !v.Pass {
			failed++
		}
	}
	if len(verdicts) > 0 {
		fmt.Fprintf(w, "thresholds: %d passed, %d failed\n", len(verdicts)-failed, failed)
	}
	return failed == 0
}

// runTransport runs the scenario against one transport, starting and stopping
// the builtin servers around it when the target is builtin.
func runTransport(ctx context.Context, sc scenarios.Scenario, name clients.Name, worker results.Worker, log *slog.Logger, stderr io.Writer, quiet bool, metrics *loadgen.Metrics, cl *clusterRun) (*results.TransportResult, error) {
	faultEnv, adminToken, err := builtinFaultEnv(sc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	// A builtin server the scenario kills keeps its SSE replay buffer in a
	// file, so the restarted process resumes clients where the killed one
	// left them, as a server with persistent history would.
	var replayFile string
	if sc.Target.Builtin && sc.HasFault(scenarios.FaultKill) {
		dir, err := os.MkdirTemp("", "pushbench-replay-")
		if err != nil {
			return nil, fmt.Errorf("%s: replay file: %w", name, err)
		}
		defer os.RemoveAll(dir)
		replayFile = filepath.Join(dir, "replay")
	}
	servers, err := openTarget(ctx, sc.Target, faultEnv, replayFile, stderr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer func() {
		// Stop even when the run was interrupted: no child may outlive us.
		if err := servers.Stop(context.WithoutCancel(ctx)); err != nil {
			log.Warn("builtin server did not stop cleanly", "err", err)
		}
	}()
	if n := len(servers.Members()); sc.Target.Builtin && n > 1 {
		for i, m := range servers.Members() {
			log.Info("builtin server started", "transport", name, "server", fmt.Sprintf("%d/%d", i+1, n), "url", m.URLs().Base, "pid", m.PID())
		}
	}
	urls, publish := targetEndpoints(sc, name, servers)
	// Faults act on the first (the only: the scenario check refuses faults
	// against several servers) server.
	tg := servers.Members()[0]
	rig, url, err := openFaultRig(ctx, sc, tg, adminToken, urls[0])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	urls[0] = url
	defer rig.Close()
	receive, err := sc.Messages.Receive() // the scenario check has refused bad settings
	if err != nil {
		return nil, err
	}
	progress := newProgressPrinter(stderr, quiet)
	defer progress.done()
	cfg := loadgen.Config{Workload: sc.Workload, Transport: name, URL: url, PublishURL: publish[0], Worker: worker,
		Progress:     progressTo(progress, metrics),
		Body:         sc.Messages.Body(sc.Pattern),
		Receive:      receive,
		PublishEvent: sc.Messages.PublishEvent,
		Payload:      loadgen.Payload{Timestamp: sc.Messages.Timestamp, Seq: sc.Messages.Seq},
		Timeline:     rig.actions(sc.Faults)}
	cfg = withServers(cfg, sc.Target, servers, urls, publish)
	if sc.FindMax != nil {
		return findMax(ctx, sc, cfg, log, stderr)
	}
	if cl != nil {
		// The workers run the load; this process starts the target,
		// merges and judges, as a single-process run would.
		res, err := cl.runTransport(ctx, sc, cfg, log)
		metrics.Finish(string(name), res)
		return res, err
	}
	log.Info("running", "scenario", sc.Name, "transport", name, "url", url, "servers", len(urls), "pattern", sc.Pattern, "connections", sc.Connections)
	res, err := loadgen.Run(ctx, cfg, log)
	metrics.Finish(string(name), res)
	return res, err
}

// findMax runs the scenario's saturation search against one transport: each
// step a separate loadgen.Run at the step's rate on the same server, with
// fresh connections, so every step is judged on its own window and a step
// that overloaded the server leaves no backlog or dead connections to the
// next. Connections stay fixed; the rate per connection (broadcasts/s for
// fanout, sends/s for echo) is deliveries/s over connections. It prints a
// line per step, and returns the highest passing step's result (the first
// step's when none passed) carrying the whole curve.
func findMax(ctx context.Context, sc scenarios.Scenario, cfg loadgen.Config, log *slog.Logger, stderr io.Writer) (*results.TransportResult, error) {
	f := sc.FindMax.WithDefaults()
	crit := f.Criteria()
	conns := float64(sc.Connections)
	knob := "broadcasts/s"
	if sc.Pattern == workload.Echo {
		knob = "sends/s per connection"
	}
	byStep := map[int]*results.TransportResult{}
	step := func(ctx context.Context, req loadgen.FindMaxRequest) results.FindMaxStep {
		c := cfg
		c.Workload.Rate = workload.Rate(req.Deliveries / conns)
		c.Workload.Duration = f.StepDuration
		fmt.Fprintf(stderr, "find-max %s: step %d (%s): %.0f deliveries/s = %d connections x %.4g %s\n",
			cfg.Transport, req.N, req.Phase, req.Deliveries, sc.Connections, float64(c.Workload.Rate), knob)
		start := time.Now()
		tr, err := loadgen.Run(ctx, c, log)
		took := time.Since(start)
		if err != nil {
			st := loadgen.FindMaxStepError(err, took)
			fmt.Fprintf(stderr, "find-max %s: step %d: %s: %s\n", cfg.Transport, req.N, st.Outcome, st.Reason)
			return st
		}
		byStep[req.N] = tr
		st := loadgen.JudgeFindMaxStep(tr, crit)
		st.Took = results.Duration(took)
		line := fmt.Sprintf("find-max %s: step %d: %s  achieved %.0f/s  p99 %s  loss %s  (%s)", cfg.Transport, req.N, st.Outcome,
			st.Achieved, results.FormatDuration(time.Duration(st.P99)), results.FormatValue(st.LossRatio, results.UnitRatio), took.Round(time.Second))
		if st.Reason != "" {
			line += ": " + st.Reason
		}
		fmt.Fprintln(stderr, line)
		return st
	}
	log.Info("find-max", "scenario", sc.Name, "transport", cfg.Transport, "pattern", sc.Pattern, "connections", sc.Connections,
		"start", float64(f.Start), "max_steps", f.MaxSteps, "bisect", *f.Bisect)
	fm := loadgen.FindMax(ctx, f.Search(), step)
	fm.Metric, fm.Below, fm.LossBelow, fm.Connections = crit.Metric, crit.Below, crit.LossBelow, sc.Connections
	fm.Knob = knob + " at fixed connections"
	var best *results.TransportResult
	bestRate := -1.0
	for _, st := range fm.Steps {
		if tr := byStep[st.N]; tr != nil && st.Passed() && st.Deliveries > bestRate {
			best, bestRate = tr, st.Deliveries
		}
	}
	for n := 1; best == nil && n <= len(fm.Steps); n++ {
		best = byStep[n]
	}
	if best == nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: find-max: interrupted before a step finished: %w", cfg.Transport, ctx.Err())
		}
		return nil, fmt.Errorf("%s: find-max: no step ran: %s", cfg.Transport, firstReason(fm))
	}
	// Every step runs against the same server, so a later step's own "RSS
	// before" already holds what earlier steps left: the server's memory per
	// connection is measured from before the first step.
	if first := byStep[1]; first != nil && best != first {
		for i := range best.Resources {
			if i < len(first.Resources) {
				best.Resources[i].ServerRSSBefore = first.Resources[i].ServerRSSBefore
			}
		}
	}
	best.FindMax = &fm
	fmt.Fprintf(stderr, "find-max %s: %s\n", cfg.Transport, report.FindMaxVerdict(fm))
	return best, nil
}

// firstReason is why the first step of a search did not run.
func firstReason(fm results.FindMax) string {
	if len(fm.Steps) == 0 {
		return "the search took no step"
	}
	return fm.Steps[0].Reason
}

// openTarget starts fresh reference servers as child processes for a
// builtin target (target.servers of them, each with env, e.g. what its
// faults need, and its replay buffer kept in replayFile when set), or names
// the user's servers, one per base URL.
func openTarget(ctx context.Context, t scenarios.Target, env []string, replayFile string, stderr io.Writer) (*target.Group, error) {
	if !t.Builtin {
		bases := []string(t.URL)
		if len(bases) == 0 {
			bases = []string{""} // a target given by per-transport URLs only
		}
		members := make([]target.Target, len(bases))
		for i, base := range bases {
			members[i] = target.NewRemote(target.URLs{Base: base})
		}
		return target.NewGroup(members...), nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("builtin server: find own executable: %w", err)
	}
	return target.StartBuiltins(ctx, target.BuiltinOptions{Executable: exe, Stderr: stderr, Env: env, ReplayFile: replayFile}, t.BuiltinServers())
}

// targetEndpoints returns the subscriber URLs and publish endpoints of one
// transport against servers, in server order for a builtin target: a
// transport on a listener of its own is where each server announced it.
func targetEndpoints(sc scenarios.Scenario, name clients.Name, servers *target.Group) (urls, publish []string) {
	urls, publish = sc.TargetEndpoints(name, servers.Bases())
	if len(sc.Target.URLs[string(name)]) > 0 {
		return urls, publish
	}
	for i, m := range servers.Members() {
		if u := m.URLs().Transports[string(name)]; u != "" && i < len(urls) {
			urls[i] = u
		}
	}
	return urls, publish
}

// withServers points cfg at every server and says how the run reads the
// servers' processes. Several URLs or publish endpoints: connections spread
// over the URLs and every message goes to each endpoint. One builtin server
// as always: its process id across restarts and its GET /stats for the leak
// check. Several builtin servers: their process ids (CPU and memory summed);
// the leak check does not read their goroutines (one /stats per server, while
// the check compares one server). A user's servers: nothing to read.
func withServers(cfg loadgen.Config, t scenarios.Target, servers *target.Group, urls, publish []string) loadgen.Config {
	if len(urls) > 1 {
		cfg.URLs = urls
	}
	if len(publish) > 1 {
		cfg.PublishURLs = publish
	}
	members := servers.Members()
	switch {
	case !t.Builtin:
	case len(members) == 1:
		cfg.ServerPID, cfg.ServerProcess, cfg.ServerStats = members[0].PID(), members[0].PID, builtinStats(t, members[0])
	default:
		cfg.ServerPIDs = servers.PIDs
	}
	return cfg
}

// builtinStats is the builtin server's GET /stats URL, where the leak check
// reads its goroutines; "" for a user's server.
func builtinStats(t scenarios.Target, tg target.Target) string {
	if !t.Builtin {
		return ""
	}
	return strings.TrimSuffix(tg.URLs().Base, "/") + "/stats"
}
