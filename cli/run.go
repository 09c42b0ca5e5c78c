package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/scenarios"
	"github.com/pushbench/pushbench/workload"
)

// runOptions are the flags of pushbench run. The workload flags build a
// scenario when no scenario file is given.
type runOptions struct {
	target     urlListFlag
	servers    int
	urls       transportURLsFlag
	publish    urlListFlag
	messages   scenarios.Messages
	transports listFlag
	pattern    string
	conns      int
	ramp       float64
	warmup     time.Duration
	duration   time.Duration
	rate       float64
	payload    int
	connectTO  time.Duration
	drain      time.Duration
	reconnect  string
	name       string
	findMax    string

	command []string // the command line, recorded in results

	out    string
	format string
	wide   bool
	worker string
	repeat int
	quiet  bool

	allowRemote bool // --allow-remote: the target may be another machine

	metricsAddr string           // --metrics-addr: serve live Prometheus metrics there
	metrics     *loadgen.Metrics // the live view, set while --metrics-addr serves

	clusterFlags             // --procs, --workers, --listen (cluster_flags.go)
	cluster      *clusterRun // set while a coordinated run's workers are joined
}

// workloadFlags may not be combined with scenario files: the file says it all.
var workloadFlags = []string{"target", "servers", "url", "publish", "transports", "pattern", "connections", "ramp", "warmup",
	"duration", "rate", "payload", "connect-timeout", "drain", "reconnect", "name", "publish-body", "echo-body", "timestamp", "seq",
	"header", "publish-event", "echo-event", "max-message", "chunked-framing", "sse-event", "sio-event", "sio-namespace", "sio-auth", "find-max"}

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runOrCoordinate(ctx, "run", args, stdout, stderr)
}

// runOrCoordinate is pushbench run, or pushbench coordinate (cmd): the same
// flags, the latter a coordinator of workers started elsewhere.
func runOrCoordinate(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) error {
	o := runOptions{urls: transportURLsFlag{}, command: append([]string{"pushbench", cmd}, args...)}
	o.coordinate = cmd == "coordinate"
	fs := newFlagSet(cmd, "[flags] [SCENARIO.yaml ...]", stdout)
	fs.Var(&o.target, "target", "server base `URL` (http://host:port), or builtin (the default) to start fresh reference servers per transport as child processes; repeat it (or separate with commas) for several servers of one service: connections spread over them and every message is published to each")
	fs.IntVar(&o.servers, "servers", 0, "with --target builtin: how many reference server processes each transport's run starts, connections spread over them (default 1)")
	fs.Var(o.urls, "url", "`TRANSPORT=URL` for a server whose paths differ from pushbench's (/chunked, /sse, /ws, /socket.io/) (repeatable; the same transport again for another server)")
	fs.Var(&o.publish, "publish", "fanout publisher endpoint `URL`, ws:// (pipelined) or http:// (POST) (default ws://TARGET/publish of every --target); repeatable: every message goes to each")
	fs.StringVar(&o.messages.PublishBody, "publish-body", "", "fanout message body in the server's own format, a template with {{marker}} (required), {{seq}}, {{ts}}, {{payload}}, e.g. '{\"text\":\"{{marker}}\"}' (default: pushbench's envelope)")
	fs.StringVar(&o.messages.PublishEvent, "publish-event", "", "publish as a Socket.IO client of --publish (http://host/socket.io/), emitting each message as this event")
	fs.StringVar(&o.messages.SIOEchoEvent, "echo-event", "", "echo over socketio: the event each send emits with an ack id (default echo); the reply is the ack, or an event named by --sio-event")
	fs.StringVar(&o.messages.EchoBody, "echo-body", "", "echo message body in the server's own format, a template like --publish-body")
	fs.StringVar(&o.messages.Timestamp, "timestamp", "", "listen: PATH[:UNIT] of each message's own send time, e.g. t:ms or data.sent_at (RFC 3339 or a number; unit s, ms, us, ns, guessed when left out); latency is then on the server's clock")
	headers := headerFlag{}
	fs.Var(headers, "header", "'Name: value' sent with every request and handshake, e.g. a token or cookie (repeatable)")
	fs.StringVar(&o.messages.ChunkedFraming, "chunked-framing", "", "chunked: lines (NDJSON, the default) or chunks (each HTTP chunk one message, as a browser's readyState 3 handler sees it)")
	fs.StringVar(&o.messages.SSEEvent, "sse-event", "", "sse: receive only events of this type (default every event)")
	fs.StringVar(&o.messages.SIOEvent, "sio-event", "", "socketio: the event to receive (default msg)")
	fs.StringVar(&o.messages.SIONamespace, "sio-namespace", "", "socketio: the namespace to join (default /)")
	maxMessage := fs.String("max-message", "", "largest message a connection takes, e.g. 4MiB; a larger one ends that connection with an error (default 1MiB)")
	sioAuth := fs.String("sio-auth", "", "socketio: the auth object the CONNECT carries, as JSON, e.g. '{\"token\":\"x\"}'")
	fs.StringVar(&o.messages.Seq, "seq", "", "listen: PATH of each message's sequence number, or sse-id for the SSE event id: loss, duplicates and reordering per connection")
	fs.Var(&o.transports, "transports", "comma-separated transports: "+clients.JoinNames(",")+" (default all that support the pattern)")
	fs.StringVar(&o.pattern, "pattern", string(workload.DefaultPattern), patternHelp())
	fs.IntVar(&o.conns, "connections", workload.DefaultConnections, "connections per transport (churn: the most open at once)")
	fs.Float64Var(&o.ramp, "ramp", float64(workload.DefaultRamp), "connections opened per second")
	fs.DurationVar(&o.warmup, "warmup", time.Duration(workload.DefaultWarmup), "warm-up before measuring (excluded from results; 0 for none)")
	fs.DurationVar(&o.duration, "duration", time.Duration(workload.DefaultDuration), "measured duration")
	fs.Float64Var(&o.rate, "rate", float64(workload.DefaultRate), "broadcasts/s (fanout), sends/s per connection (echo) or connections opened/s (churn)")
	fs.IntVar(&o.payload, "payload", int(workload.DefaultPayload), "payload bytes per message")
	fs.DurationVar(&o.connectTO, "connect-timeout", time.Duration(workload.DefaultConnectTimeout), "time allowed for each connection to become ready")
	fs.DurationVar(&o.drain, "drain", time.Duration(workload.DefaultDrain), "how long after the last send late messages still count; later ones are lost (0 for none)")
	fs.StringVar(&o.reconnect, "reconnect", "", "redial held connections the server ends or drops: BACKOFF[,MAX_BACKOFF[,ATTEMPTS]] (e.g. 500ms,5s,10; \"on\" for 500ms,5s, jitter 0.5, no attempt limit); SSE waits the server's retry and resends Last-Event-ID (default: a lost connection stays lost)")
	o.worker = "0/1"
	if !o.coordinate { // a coordinated run splits the connections itself and runs one timeline
		fs.StringVar(&o.findMax, "find-max", "", "search each transport's highest sustained deliveries/s (fanout, echo) instead of one run at --rate: on, or KEY=VALUE,... of the scenario's find_max keys, e.g. below=100ms,loss_below=0.1%,start=1000/s,step=2x,max_steps=8,bisect=3,step_duration=10s")
		fs.StringVar(&o.worker, "worker", "0/1", "this process's share of a run split over processes started apart, as index/count: it holds connections [index*N/count, (index+1)*N/count) but runs its own plan and publisher, so count processes publish count times the rate; pushbench merge joins their results (a coordinated run, --procs or --workers, runs one plan with one publisher)")
	}
	fs.StringVar(&o.name, "name", "run", "run name, used in the result directory name")
	fs.StringVar(&o.out, "out", filepath.Join("results", "runs"), "directory under which each run's result directory is written (empty: do not save)")
	fs.StringVar(&o.format, "format", "text", "table format on stdout: text or markdown")
	fs.BoolVar(&o.wide, "wide", false, "text table with every column (connect times, p90, p99.9, dup/ooo), not only those that fit 120 columns")
	fs.IntVar(&o.repeat, "repeat", 1, "run each scenario this many times (for pushbench compare's significance test)")
	fs.BoolVar(&o.quiet, "quiet", false, "log only warnings")
	fs.BoolVar(&o.allowRemote, "allow-remote", false, "allow a target that is not this machine (a host outside 127.0.0.0/8, ::1 and localhost); scenarios say target.allow_remote: true")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "", "serve live Prometheus metrics (GET /metrics) and pprof (/debug/pprof/) on this loopback address during the run, e.g. 127.0.0.1:9100 (default off; non-loopback needs --allow-remote, and then serves /metrics only)")
	o.clusterFlags.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if len(headers) > 0 {
		o.messages.Headers = headers
	}
	if *maxMessage != "" {
		size, err := workload.ParseSize(*maxMessage)
		if err != nil || size == 0 {
			return usageError{fmt.Errorf("--max-message %q: want a size like 1MiB or 65536", *maxMessage)}
		}
		o.messages.MaxMessage = size
	}
	if *sioAuth != "" {
		if err := json.Unmarshal([]byte(*sioAuth), &o.messages.SIOAuth); err != nil {
			return usageError{fmt.Errorf("--sio-auth %q: want a JSON object, e.g. '{\"token\":\"x\"}'", *sioAuth)}
		}
	}
	worker, err := o.check()
	if err != nil {
		return usageError{err}
	}
	var scs []*scenarios.Scenario
	if fs.NArg() == 0 {
		sc, err := o.scenario()
		if err != nil {
			return usageError{err}
		}
		scs = append(scs, sc)
	} else {
		var set []string
		fs.Visit(func(f *flag.Flag) {
			if slices.Contains(workloadFlags, f.Name) && !(o.coordinate && f.Name == "target") {
				set = append(set, "--"+f.Name)
			}
		})
		if len(set) > 0 {
			return usageError{fmt.Errorf("%s cannot be combined with scenario files: the file describes the workload", strings.Join(set, ", "))}
		}
		for _, path := range fs.Args() {
			sc, err := scenarios.Load(path)
			if err != nil {
				return usageError{err}
			}
			scs = append(scs, sc)
		}
	}
	if err := o.clusterFlags.check(fs, scs, worker, o.target, o.allowRemote); err != nil {
		return usageError{err}
	}
	generators := worker.Count // this process holds 1/count of the connections
	switch {
	case o.clusterFlags.workers > 0:
		generators = 0 // the workers run elsewhere, under their own limits
	case o.clusterFlags.settings.Procs > 0:
		generators = o.clusterFlags.settings.Procs
	}
	for _, sc := range scs {
		if err := checkTargetLoopback(sc.Target, o.allowRemote); err != nil {
			return usageError{scenarioError(sc, err)}
		}
		if err := checkDescriptors(sc, generators, descriptorLimit()); err != nil {
			return usageError{scenarioError(sc, err)}
		}
		if sc.FindMax != nil && worker.Count > 1 {
			return usageError{scenarioError(sc, fmt.Errorf("find_max runs in one process (each step's rate depends on the last outcome): drop --worker"))}
		}
	}
	if o.out != "" {
		if err := checkWritableDir(o.out); err != nil {
			return usageError{fmt.Errorf("--out: %w", err)}
		}
	}
	level := slog.LevelInfo
	if o.quiet {
		level = slog.LevelWarn
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if o.metricsAddr != "" {
		o.metrics = loadgen.NewMetrics()
		stopMetrics, err := startMetricsServer(o.metricsAddr, o.allowRemote, o.metrics, log)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	if o.clusterFlags.coordinated() {
		cl, err := o.startCluster(ctx, scs, log, stderr)
		if err != nil {
			return err
		}
		defer cl.close()
		o.cluster = cl
	}

	err = o.runScenarios(ctx, scs, worker, log, stdout, stderr)
	if err != nil && !errors.Is(err, errFailed) && o.cluster != nil {
		o.cluster.fail(err) // the workers are told why when the run closes
	}
	return err
}

// runScenarios runs every scenario o.repeat times; errFailed when one
// completed with a failure.
func (o *runOptions) runScenarios(ctx context.Context, scs []*scenarios.Scenario, worker results.Worker, log *slog.Logger, stdout, stderr io.Writer) error {
	failed := false
	for _, sc := range scs {
		if err := guessedPublishIsOurs(ctx, sc); err != nil {
			return scenarioError(sc, err)
		}
		// Repeated runs of one scenario go into one set directory, r1, r2, ...,
		// which pushbench compare takes as one side.
		setDir := ""
		if o.repeat > 1 && o.out != "" {
			setDir = filepath.Join(o.out, time.Now().UTC().Format("20060102T150405Z")+"-"+sc.Name)
		}
		for rep := 1; rep <= o.repeat; rep++ {
			ok, err := o.runScenario(ctx, sc, rep, setDir, worker, log, stdout, stderr)
			if err != nil {
				return err
			}
			failed = failed || !ok
		}
	}
	if failed {
		return errFailed
	}
	return nil
}

// scenarioError names the scenario file err is about, if there is one.
func scenarioError(sc *scenarios.Scenario, err error) error {
	if sc.File == "" {
		return err
	}
	return fmt.Errorf("%s: %w", sc.File, err)
}

// guessedPublishIsOurs checks, for a publishing pattern against a user's
// server with no publish endpoint named, that the server is pushbench's, so
// the guessed TARGET/publish is right to post to.
func guessedPublishIsOurs(ctx context.Context, sc *scenarios.Scenario) error {
	full := sc.WithDefaults()
	info, _ := full.Pattern.Info()
	if full.Target.Builtin || len(full.Target.Publish) > 0 || !info.Publishes {
		return nil
	}
	for _, base := range full.Target.URL {
		if err := checkPushbenchServer(ctx, base, time.Duration(full.ConnectTimeout)); err != nil {
			return err
		}
	}
	return nil
}

// check validates the flags that apply with or without scenario files.
func (o *runOptions) check() (results.Worker, error) {
	if !slices.Contains([]string{"text", "markdown"}, o.format) {
		return results.Worker{}, fmt.Errorf("--format %q: want text or markdown", o.format)
	}
	if o.repeat < 1 {
		return results.Worker{}, fmt.Errorf("--repeat %d: want at least 1", o.repeat)
	}
	if o.metricsAddr != "" {
		if err := checkMetricsAddr(o.metricsAddr, o.allowRemote); err != nil {
			return results.Worker{}, err
		}
	}
	idx, count, ok := strings.Cut(o.worker, "/")
	i, err1 := strconv.Atoi(idx)
	n, err2 := strconv.Atoi(count)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return results.Worker{}, fmt.Errorf("--worker %q: want index/count with 0 <= index < count", o.worker)
	}
	return results.Worker{Index: i, Count: n}, nil
}

// scenario builds the scenario the workload flags describe.
func (o *runOptions) scenario() (*scenarios.Scenario, error) {
	if err := o.checkNumbers(); err != nil {
		return nil, err
	}
	sc := &scenarios.Scenario{
		Name:       o.name,
		Transports: transportNames(o.transports),
		Workload: workload.Workload{
			Pattern:        workload.Pattern(o.pattern),
			Connections:    o.conns,
			Ramp:           workload.Rate(o.ramp),
			Warmup:         workload.Duration(o.warmup).Ptr(),
			Duration:       workload.Duration(o.duration),
			Rate:           workload.Rate(o.rate),
			Payload:        workload.Size(o.payload),
			ConnectTimeout: workload.Duration(o.connectTO),
			Drain:          workload.Duration(o.drain).Ptr(),
		},
	}
	if o.reconnect != "" {
		p, err := workload.ParseReconnect(o.reconnect)
		if err != nil {
			return nil, fmt.Errorf("--reconnect: %w", err)
		}
		sc.Workload.Reconnect = &p
	}
	tg, err := targetOf(o.target, o.servers, o.urls, o.publish)
	if err != nil {
		return nil, err
	}
	sc.Target = tg
	sc.Messages = o.messages
	if o.findMax != "" {
		f, err := scenarios.ParseFindMaxFlag(o.findMax)
		if err != nil {
			return nil, fmt.Errorf("--find-max %w", err)
		}
		sc.FindMax = f
	}
	if err := sc.Check(); err != nil {
		var fe *workload.FieldError
		if errors.As(err, &fe) {
			if flag, ok := flagOfKey(fe.Key); ok {
				return nil, fmt.Errorf("%s: %w", flag, fe.Err)
			}
		}
		return nil, err
	}
	return sc, nil
}

// checkNumbers refuses a workload flag out of its range, naming the flag and
// the value given: the first one wrong, in the order of --help.
func (o *runOptions) checkNumbers() error {
	checks := []struct {
		flag  string
		value any
		ok    bool
		want  string
	}{
		{"--connect-timeout", o.connectTO, o.connectTO >= 0, "must not be negative"},
		{"--connections", o.conns, o.conns >= 1, "must be at least 1"},
		{"--drain", o.drain, o.drain >= 0, "must not be negative (0 for none)"},
		{"--duration", o.duration, o.duration > 0, "must be positive"},
		{"--payload", o.payload, o.payload >= 1, "must be at least 1 byte"},
		{"--ramp", o.ramp, o.ramp > 0, "must be positive (connections opened per second)"},
		{"--rate", o.rate, o.rate > 0, "must be positive"},
		{"--warmup", o.warmup, o.warmup >= 0, "must not be negative (0 for none)"},
	}
	for _, c := range checks {
		if !c.ok {
			return fmt.Errorf("%s %v: %s", c.flag, c.value, c.want)
		}
	}
	return nil
}

// flagOfKey names the run flag that sets a scenario key, so an error in a
// scenario built from flags names the flag the user typed.
func flagOfKey(key string) (string, bool) {
	key = strings.TrimPrefix(key, "messages.")
	switch {
	case strings.HasPrefix(key, "transports"):
		return "--transports", true
	case strings.HasPrefix(key, "target.urls"):
		return "--url", true
	case strings.HasPrefix(key, "target.url"):
		return "--target", true
	case strings.HasPrefix(key, "target.publish"):
		return "--publish", true
	}
	flags := map[string]string{
		"name": "--name", "pattern": "--pattern", "connections": "--connections", "ramp": "--ramp", "warmup": "--warmup",
		"duration": "--duration", "rate": "--rate", "payload": "--payload", "connect_timeout": "--connect-timeout", "drain": "--drain",
		"target.servers": "--servers", "publish_body": "--publish-body", "echo_body": "--echo-body",
		"publish_event": "--publish-event", "echo_event": "--echo-event", "timestamp": "--timestamp", "seq": "--seq",
		"headers": "--header", "chunked_framing": "--chunked-framing", "sse_event": "--sse-event", "sio_event": "--sio-event",
		"sio_namespace": "--sio-namespace", "sio_auth": "--sio-auth", "messages": "--header/--sio-* flags",
		"find_max": "--find-max", "find_max.metric": "--find-max",
	}
	f, ok := flags[key]
	return f, ok
}

// patternHelp lists the patterns from their registry for --pattern's help.
func patternHelp() string {
	var parts []string
	for _, p := range workload.Patterns() {
		parts = append(parts, fmt.Sprintf("%s (%s)", p.Name, p.Summary))
	}
	return strings.Join(parts, ", ")
}

// transportNames types the --transports list; the scenario check names any
// unknown one.
func transportNames(list []string) []clients.Name {
	names := make([]clients.Name, len(list))
	for i, n := range list {
		names[i] = clients.Name(n)
	}
	return names
}
