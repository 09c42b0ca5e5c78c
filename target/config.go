package target

import (
	"io"
	"path/filepath"
	"strings"
	"time"
)

// Defaults of ProcessConfig, applied to zero values by withDefaults.
const (
	// DefaultStartTimeout bounds the wait for the announcement line.
	DefaultStartTimeout = 10 * time.Second
	// DefaultStopTimeout bounds graceful stop: pushbench serve's own shutdown
	// bound (5s) plus a margin.
	DefaultStopTimeout = 10 * time.Second
	// DefaultRestartRetry bounds how long Restart keeps trying while the
	// previous address is still held.
	DefaultRestartRetry = 3 * time.Second
)

// ProcessConfig says how to run a server as a child process. The child must
// print "listening on http://HOST:PORT" as its first stdout line once it
// accepts connections, followed on the same line by " NAME=URL" for each
// transport on a listener of its own (pushbench serve: "tcp=tcp://HOST:PORT");
// the rest of its stdout is discarded.
type ProcessConfig struct {
	// Name names the child in errors; default the command line.
	Name string
	// Path is the executable; Args its arguments for the first start.
	Path string
	Args []string
	// RestartArgs returns the arguments that start the command listening on
	// hostport (the address the previous child announced), so clients
	// reconnect to the same URL after Restart. Nil: Restart is not supported.
	RestartArgs func(hostport string) []string
	// RestartListenArgs, when set, returns more arguments for Restart that
	// bring back the transports the previous child announced on listeners
	// of their own (name to URL) on the same addresses.
	RestartListenArgs func(transports map[string]string) []string
	// Dir and Env are the child's working directory and environment (empty:
	// the parent's).
	Dir string
	Env []string
	// Stderr receives the child's stderr (nil: discarded).
	Stderr io.Writer
	// StartTimeout, StopTimeout and RestartRetry: see the Default constants.
	StartTimeout time.Duration
	StopTimeout  time.Duration
	RestartRetry time.Duration
}

// withDefaults is the one place ProcessConfig's zero values get defaults.
func (c ProcessConfig) withDefaults() ProcessConfig {
	if c.Name == "" {
		c.Name = strings.Join(append([]string{filepath.Base(c.Path)}, c.Args...), " ")
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = DefaultStartTimeout
	}
	if c.StopTimeout <= 0 {
		c.StopTimeout = DefaultStopTimeout
	}
	if c.RestartRetry <= 0 {
		c.RestartRetry = DefaultRestartRetry
	}
	return c
}
