package target

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// Group is several servers of one service loaded together: connections
// spread over its members and the publisher publishes to each. A target of
// one server is a Group of one.
type Group struct {
	members []Target
}

// NewGroup returns the group of members (at least one).
func NewGroup(members ...Target) *Group { return &Group{members: members} }

// Members returns the servers of the group in order.
func (g *Group) Members() []Target { return g.members }

// Bases returns each member's base URL, in order.
func (g *Group) Bases() []string {
	bases := make([]string, len(g.members))
	for i, m := range g.members {
		bases[i] = m.URLs().Base
	}
	return bases
}

// PIDs returns each member's process id now, in order (0 for a server that
// is no local child or has exited).
func (g *Group) PIDs() []int {
	pids := make([]int, len(g.members))
	for i, m := range g.members {
		pids[i] = m.PID()
	}
	return pids
}

// Stop stops every member at once and reports each one that did not stop
// cleanly.
func (g *Group) Stop(ctx context.Context) error {
	errs := make([]error, len(g.members))
	var wg sync.WaitGroup
	for i, m := range g.members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = m.Stop(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// StartBuiltins starts n reference servers (pushbench serve) as children,
// each on a free loopback port of its own, at once, and returns once every
// one has announced its address. With n > 1 each is named "builtin server
// I of N" in errors. If one fails to start, the others are stopped and the
// error names the one that failed.
func StartBuiltins(ctx context.Context, o BuiltinOptions, n int) (*Group, error) {
	if n <= 1 {
		p, err := Builtin(ctx, o)
		if err != nil {
			return nil, err
		}
		return NewGroup(p), nil
	}
	cfgs := make([]ProcessConfig, n)
	for i := range cfgs {
		cfgs[i] = builtinConfig(o)
		cfgs[i].Name = fmt.Sprintf("builtin server %d of %d", i+1, n)
	}
	return StartGroup(ctx, cfgs)
}

// StartGroup starts one child per config at once and returns once every one
// has announced its address. When one fails, the starts still under way are
// cancelled, the children already started are stopped, and the error names
// each child that failed of itself (not those cancelled because of it).
// Children share one Stderr writer safely.
func StartGroup(ctx context.Context, cfgs []ProcessConfig) (*Group, error) {
	if len(cfgs) == 0 {
		return nil, errors.New("start group: no servers to start")
	}
	startCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	shared := shareWriters()
	procs := make([]*Process, len(cfgs))
	errs := make([]error, len(cfgs))
	var mu sync.Mutex
	failed := false
	var wg sync.WaitGroup
	for i, cfg := range cfgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cfg.Stderr = shared(cfg.Stderr)
			p, err := Start(startCtx, cfg)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && failed && ctx.Err() == nil && errors.Is(err, context.Canceled) {
				return // cancelled because another child failed
			}
			procs[i], errs[i] = p, err
			if err != nil && !failed {
				failed = true
				cancel()
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		var started []Target
		for _, p := range procs {
			if p != nil {
				started = append(started, p)
			}
		}
		// Stop even when ctx ended: no child may outlive a failed start.
		_ = NewGroup(started...).Stop(context.WithoutCancel(ctx))
		return nil, err
	}
	members := make([]Target, len(procs))
	for i, p := range procs {
		members[i] = p
	}
	return NewGroup(members...), nil
}

// shareWriters returns how to wrap a child's Stderr so several children may
// write one writer at once: a file takes concurrent writes itself (exec hands
// it to the child as is); any other writer is written under one lock the
// group's children share.
func shareWriters() func(io.Writer) io.Writer {
	var mu sync.Mutex
	return func(w io.Writer) io.Writer {
		if _, isFile := w.(*os.File); w == nil || isFile {
			return w
		}
		return &lockedWriter{mu: &mu, w: w}
	}
}

// lockedWriter serialises writes to w under mu.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
