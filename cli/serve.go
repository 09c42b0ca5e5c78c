package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/target"
)

// serveOptions are the flags of pushbench serve.
type serveOptions struct {
	cfg        servers.Config
	slowPolicy string
	logLevel   string
	debugAddr  string
	tcpAddr    string
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o serveOptions
	d := servers.DefaultConfig() // every flag default comes from here
	fs := newFlagSet("serve", "[flags]", stdout)
	fs.StringVar(&o.cfg.Addr, "addr", d.Addr, "listen address (port 0 picks a free port)")
	fs.IntVar(&o.cfg.QueueLen, "queue", d.QueueLen, "messages queued per subscriber before the slow policy applies")
	fs.Int64Var(&o.cfg.QueueBytes, "queue-bytes", d.QueueBytes, "bytes of messages (JSON envelopes) queued per subscriber, and per Engine.IO session's replies, before the slow policy applies")
	fs.StringVar(&o.slowPolicy, "slow-policy", string(d.SlowPolicy), "what to do with a subscriber whose queue is full: drop (the message, counted) or disconnect")
	fs.DurationVar(&o.cfg.Heartbeat, "heartbeat", d.Heartbeat, "SSE comment and NDJSON blank-line heartbeat interval (negative disables)")
	fs.DurationVar(&o.cfg.SSERetry, "sse-retry", d.SSERetry, "retry hint sent at the start of each SSE stream")
	cors := listFlag{}
	fs.Var(&cors, "cors", "comma-separated origins allowed to read /sse, /chunked and Socket.IO long-polling cross-origin (* for any; default none)")
	wsOrigins := listFlag{}
	fs.Var(&wsOrigins, "ws-origins", "comma-separated origins (or hosts) allowed to open /ws, /publish and Socket.IO WebSockets (* for any; default same host only)")
	fs.Int64Var(&o.cfg.WSReadLimit, "ws-read-limit", d.WSReadLimit, "largest WebSocket message accepted; larger closes with 1009")
	fs.StringVar(&o.tcpAddr, "tcp-addr", "", "listen address of the tcp transport (NDJSON lines over plain TCP), announced as tcp=tcp://HOST:PORT; off disables it (default: --addr's host, a free port)")
	fs.Int64Var(&o.cfg.TCPReadLimit, "tcp-read-limit", d.TCPReadLimit, "longest line a tcp transport client may send (each is echoed back); longer ends the connection")
	fs.DurationVar(&o.cfg.PingInterval, "ping-interval", d.PingInterval, "WebSocket ping interval")
	// Zero, not d.PongTimeout: the default follows --ping-interval.
	fs.DurationVar(&o.cfg.PongTimeout, "pong-timeout", 0, "close a WebSocket silent for this long (default 2x ping interval)")
	fs.DurationVar(&o.cfg.WriteTimeout, "write-timeout", d.WriteTimeout, "deadline for each write to a client")
	fs.DurationVar(&o.cfg.BodyTimeout, "body-timeout", d.BodyTimeout, "a request body (POST /publish, Engine.IO POST) must arrive within this; a slower one is cut (408)")
	fs.Float64Var(&o.cfg.Rate, "rate", d.Rate, "built-in generator: broadcasts per second to every client (0: off)")
	fs.IntVar(&o.cfg.PayloadBytes, "payload", d.PayloadBytes, "built-in generator: payload bytes per message")
	fs.DurationVar(&o.cfg.ShutdownTimeout, "shutdown-timeout", d.ShutdownTimeout, "how long graceful shutdown waits")
	fs.IntVar(&o.cfg.ReplayLen, "replay", d.ReplayLen, "messages kept for SSE clients that resume with Last-Event-ID (0: none, resuming clients get a pushbench-gap event)")
	fs.Int64Var(&o.cfg.ReplayBytes, "replay-bytes", d.ReplayBytes, "bytes kept for SSE resume; the oldest messages go first when either bound is reached")
	fs.StringVar(&o.cfg.ReplayFile, "replay-file", "", "keep the replay buffer in this file too, so a killed and restarted server resumes SSE clients without loss")
	fs.DurationVar(&o.cfg.SocketIO.PingInterval, "sio-ping-interval", d.SocketIO.PingInterval, "Engine.IO ping interval")
	fs.DurationVar(&o.cfg.SocketIO.PingTimeout, "sio-ping-timeout", d.SocketIO.PingTimeout, "Engine.IO: close a session whose pong takes longer")
	fs.IntVar(&o.cfg.SocketIO.MaxSessions, "sio-max-sessions", d.SocketIO.MaxSessions, "Engine.IO sessions open at most; more handshakes are refused 503")
	fs.DurationVar(&o.cfg.SocketIO.HandshakeTimeout, "sio-handshake-timeout", d.SocketIO.HandshakeTimeout, "Engine.IO: close a polling session that makes no request this long after its handshake")
	fs.IntVar(&o.cfg.SocketIO.MaxPayload, "sio-max-payload", d.SocketIO.MaxPayload, "Engine.IO maxPayload: largest polling POST or WebSocket message")
	namespaces := mapFlag{}
	fs.Var(namespaces, "sio-namespace", "Socket.IO namespace NAME=TOKEN that CONNECT must authenticate with {\"token\":TOKEN} (repeatable; default /admin=ok; \"/\" is always open)")
	fs.StringVar(&o.cfg.AdminToken, "admin-token", "", "enable POST /admin/drop?percent=N (close N% of subscriber connections, for fault injection), requiring Authorization: Bearer TOKEN (default $"+adminTokenEnv+"; unset: disabled)")
	// The environment is read after parsing: a default would print the token in --help.
	fs.StringVar(&o.cfg.PublishToken, "publish-token", "",
		"bearer token POST and WebSocket /publish require (Authorization: Bearer TOKEN); required off loopback, enforced whenever set (default $"+publishTokenEnv+")")
	allowedHosts := listFlag{}
	fs.Var(&allowedHosts, "allowed-hosts", "comma-separated Host header names accepted besides loopback names and the listen address (* for any; DNS-rebinding defence; default none)")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&o.debugAddr, "debug-addr", "", "serve net/http/pprof (/debug/pprof/) on this separate loopback address, e.g. 127.0.0.1:6060 (default off; non-loopback refused)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	policy, err := servers.ParseSlowPolicy(o.slowPolicy)
	if err != nil {
		return usageError{err}
	}
	o.cfg.SlowPolicy = policy
	if o.debugAddr != "" {
		if err := checkDebugAddr(o.debugAddr); err != nil {
			return usageError{err}
		}
	}
	if err := o.cfg.Validate(); err != nil {
		return usageError{err}
	}
	o.cfg.CORSOrigins, o.cfg.WSOrigins, o.cfg.AllowedHosts = cors, wsOrigins, allowedHosts
	if o.cfg.PublishToken == "" {
		o.cfg.PublishToken = os.Getenv(publishTokenEnv)
	}
	if o.cfg.AdminToken == "" {
		o.cfg.AdminToken = os.Getenv(adminTokenEnv)
	}
	switch {
	case o.cfg.ReplayLen < 0:
		return usageError{fmt.Errorf("--replay %d: want 0 (off) or more messages", o.cfg.ReplayLen)}
	case o.cfg.ReplayLen == 0:
		o.cfg.ReplayLen = -1 // Config's zero means the default
	}
	if o.cfg.ReplayBytes <= 0 {
		return usageError{fmt.Errorf("--replay-bytes %d: want a positive size", o.cfg.ReplayBytes)}
	}
	for name := range namespaces {
		if !strings.HasPrefix(name, "/") || name == "/" {
			return usageError{fmt.Errorf("--sio-namespace: namespace %q must start with / and not be / itself", name)}
		}
	}
	if len(namespaces) > 0 {
		o.cfg.SocketIO.Namespaces = namespaces
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return usageError{fmt.Errorf("log level %q: %w", o.logLevel, err)}
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	// Refuse an exposed address before binding it where the name resolves
	// here; the bound address is checked again below.
	if addr, err := net.ResolveTCPAddr("tcp", o.cfg.Addr); err == nil {
		if err := servers.CheckExposure(o.cfg, addr); err != nil {
			return exposureError(err)
		}
	}
	ln, err := net.Listen("tcp", o.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if err := servers.CheckExposure(o.cfg, ln.Addr()); err != nil {
		ln.Close()
		return exposureError(err)
	}
	if o.debugAddr != "" {
		stopDebug, err := startDebugServer(o.debugAddr, log)
		if err != nil {
			ln.Close()
			return err
		}
		defer stopDebug()
	}
	srv := servers.New(o.cfg, log)
	urls := target.URLs{Base: "http://" + ln.Addr().String()}
	if o.tcpAddr != "off" {
		tln, err := listenTCPTransport(o.tcpAddr, ln.Addr())
		if err != nil {
			ln.Close()
			return err
		}
		srv.Attach(srv.TCPTransport(), tln)
		urls.Transports = map[string]string{"tcp": "tcp://" + tln.Addr().String()}
	}
	// The first stdout line announces the addresses; pushbench run's builtin
	// target reads it to find a server started on port 0.
	fmt.Fprintln(stdout, target.Announcement(urls))
	log.Info("serving", "addr", ln.Addr().String(), "endpoints", "/ (demo page) /chunked /sse /ws /socket.io/ /publish /stats /metrics", "tcp", urls.Transports["tcp"])
	err = srv.Serve(ctx, ln)
	log.Info("stopped", "hub", fmt.Sprintf("%+v", srv.Hub().Stats()))
	return exposureError(err)
}

// listenTCPTransport opens the tcp transport's listener on addr, or, when
// addr is empty, on a free port of the HTTP listener's host.
func listenTCPTransport(addr string, http net.Addr) (net.Listener, error) {
	if addr == "" {
		host, _, err := net.SplitHostPort(http.String())
		if err != nil {
			return nil, fmt.Errorf("tcp transport: %w", err)
		}
		addr = net.JoinHostPort(host, "0")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("tcp transport: listen: %w", err)
	}
	return ln, nil
}

// publishTokenEnv is the environment variable --publish-token defaults to, so
// the token need not show in the process list.
const publishTokenEnv = "PUSHBENCH_PUBLISH_TOKEN"

// adminTokenEnv is the same for --admin-token; pushbench run hands its
// builtin server the token of a run's drop faults this way.
const adminTokenEnv = "PUSHBENCH_ADMIN_TOKEN"

// exposureError adds the way out to a refusal to listen off loopback without
// a publish token: it is bad usage, so it exits 2.
func exposureError(err error) error {
	if errors.Is(err, servers.ErrTokenRequired) {
		return usageError{fmt.Errorf("%w: pass --publish-token TOKEN (or set %s) and send Authorization: Bearer TOKEN when publishing, or listen on 127.0.0.1", err, publishTokenEnv)}
	}
	return err
}
