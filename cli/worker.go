package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"

	"github.com/pushbench/pushbench/cluster"
)

// jobIndexEnv is where a Kubernetes Indexed Job puts each pod's index.
const jobIndexEnv = "JOB_COMPLETION_INDEX"

// workerSynopsis is pushbench worker's usage line and its exit statuses:
// a worker's exit is what a Kubernetes Job (or a person) reads first.
const workerSynopsis = `--coordinator HOST:PORT [flags]

Exit status:
  0    the coordinator completed the run (its thresholds are the coordinator's to judge)
  1    the coordinator ended the run as failed: another worker lost or never
       joined, a transport failed, the coordinator interrupted (the reason is logged)
  2    this worker failed: a bad flag or coordinator address; the coordinator
       unreachable, lost, silent for a minute (it sends a keepalive every 5 s), or refusing it (index taken, clock too uncertain); a job
       it refused (a target off this machine without --allow-remote) or whose run failed
  130  interrupted`

// runWorker is pushbench worker: one worker of a coordinated run. It joins
// the coordinator, runs its share of each transport the coordinator sends,
// and exits as workerSynopsis says: 0 when the coordinator completed the
// run, 1 when it ended the run as failed, 2 when this worker failed.
func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("worker", workerSynopsis, stdout)
	coordinator := fs.String("coordinator", "", "the coordinator's address, HOST:PORT (pushbench coordinate --listen, or run --workers --listen)")
	index := fs.String("index", "", "this worker's index, 0..N-1 (default: $"+jobIndexEnv+", which a Kubernetes Indexed Job sets)")
	allowRemote := fs.Bool("allow-remote", false, "load a target that is not this machine, when the coordinator asks (a host outside 127.0.0.0/8, ::1 and localhost)")
	joinTimeout := fs.Duration("join-timeout", cluster.DefaultJoinTimeout, "keep trying to reach the coordinator this long (pods start in any order)")
	quiet := fs.Bool("quiet", false, "log only warnings")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %q: the coordinator sends the scenario", fs.Args())}
	}
	if *coordinator == "" {
		return usageError{fmt.Errorf("--coordinator HOST:PORT is required")}
	}
	if err := cluster.CheckCoordinatorAddr(*coordinator); err != nil {
		return usageError{fmt.Errorf("--coordinator: %w", err)}
	}
	i, err := workerIndex(*index)
	if err != nil {
		return usageError{err}
	}
	if *joinTimeout <= 0 {
		return usageError{fmt.Errorf("--join-timeout %s: must be positive", *joinTimeout)}
	}
	level := slog.LevelInfo
	if *quiet {
		level = slog.LevelWarn
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	err = cluster.RunWorker(ctx, cluster.WorkerOptions{
		Coordinator: *coordinator, Index: i, JoinTimeout: *joinTimeout, Log: log,
		CheckJob: func(j cluster.Job) error { return checkJobLoopback(j, *allowRemote) },
	})
	var jobErr *cluster.JobError
	var runFailed *cluster.RunFailedError
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return errInterrupted
	case errors.As(err, &jobErr):
		return exitError{code: 2, err: fmt.Errorf("worker %d: %w", i, err)}
	case errors.As(err, &runFailed):
		return exitError{code: 1, err: fmt.Errorf("worker %d: %w", i, err)}
	}
	return exitError{code: 2, err: fmt.Errorf("worker %d: %w", i, err)}
}

// workerIndex is --index, or JOB_COMPLETION_INDEX when the flag is empty.
func workerIndex(index string) (int, error) {
	what := "--index"
	if index == "" {
		v, ok := os.LookupEnv(jobIndexEnv)
		if !ok {
			return 0, fmt.Errorf("--index is required (or $%s, as a Kubernetes Indexed Job sets it)", jobIndexEnv)
		}
		index, what = v, "$"+jobIndexEnv
	}
	n, err := strconv.Atoi(index)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s %q: want a whole number from 0", what, index)
	}
	return n, nil
}

// checkJobLoopback refuses a job whose URLs leave this machine unless the
// worker itself was started with --allow-remote: a coordinator cannot make
// a worker load someone else's server.
func checkJobLoopback(j cluster.Job, allowRemote bool) error {
	if allowRemote {
		return nil
	}
	for _, raw := range j.URLs() {
		u, err := url.Parse(raw)
		if err != nil {
			return fmt.Errorf("the coordinator's URL %q: %w", raw, err)
		}
		if host := u.Hostname(); !isLoopbackHost(host) {
			return fmt.Errorf("refused the coordinator's target %s: host %q is not loopback (127.0.0.0/8, ::1, localhost); start this worker with --allow-remote if that server is yours to load", raw, host)
		}
	}
	return nil
}
