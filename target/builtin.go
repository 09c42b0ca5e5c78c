package target

import (
	"context"
	"io"
	"net/url"
	"os"
	"time"
)

// BuiltinOptions say how to start pushbench's reference server as a child.
type BuiltinOptions struct {
	// Executable is the pushbench binary (the command passes os.Executable()).
	Executable string
	// Stderr receives the server's log (warnings and errors only).
	Stderr io.Writer
	// ExtraArgs are more pushbench serve flags.
	ExtraArgs []string
	// Env is added to the server's environment (secrets such as an admin
	// token go here, not in arguments every user can read in ps).
	Env []string
	// ReplayFile, when set, is passed as --replay-file to the first start and
	// to every restart, so the server keeps its SSE replay buffer on disk and
	// SSE clients resume without loss across a kill and restart.
	ReplayFile string
	// StartTimeout and StopTimeout: see ProcessConfig (zero: defaults).
	StartTimeout time.Duration
	StopTimeout  time.Duration
}

// Builtin starts "pushbench serve" on a free loopback port and returns once it
// has announced its address; Restart brings it back on the same port.
func Builtin(ctx context.Context, o BuiltinOptions) (*Process, error) {
	return Start(ctx, builtinConfig(o))
}

// builtinConfig is the command line Builtin runs and restarts.
func builtinConfig(o BuiltinOptions) ProcessConfig {
	args := func(addr string) []string {
		args := []string{"serve", "--addr", addr, "--log-level", "warn"}
		if o.ReplayFile != "" {
			args = append(args, "--replay-file", o.ReplayFile)
		}
		return append(args, o.ExtraArgs...)
	}
	return ProcessConfig{
		Name:              "builtin server",
		Path:              o.Executable,
		Args:              args("127.0.0.1:0"),
		RestartArgs:       args,
		RestartListenArgs: builtinListenArgs,
		Env:               builtinEnv(o.Env),
		Stderr:            o.Stderr,
		StartTimeout:      o.StartTimeout,
		StopTimeout:       o.StopTimeout,
	}
}

// builtinListenArgs brings the tcp transport back on the address the
// previous server announced (its first start takes a free port).
func builtinListenArgs(transports map[string]string) []string {
	u, err := url.Parse(transports["tcp"])
	if err != nil || u.Host == "" {
		return nil
	}
	return []string{"--tcp-addr", u.Host}
}

// builtinEnv is the parent's environment plus extra, or nil (the parent's
// environment as it is) when there is nothing to add.
func builtinEnv(extra []string) []string {
	if len(extra) == 0 {
		return nil
	}
	return append(os.Environ(), extra...)
}
