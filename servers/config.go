package servers

import (
	"errors"
	"fmt"
	"time"
)

// Config is the reference server's configuration. Zero values take the defaults
// listed on each field (see withDefaults).
type Config struct {
	Addr            string        // listen address; default 127.0.0.1:8080
	QueueLen        int           // per-subscriber queue; default 1024 messages
	QueueBytes      int64         // per-subscriber queue in envelope bytes; default 8 MiB
	SlowPolicy      SlowPolicy    // default SlowDrop
	Heartbeat       time.Duration // SSE comment / NDJSON blank-line interval; default 15s, <0 disables
	SSERetry        time.Duration // retry hint sent at SSE stream start; default 2s
	CORSOrigins     []string      // origins allowed to read /sse, /chunked and Socket.IO polling cross-origin; "*" for any; default none
	WSOrigins       []string      // origins allowed to open /ws; default: same host only
	WSReadLimit     int64         // largest client message; default 64 KiB, larger closes 1009
	TCPReadLimit    int64         // largest line a tcp transport client may send; default 64 KiB, longer ends the connection
	PingInterval    time.Duration // WebSocket ping interval; default 20s
	PongTimeout     time.Duration // close a WebSocket that has not answered for this long; default 2x PingInterval
	WriteTimeout    time.Duration // per-write deadline on streams and sockets; default 10s
	Rate            float64       // built-in generator broadcasts per second; 0 disables
	PayloadBytes    int           // built-in generator payload size; default 64
	MaxPublishBytes int64         // largest publish body or message; default 1 MiB
	BodyTimeout     time.Duration // a request body (POST /publish, Engine.IO POST) must arrive within this; default 10s
	ShutdownTimeout time.Duration // how long graceful shutdown waits; default 5s
	AdminToken      string        // enables /admin/ endpoints (fault injection), each requiring "Bearer AdminToken"; default "" (disabled)
	// PublishToken is the bearer token POST and WebSocket /publish require
	// (Authorization: Bearer TOKEN). Serve refuses a non-loopback listener
	// without one; on loopback it is optional but enforced when set.
	PublishToken string
	// AllowedHosts are Host header names accepted besides loopback names and
	// the listen address (DNS-rebinding defence); "*" accepts any. Default none.
	AllowedHosts []string
	ReplayLen    int    // broadcasts kept for SSE Last-Event-ID resume; default 4096, <0 disables
	ReplayBytes  int64  // and at most this many bytes of them; default 16 MiB
	ReplayFile   string // file the replay buffer is kept in across restarts (even SIGKILL); default none
	SocketIO     SocketIOConfig
}

// SocketIOConfig configures the Engine.IO v4 / Socket.IO v5 endpoint.
type SocketIOConfig struct {
	PingInterval   time.Duration // server ping interval; default 25s
	PingTimeout    time.Duration // close when a pong takes longer; default 20s
	MaxPayload     int           // largest polling POST body or WebSocket message; default 1,000,000 bytes
	ConnectTimeout time.Duration // close a session that joins no namespace this long; default 45s
	MaxSessions    int           // open sessions at most; more handshakes are refused 503; default 25,000
	// HandshakeTimeout closes a polling session that makes no request after its
	// handshake (a handshake flood); default 10s, the official server's upgradeTimeout.
	HandshakeTimeout time.Duration
	// Namespaces maps each namespace besides "/" (always open) to the auth
	// token a CONNECT must carry ({"token":"..."}); "" means open. Default:
	// "/admin" with token "ok", the namespace the interop tests use.
	Namespaces map[string]string
}

// DefaultConfig is the configuration a zero Config runs with. Defaults live
// only in withDefaults; the serve command's flags take theirs from here.
func DefaultConfig() Config { return Config{}.withDefaults() }

// withDefaults fills the zero fields of c with their defaults.
func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.QueueLen <= 0 {
		c.QueueLen = 1024
	}
	if c.QueueBytes <= 0 {
		c.QueueBytes = 8 << 20
	}
	if c.SlowPolicy == "" {
		c.SlowPolicy = SlowDrop
	}
	if c.Heartbeat == 0 {
		c.Heartbeat = 15 * time.Second
	}
	if c.SSERetry <= 0 {
		c.SSERetry = 2 * time.Second
	}
	if c.WSReadLimit <= 0 {
		c.WSReadLimit = 64 << 10
	}
	if c.TCPReadLimit <= 0 {
		c.TCPReadLimit = 64 << 10
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 20 * time.Second
	}
	if c.PongTimeout <= 0 {
		c.PongTimeout = 2 * c.PingInterval
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.PayloadBytes <= 0 {
		c.PayloadBytes = 64
	}
	if c.MaxPublishBytes <= 0 {
		c.MaxPublishBytes = 1 << 20
	}
	if c.BodyTimeout <= 0 {
		c.BodyTimeout = 10 * time.Second
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 5 * time.Second
	}
	if c.ReplayLen == 0 {
		c.ReplayLen = 4096
	}
	if c.ReplayBytes <= 0 {
		c.ReplayBytes = 16 << 20
	}
	if c.SocketIO.PingInterval <= 0 {
		c.SocketIO.PingInterval = 25 * time.Second
	}
	if c.SocketIO.PingTimeout <= 0 {
		c.SocketIO.PingTimeout = 20 * time.Second
	}
	if c.SocketIO.ConnectTimeout <= 0 {
		c.SocketIO.ConnectTimeout = 45 * time.Second
	}
	if c.SocketIO.MaxSessions <= 0 {
		c.SocketIO.MaxSessions = 25_000
	}
	if c.SocketIO.HandshakeTimeout <= 0 {
		c.SocketIO.HandshakeTimeout = 10 * time.Second
	}
	if c.SocketIO.MaxPayload <= 0 {
		c.SocketIO.MaxPayload = 1_000_000
	}
	if c.SocketIO.Namespaces == nil {
		c.SocketIO.Namespaces = map[string]string{"/admin": "ok"}
	}
	return c
}

// Validate refuses negative sizes, counts and durations, which withDefaults
// would otherwise quietly replace with defaults. Each error names the serve
// flag that sets the field (the field itself when no flag does). Heartbeat
// may be negative: that disables it.
func (c Config) Validate() error {
	var errs []error
	atLeastZero := func(name string, v float64, shown any) {
		if v < 0 {
			errs = append(errs, fmt.Errorf("%s %v: must not be negative (0 takes the default)", name, shown))
		}
	}
	if c.Rate < 0 {
		errs = append(errs, fmt.Errorf("--rate %v: must not be negative (0 turns the built-in generator off)", c.Rate))
	}
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"--queue", int64(c.QueueLen)},
		{"--queue-bytes", c.QueueBytes},
		{"--ws-read-limit", c.WSReadLimit},
		{"--tcp-read-limit", c.TCPReadLimit},
		{"--payload", int64(c.PayloadBytes)},
		{"MaxPublishBytes", c.MaxPublishBytes},
		{"--sio-max-payload", int64(c.SocketIO.MaxPayload)},
		{"--sio-max-sessions", int64(c.SocketIO.MaxSessions)},
	} {
		atLeastZero(f.name, float64(f.v), f.v)
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{
		{"--sse-retry", c.SSERetry},
		{"--ping-interval", c.PingInterval},
		{"--pong-timeout", c.PongTimeout},
		{"--write-timeout", c.WriteTimeout},
		{"--body-timeout", c.BodyTimeout},
		{"--shutdown-timeout", c.ShutdownTimeout},
		{"--sio-ping-interval", c.SocketIO.PingInterval},
		{"--sio-ping-timeout", c.SocketIO.PingTimeout},
		{"SocketIO.ConnectTimeout", c.SocketIO.ConnectTimeout},
		{"--sio-handshake-timeout", c.SocketIO.HandshakeTimeout},
	} {
		atLeastZero(f.name, float64(f.v), f.v)
	}
	return errors.Join(errs...)
}
