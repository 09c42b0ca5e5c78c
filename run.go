package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
)

// runOptions are the flags of pushbench run.
type runOptions struct {
	target     string
	urls       mapFlag
	publish    string
	transports listFlag
	load       loadgen.Options
	name       string
	out        string
	format     string
	worker     string
	quiet      bool
}

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := runOptions{urls: mapFlag{}}
	fs := newFlagSet("run", "[flags]", stderr)
	fs.StringVar(&o.target, "target", "builtin", "server base URL (http://host:port), or builtin to start a fresh reference server per transport as a child process")
	fs.Var(o.urls, "url", "transport=URL for a server whose paths differ from /chunked, /sse, /ws (repeatable)")
	fs.StringVar(&o.publish, "publish", "", "fanout publisher endpoint, ws:// (pipelined) or http:// (POST) (default ws://TARGET/publish)")
	fs.Var(&o.transports, "transports", "comma-separated transports: "+strings.Join(loadgen.TransportNames(), ",")+" (default all that support the pattern)")
	fs.StringVar(&o.load.Pattern, "pattern", loadgen.PatternFanout, "fanout (one publisher, every connection receives) or echo (each connection sends and times the echo)")
	fs.IntVar(&o.load.Connections, "connections", 1000, "connections per transport")
	fs.Float64Var(&o.load.Ramp, "ramp", 1000, "connections opened per second")
	fs.DurationVar(&o.load.Warmup, "warmup", 2*time.Second, "warm-up before measuring (excluded from results; negative for none)")
	fs.DurationVar(&o.load.Duration, "duration", 10*time.Second, "measured duration")
	fs.Float64Var(&o.load.Rate, "rate", 10, "broadcasts per second (fanout) or sends per second per connection (echo)")
	fs.IntVar(&o.load.PayloadBytes, "payload", 64, "payload bytes per message")
	fs.DurationVar(&o.load.ConnectTimeout, "connect-timeout", 10*time.Second, "time allowed for each connection to become ready")
	fs.DurationVar(&o.load.Drain, "drain", 2*time.Second, "how long after the last send late messages still count; later ones are lost")
	fs.StringVar(&o.name, "name", "run", "run name, used in the result directory name")
	fs.StringVar(&o.out, "out", filepath.Join("results", "runs"), "directory under which the run's result directory is written (empty: do not save)")
	fs.StringVar(&o.format, "format", "text", "table format on stdout: text or markdown")
	fs.StringVar(&o.worker, "worker", "0/1", "this process's slice of a distributed run, as index/count")
	fs.BoolVar(&o.quiet, "quiet", false, "log only warnings")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	if err := o.complete(); err != nil {
		return usageError{err}
	}
	level := slog.LevelInfo
	if o.quiet {
		level = slog.LevelWarn
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	run := &results.Run{Schema: results.SchemaVersion, Name: o.name, Started: time.Now().UTC(), Env: results.CollectEnv()}
	var failures []error
	for _, name := range o.transports {
		tr, err := o.runTransport(ctx, name, log, stderr)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("interrupted: %w", err)
			}
			failures = append(failures, err)
			fmt.Fprintf(stderr, "pushbench run: %v\n", err)
			continue
		}
		run.Transports = append(run.Transports, tr)
		if tr.Counters.ConnReady == 0 {
			failures = append(failures, fmt.Errorf("%s: no connection became ready", name))
		}
	}
	if len(run.Transports) > 0 {
		if err := results.WriteSummaryTable(stdout, results.SummarizeRun(run), results.Format(o.format)); err != nil {
			return err
		}
		fmt.Fprintln(stdout, results.TableLegend)
		for _, l := range results.ErrorLines(run) {
			fmt.Fprintf(stdout, "  ! %s\n", l)
		}
		if o.out != "" {
			dir := filepath.Join(o.out, results.RunDirName(run))
			if err := results.WriteRunDir(dir, run); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "results: %s\n", dir)
		}
	}
	if len(failures) > 0 {
		return errFailed
	}
	return nil
}

// complete validates the flags and fills what depends on other flags.
func (o *runOptions) complete() error {
	all := loadgen.Transports()
	if len(o.transports) == 0 {
		for _, n := range loadgen.TransportNames() {
			if o.load.Pattern != loadgen.PatternEcho || all[n].Bidirectional() {
				o.transports = append(o.transports, n)
			}
		}
	}
	for _, n := range o.transports {
		if _, ok := all[n]; !ok {
			return fmt.Errorf("--transports: unknown transport %q (want %s)", n, strings.Join(loadgen.TransportNames(), ", "))
		}
	}
	for n := range o.urls {
		if _, ok := all[n]; !ok {
			return fmt.Errorf("--url %s=...: unknown transport %q", n, n)
		}
	}
	if o.target != "builtin" {
		u, err := url.Parse(o.target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--target %q: want builtin or http://host:port", o.target)
		}
	}
	if !slices.Contains([]string{"text", "markdown"}, o.format) {
		return fmt.Errorf("--format %q: want text or markdown", o.format)
	}
	idx, count, ok := strings.Cut(o.worker, "/")
	i, err1 := strconv.Atoi(idx)
	n, err2 := strconv.Atoi(count)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return fmt.Errorf("--worker %q: want index/count with 0 <= index < count", o.worker)
	}
	o.load.Worker = results.Worker{Index: i, Count: n}
	if o.load.Connections < 1 {
		return fmt.Errorf("--connections %d: want at least 1", o.load.Connections)
	}
	if o.load.Rate <= 0 || o.load.Ramp <= 0 || o.load.Duration <= 0 {
		return errors.New("--rate, --ramp and --duration must be positive")
	}
	return nil
}

// runTransport runs the workload against one transport, starting and stopping a
// builtin server around it when asked to.
func (o *runOptions) runTransport(ctx context.Context, name string, log *slog.Logger, stderr io.Writer) (*results.TransportResult, error) {
	base := o.target
	if base == "builtin" {
		srv, err := startBuiltin(ctx, stderr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		defer func() {
			if err := srv.stop(); err != nil {
				log.Warn("builtin server did not stop cleanly", "err", err)
			}
		}()
		base = srv.base
	}
	opts := o.load
	opts.Transport = name
	opts.URL = o.urls[name]
	if opts.URL == "" {
		opts.URL = loadgen.Transports()[name].Endpoint(base)
	}
	opts.PublishURL = o.publish
	if opts.PublishURL == "" {
		opts.PublishURL = loadgen.WebSocketURL(strings.TrimSuffix(base, "/")) + "/publish"
	}
	log.Info("running", "transport", name, "url", opts.URL, "pattern", opts.Pattern, "connections", opts.Connections)
	return loadgen.Run(ctx, opts, log)
}
