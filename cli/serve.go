package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/pushbench/pushbench/servers"
)

// serveOptions are the flags of pushbench serve.
type serveOptions struct {
	cfg        servers.Config
	slowPolicy string
	logLevel   string
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o serveOptions
	fs := newFlagSet("serve", "[flags]", stderr)
	fs.StringVar(&o.cfg.Addr, "addr", "127.0.0.1:8080", "listen address (port 0 picks a free port)")
	fs.IntVar(&o.cfg.QueueLen, "queue", 1024, "messages queued per subscriber before the slow policy applies")
	fs.StringVar(&o.slowPolicy, "slow-policy", "drop", "what to do with a subscriber whose queue is full: drop (the message, counted) or disconnect")
	fs.DurationVar(&o.cfg.Heartbeat, "heartbeat", 15*time.Second, "SSE comment and NDJSON blank-line heartbeat interval (negative disables)")
	fs.DurationVar(&o.cfg.SSERetry, "sse-retry", 2*time.Second, "retry hint sent at the start of each SSE stream")
	cors := listFlag{}
	fs.Var(&cors, "cors", "comma-separated origins allowed to read /sse, /chunked and Socket.IO long-polling cross-origin (* for any; default none)")
	wsOrigins := listFlag{}
	fs.Var(&wsOrigins, "ws-origins", "comma-separated origins (or hosts) allowed to open /ws, /publish and Socket.IO WebSockets (* for any; default same host only)")
	fs.Int64Var(&o.cfg.WSReadLimit, "ws-read-limit", 64<<10, "largest WebSocket message accepted; larger closes with 1009")
	fs.DurationVar(&o.cfg.PingInterval, "ping-interval", 20*time.Second, "WebSocket ping interval")
	fs.DurationVar(&o.cfg.PongTimeout, "pong-timeout", 0, "close a WebSocket silent for this long (default 2x ping interval)")
	fs.DurationVar(&o.cfg.WriteTimeout, "write-timeout", 10*time.Second, "deadline for each write to a client")
	fs.Float64Var(&o.cfg.Rate, "rate", 0, "built-in generator: broadcasts per second to every client (0: off)")
	fs.IntVar(&o.cfg.PayloadBytes, "payload", 64, "built-in generator: payload bytes per message")
	fs.DurationVar(&o.cfg.ShutdownTimeout, "shutdown-timeout", 5*time.Second, "how long graceful shutdown waits")
	fs.DurationVar(&o.cfg.SocketIO.PingInterval, "sio-ping-interval", 25*time.Second, "Engine.IO ping interval")
	fs.DurationVar(&o.cfg.SocketIO.PingTimeout, "sio-ping-timeout", 20*time.Second, "Engine.IO: close a session whose pong takes longer")
	fs.IntVar(&o.cfg.SocketIO.MaxPayload, "sio-max-payload", 1_000_000, "Engine.IO maxPayload: largest polling POST or WebSocket message")
	namespaces := mapFlag{}
	fs.Var(namespaces, "sio-namespace", "Socket.IO namespace NAME=TOKEN that CONNECT must authenticate with {\"token\":TOKEN} (repeatable; default /admin=ok; \"/\" is always open)")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
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
	o.cfg.CORSOrigins, o.cfg.WSOrigins = cors, wsOrigins
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

	ln, err := net.Listen("tcp", o.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := servers.New(o.cfg, log)
	// The first stdout line announces the address; pushbench run's builtin
	// target reads it to find a server started on port 0.
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	log.Info("serving", "addr", ln.Addr().String(), "endpoints", "/ (demo page) /chunked /sse /ws /socket.io/ /publish /stats")
	err = srv.Serve(ctx, ln)
	log.Info("stopped", "hub", fmt.Sprintf("%+v", srv.Hub().Stats()))
	return err
}
