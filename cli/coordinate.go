package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pushbench/pushbench/cluster"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/scenarios"
)

// runCoordinate is pushbench coordinate: pushbench run as the coordinator
// of workers started elsewhere (--workers N --listen ADDR).
func runCoordinate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runOrCoordinate(ctx, "coordinate", args, stdout, stderr)
}

// workersDir is the directory inside a coordinated run's result directory
// that holds each worker's own result, worker-N.json.
const workersDir = "workers"

// clusterRun is a coordinated run in progress: the coordinator, its local
// worker processes (--procs), and each worker's own result of every
// transport run so far, kept for the run directory.
//
// The server's resources (CPU, memory, goroutines) of a target on this
// machine (builtin servers this process started) are read by the
// coordinator, not the workers: each worker holds only its share of the
// connections while the server holds them all, so no worker's reading
// means anything per connection, and summing them would count the server N
// times. The coordinator reads it once over the plan's window and records
// it in the merged result (results.ServerResources). The generator's
// figures are each worker's own and add up.
type clusterRun struct {
	coord *cluster.Coordinator
	local *localWorkers
	log   *slog.Logger
	ctx   context.Context // the run's: ended, the coordinator was interrupted

	mu       sync.Mutex
	parts    map[*results.TransportResult]*cluster.Outcome // merged result -> the outcome it came from
	failures []string                                      // why transports failed: the workers are told at the end
}

// startCluster listens, starts the local workers (--procs), and waits for
// every worker to join.
func (o *runOptions) startCluster(ctx context.Context, scs []*scenarios.Scenario, log *slog.Logger, stderr io.Writer) (*clusterRun, error) {
	w := o.settings.WithDefaults()
	addr := o.listen
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	opts := cluster.Options{
		Workers:             o.count(),
		AllowPartial:        w.AllowPartial,
		ReadyTimeout:        time.Duration(w.ReadyTimeout),
		MaxClockUncertainty: time.Duration(w.MaxClockUncertainty),
		Log:                 log,
	}
	var local *localWorkers
	if o.settings.Procs > 0 {
		local = &localWorkers{}
		opts.ProcessExit = local.exitStatus // a child's death is named by its exit status
	}
	coord, err := cluster.Listen(ctx, addr, opts)
	if err != nil {
		return nil, err
	}
	cl := &clusterRun{coord: coord, local: local, log: log, ctx: ctx, parts: map[*results.TransportResult]*cluster.Outcome{}}
	if local != nil {
		allowRemote := o.allowRemote
		for _, sc := range scs {
			allowRemote = allowRemote || sc.Target.AllowRemote
		}
		err = local.start(localWorkerOptions{count: o.settings.Procs, coordinator: coord.Addr().String(),
			allowRemote: allowRemote, quiet: o.quiet, stderr: stderr, lost: coord.Lose})
		if err != nil {
			cl.fail(err)
			cl.close()
			return nil, err
		}
		log.Info("local workers started", "procs", o.settings.Procs, "coordinator", coord.Addr().String(), "pids", cl.local.pids())
	} else {
		log.Info("coordinator listening; start the workers", "addr", coord.Addr().String(), "workers", o.count(),
			"command", fmt.Sprintf("pushbench worker --coordinator HOST:%s --index I (0..%d)", portOf(coord.Addr()), o.count()-1))
	}
	if err := coord.AwaitWorkers(ctx); err != nil {
		cl.fail(err)
		cl.close()
		if ctx.Err() != nil {
			return nil, errInterrupted
		}
		return nil, err
	}
	log.Info("workers joined", "workers", coord.Joined())
	return cl, nil
}

// runTransport runs one transport on the workers: the job is the
// configuration a single process would have run. The server processes it
// names (cfg.ServerPID, ServerProcess or ServerPIDs: a builtin target), the
// coordinator measures itself.
func (cl *clusterRun) runTransport(ctx context.Context, sc scenarios.Scenario, cfg loadgen.Config, log *slog.Logger) (*results.TransportResult, error) {
	log.Info("running on workers", "scenario", sc.Name, "transport", cfg.Transport, "url", cfg.URL, "pattern", sc.Pattern,
		"connections", sc.Connections, "workers", cl.coord.Workers())
	server := loadgen.NewServerMeter(cfg)
	if !server.Local() {
		server = nil
	}
	out, err := cl.coord.RunWithServer(ctx, cluster.JobFromConfig(sc.Name, cfg), cfg.Progress, server)
	if err != nil {
		cl.fail(err)
		return nil, err
	}
	if out.Merged.Partial {
		log.Warn("partial result: workers missing (allow_partial)", "transport", cfg.Transport, "missing", out.Merged.MissingWorkers)
	}
	cl.mu.Lock()
	cl.parts[out.Merged] = out
	cl.mu.Unlock()
	return out.Merged, nil
}

// writeWorkerFiles writes each worker's own result of run into
// dir/workers/worker-N.json: a run of its transports as it measured them,
// which pushbench report reads and pushbench merge merges back into
// result.json. A nil clusterRun writes nothing.
func (cl *clusterRun) writeWorkerFiles(dir string, run *results.Run) error {
	if cl == nil {
		return nil
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	byWorker := map[int]*results.Run{}
	for _, t := range run.Transports {
		out := cl.parts[t]
		if out == nil {
			continue
		}
		delete(cl.parts, t)
		for k, wr := range out.Workers {
			i := wr.Workers[0].Index
			if byWorker[i] == nil {
				byWorker[i] = &results.Run{Schema: results.SchemaVersion, Name: run.Name, Started: run.Started, Repeat: run.Repeat,
					Scenario: run.Scenario, Command: run.Command, Env: out.Envs[k]}
			}
			byWorker[i].Transports = append(byWorker[i].Transports, wr)
		}
	}
	if len(byWorker) == 0 {
		return nil
	}
	wdir := filepath.Join(dir, workersDir)
	if err := os.MkdirAll(wdir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", wdir, err)
	}
	for i, r := range byWorker {
		f, err := os.Create(filepath.Join(wdir, fmt.Sprintf("worker-%d.json", i)))
		if err != nil {
			return err
		}
		err = results.WriteRun(f, r)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// fail records why the run failed (a transport's error, a worker it could
// not go on without), for the workers to be told at the end. What ends
// with an interruption is the interruption's (failure says so).
func (cl *clusterRun) fail(err error) {
	if cl.ctx.Err() != nil {
		return
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	why := strings.ReplaceAll(err.Error(), "\n", "; ") // errors.Join's lines
	if !slices.Contains(cl.failures, why) {            // a transport's failure is recorded once, and may be returned again
		cl.failures = append(cl.failures, why)
	}
}

// failure is why the run failed, "" when it completed: the transports that
// failed, or the coordinator's interruption. Thresholds are not: judging
// them is the coordinator's business, and every worker did its part.
func (cl *clusterRun) failure() string {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	switch {
	case len(cl.failures) > 0:
		return strings.Join(cl.failures, "; ")
	case cl.ctx.Err() != nil:
		return "the coordinator was interrupted"
	}
	return ""
}

// close tells the workers the run is done, and why it failed if it did
// (each then exits non-zero), and stops the local ones.
func (cl *clusterRun) close() {
	if err := cl.coord.CloseFailed(cl.failure()); err != nil {
		cl.log.Warn("closing the coordinator", "err", err)
	}
	if cl.local != nil {
		cl.local.stop()
	}
}

// portOf is the port of a listening address.
func portOf(a net.Addr) string {
	_, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return port
}

// isWorkerFault reports whether err is a worker the coordinated run lost or
// never had: the run stops and exits 2.
func isWorkerFault(err error) bool {
	var f *cluster.WorkerFault
	return errors.As(err, &f)
}
