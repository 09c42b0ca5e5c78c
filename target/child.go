package target

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// pipeGrace bounds how long Wait waits for the child's stdout and stderr to
// close after it exited (a grandchild may hold them open).
const pipeGrace = 2 * time.Second

// child is one run of a ProcessConfig's command.
type child struct {
	cmd  *exec.Cmd
	out  *announceWriter
	done chan struct{} // closed once the process has exited and been reaped
	err  error         // what Wait returned; read only after done
}

// startChild starts the command with args and waits, within the start timeout
// and ctx, for the address it announces. On failure the child is gone.
func startChild(ctx context.Context, cfg ProcessConfig, args []string) (*child, URLs, error) {
	cmd := exec.Command(cfg.Path, args...)
	cmd.Dir, cmd.Env, cmd.Stderr = cfg.Dir, cfg.Env, cfg.Stderr
	out := newAnnounceWriter()
	cmd.Stdout = out
	cmd.WaitDelay = pipeGrace
	// The child dies with its parent: a load generator killed with SIGKILL
	// must not leave its builtin server running. (Linux sends the signal when
	// the thread that started the child ends; Go keeps its threads.) SIGKILL,
	// not SIGTERM: a child the parent had stopped (a stall fault) would keep
	// a SIGTERM pending and stay stopped, holding its port, forever.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, URLs{}, &PhaseError{Command: cfg.Name, Phase: PhaseStart, Err: err}
	}
	c := &child{cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	fail := func(err error) (*child, URLs, error) {
		c.kill()
		return nil, URLs{}, &PhaseError{Command: cfg.Name, Phase: PhaseAnnounce, Err: err}
	}
	timer := time.NewTimer(cfg.StartTimeout)
	defer timer.Stop()
	select {
	case line := <-out.first:
		urls, err := parseAnnouncement(line)
		if err != nil {
			return fail(err)
		}
		return c, urls, nil
	case <-c.done:
		return fail(fmt.Errorf("%w (%v; printed %q)", errExitedEarly, c.err, out.printed()))
	case <-timer.C:
		return fail(fmt.Errorf("no address announced within %s (printed %q)", cfg.StartTimeout, out.printed()))
	case <-ctx.Done():
		return fail(ctx.Err())
	}
}

// exited reports whether the process has exited.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// kill ends the process with SIGKILL and waits until it is reaped (bounded:
// SIGKILL cannot be ignored and pipeGrace bounds the pipes).
func (c *child) kill() {
	_ = c.cmd.Process.Kill()
	<-c.done
}

// terminate asks the process to exit with SIGTERM and waits up to timeout or
// ctx, then kills it. A child that dies of the SIGTERM itself (no handler)
// has stopped as asked.
func (c *child) terminate(ctx context.Context, timeout time.Duration) error {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	_ = c.cmd.Process.Signal(syscall.SIGCONT) // a paused child must run to see SIGTERM
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-c.done:
		if diedOf(c.err, syscall.SIGTERM) {
			return nil
		}
		if c.err != nil {
			return fmt.Errorf("after SIGTERM: %w", c.err)
		}
		return nil
	case <-timer.C:
		c.kill()
		return fmt.Errorf("killed with SIGKILL: not exited within %s of SIGTERM", timeout)
	case <-ctx.Done():
		c.kill()
		return fmt.Errorf("killed with SIGKILL: %w", ctx.Err())
	}
}

// diedOf reports whether a Wait error says the process was ended by sig.
func diedOf(err error, sig syscall.Signal) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == sig
}
