package target

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is a server running as a local child process, so the load generator
// and the server never share a Go runtime or heap. Besides the Target methods
// it offers the controls fault injection needs: Kill, Pause, Resume, Restart.
// Its methods may be called from several goroutines.
type Process struct {
	cfg  ProcessConfig
	urls URLs // announced by the first child; Restart keeps them

	mu    sync.Mutex
	cur   *child
	ended bool // the current child's exit was asked for, so it is no news
}

var _ Target = (*Process)(nil)

// Start runs the command cfg describes and returns once it has announced its
// address. The context bounds the start only, not the child's life.
func Start(ctx context.Context, cfg ProcessConfig) (*Process, error) {
	cfg = cfg.withDefaults()
	c, urls, err := startChild(ctx, cfg, cfg.Args)
	if err != nil {
		return nil, err
	}
	return &Process{cfg: cfg, urls: urls, cur: c}, nil
}

// URLs returns the URLs the child announced: its base URL and those of
// transports on listeners of their own.
func (p *Process) URLs() URLs { return p.urls }

// PID returns the running child's process id, or 0 once it has exited.
func (p *Process) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur.exited() {
		return 0
	}
	return p.cur.cmd.Process.Pid
}

// Stop asks the child to shut down (SIGTERM) and kills it (SIGKILL) if it has
// not exited within the stop timeout or before ctx ends; the error says so.
// Stopping a child that already exited reports an exit nobody asked for, once.
func (p *Process) Stop(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stopLocked(ctx)
}

func (p *Process) stopLocked(ctx context.Context) error {
	c := p.cur
	wasEnded := p.ended
	p.ended = true
	if c.exited() {
		if !wasEnded && c.err != nil {
			return p.errorf(PhaseStop, fmt.Errorf("had already exited: %w", c.err))
		}
		return nil
	}
	if err := c.terminate(ctx, p.cfg.StopTimeout); err != nil {
		return p.errorf(PhaseStop, err)
	}
	return nil
}

// Kill ends the child with SIGKILL and returns once it has exited, as a crash
// would; Restart brings it back.
func (p *Process) Kill(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ended = true
	c := p.cur
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		return p.errorf(PhaseKill, ctx.Err())
	}
}

// Pause stops the child with SIGSTOP: it keeps its connections but answers
// nothing, like a stalled server, until Resume.
func (p *Process) Pause() error { return p.signal(PhasePause, syscall.SIGSTOP) }

// Resume continues a paused child with SIGCONT.
func (p *Process) Resume() error { return p.signal(PhaseResume, syscall.SIGCONT) }

func (p *Process) signal(phase string, sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur.exited() {
		return p.errorf(phase, ErrNotRunning)
	}
	if err := p.cur.cmd.Process.Signal(sig); err != nil {
		return p.errorf(phase, err)
	}
	return nil
}

// Restart stops the child as Stop does (a child that will not stop is killed)
// and starts the command again on the address the first child announced, so
// clients reconnect to the same URL. While that address is still held it
// retries for up to the restart retry bound.
func (p *Process) Restart(ctx context.Context) error {
	if p.cfg.RestartArgs == nil {
		return p.errorf(PhaseRestart, errors.New("the command has no RestartArgs to be told its address"))
	}
	u, err := url.Parse(p.urls.Base)
	if err != nil {
		return p.errorf(PhaseRestart, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// Whatever Stop reports, the old child is gone; only a cancelled ctx
	// stops the restart.
	if err := p.stopLocked(ctx); err != nil && ctx.Err() != nil {
		return err
	}
	args := p.cfg.RestartArgs(u.Host)
	if p.cfg.RestartListenArgs != nil {
		args = append(args, p.cfg.RestartListenArgs(p.urls.Transports)...)
	}
	giveUp := time.NewTimer(p.cfg.RestartRetry)
	defer giveUp.Stop()
	for {
		c, urls, err := startChild(ctx, p.cfg, args)
		if err == nil {
			if !sameURLs(urls, p.urls) {
				c.kill()
				return p.errorf(PhaseRestart, fmt.Errorf("came back on %s, not %s", announcedAt(urls), announcedAt(p.urls)))
			}
			p.cur, p.ended = c, false
			return nil
		}
		if !errors.Is(err, errExitedEarly) {
			return err
		}
		retry := time.NewTimer(restartBackoff)
		select {
		case <-retry.C:
		case <-giveUp.C:
			retry.Stop()
			return p.errorf(PhaseRestart, fmt.Errorf("%s still unavailable after %s: %w", u.Host, p.cfg.RestartRetry, errors.Unwrap(err)))
		case <-ctx.Done():
			retry.Stop()
			return p.errorf(PhaseRestart, ctx.Err())
		}
	}
}

// sameURLs reports whether two announcements name the same addresses.
func sameURLs(a, b URLs) bool {
	return a.Base == b.Base && maps.Equal(a.Transports, b.Transports)
}

// announcedAt is what an announcement said, without its prefix, for errors.
func announcedAt(u URLs) string { return strings.TrimPrefix(Announcement(u), announcePrefix) }

// restartBackoff is the pause between Restart's attempts.
const restartBackoff = 100 * time.Millisecond

func (p *Process) errorf(phase string, err error) error {
	return &PhaseError{Command: p.cfg.Name, Phase: phase, Err: err}
}
