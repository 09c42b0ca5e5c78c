package target

import (
	"context"
	"io"
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
	// StartTimeout and StopTimeout: see ProcessConfig (zero: defaults).
	StartTimeout time.Duration
	StopTimeout  time.Duration
}

// Builtin starts "pushbench serve" on a free loopback port and returns once it
// has announced its address; Restart brings it back on the same port.
func Builtin(ctx context.Context, o BuiltinOptions) (*Process, error) {
	args := func(addr string) []string {
		return append([]string{"serve", "--addr", addr, "--log-level", "warn"}, o.ExtraArgs...)
	}
	return Start(ctx, ProcessConfig{
		Name:         "builtin server",
		Path:         o.Executable,
		Args:         args("127.0.0.1:0"),
		RestartArgs:  args,
		Stderr:       o.Stderr,
		StartTimeout: o.StartTimeout,
		StopTimeout:  o.StopTimeout,
	})
}
