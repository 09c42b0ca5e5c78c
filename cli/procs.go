package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Bounds of local worker processes' lives.
const (
	// localJoinTimeout: a local worker reaches a coordinator that is
	// already listening at once; a longer wait only hides a failure.
	localJoinTimeout = 30 * time.Second
	// localStopGrace: after Done a worker exits at once; one that has not
	// by then is killed.
	localStopGrace = 5 * time.Second
)

// localWorkerOptions say how to start run --procs's workers.
type localWorkerOptions struct {
	count       int
	coordinator string // the coordinator's address
	allowRemote bool   // the run may load another machine: so may its workers
	quiet       bool
	stderr      io.Writer              // each child's output goes here, line by line, prefixed "[worker i] "
	lost        func(int, string)      // a child that exits before it is stopped is lost
	executable  func() (string, error) // default os.Executable
}

// localWorkers are the worker processes of pushbench run --procs N:
// `pushbench worker --coordinator ADDR --index i`, children of this process
// that die with it. The zero value has none yet; start starts them (after
// the coordinator, which asks exitStatus, listens).
type localWorkers struct {
	mu       sync.Mutex
	procs    []*localWorker
	stopping atomic.Bool
}

// localWorker is one child.
type localWorker struct {
	index  int
	cmd    *exec.Cmd
	status string        // how it exited ("worker process 4242 exited: signal: killed"), set before done closes
	done   chan struct{} // closed once it exited and was reaped
}

// start starts o.count workers; each is watched, and one that exits before
// stop is reported lost with its exit status.
func (lw *localWorkers) start(o localWorkerOptions) error {
	if o.executable == nil {
		o.executable = os.Executable
	}
	exe, err := o.executable()
	if err != nil {
		return fmt.Errorf("--procs: find own executable: %w", err)
	}
	out := &lockedWriter{w: o.stderr}
	for i := range o.count {
		args := []string{"worker", "--coordinator", o.coordinator, "--index", strconv.Itoa(i), "--join-timeout", localJoinTimeout.String()}
		if o.allowRemote {
			args = append(args, "--allow-remote")
		}
		if o.quiet {
			args = append(args, "--quiet")
		}
		cmd := exec.Command(exe, args...)
		prefixed := &prefixWriter{prefix: fmt.Sprintf("[worker %d] ", i), w: out}
		cmd.Stdout, cmd.Stderr = prefixed, prefixed
		cmd.Env = withoutEnv(os.Environ(), jobIndexEnv)
		cmd.WaitDelay = time.Second
		// The child dies with this process, even by SIGKILL: a load
		// generator must not outlive the run that started it. It has a
		// process group of its own, so a Ctrl-C reaches only the
		// coordinator, which stops the workers and keeps what they measured.
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
		if err := cmd.Start(); err != nil {
			lw.stop()
			return fmt.Errorf("--procs: start worker %d: %w", i, err)
		}
		w := &localWorker{index: i, cmd: cmd, done: make(chan struct{})}
		lw.mu.Lock()
		lw.procs = append(lw.procs, w)
		lw.mu.Unlock()
		go func() {
			err := cmd.Wait()
			prefixed.flush()
			status := "exit status 0"
			if err != nil {
				status = err.Error()
			}
			w.status = fmt.Sprintf("worker process %d exited: %s", cmd.Process.Pid, status)
			close(w.done)
			if !lw.stopping.Load() && o.lost != nil {
				o.lost(w.index, w.status)
			}
		}()
	}
	return nil
}

// exitStatus says how worker index's process exited, waiting up to wait
// for it, or "" (still running, or no such child): the coordinator names a
// worker whose connection ended by its process's exit
// (cluster.Options.ProcessExit).
func (lw *localWorkers) exitStatus(index int, wait time.Duration) string {
	lw.mu.Lock()
	var w *localWorker
	if index >= 0 && index < len(lw.procs) {
		w = lw.procs[index]
	}
	lw.mu.Unlock()
	if w == nil {
		return ""
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-w.done:
		return w.status
	case <-timer.C:
		return ""
	}
}

// children are the workers started so far.
func (lw *localWorkers) children() []*localWorker {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return slices.Clone(lw.procs)
}

// pids are the children's process ids, by index.
func (lw *localWorkers) pids() []int {
	procs := lw.children()
	out := make([]int, len(procs))
	for i, w := range procs {
		out[i] = w.cmd.Process.Pid
	}
	return out
}

// stop waits for the children to exit (the coordinator told them it is
// done), and kills any still running after localStopGrace.
func (lw *localWorkers) stop() {
	lw.stopping.Store(true)
	deadline := time.After(localStopGrace)
	for _, w := range lw.children() {
		select {
		case <-w.done:
			continue
		case <-deadline:
		}
		_ = w.cmd.Process.Kill()
		<-w.done
	}
}

// withoutEnv is env without the variable name.
func withoutEnv(env []string, name string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// lockedWriter serialises writes from several children's copiers.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// prefixWriter writes whole lines, each prefixed, so the children's output
// interleaves line by line and says whose it is.
type prefixWriter struct {
	prefix string
	w      io.Writer
	mu     sync.Mutex
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		if _, err := io.WriteString(p.w, p.prefix+string(p.buf[:i+1])); err != nil {
			return len(b), err
		}
		p.buf = p.buf[i+1:]
	}
	if len(p.buf) > 64<<10 { // a line without end: show it anyway
		p.flushLocked()
	}
	return len(b), nil
}

// flush writes what is left of an unterminated line.
func (p *prefixWriter) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flushLocked()
}

func (p *prefixWriter) flushLocked() {
	if len(p.buf) > 0 {
		_, _ = io.WriteString(p.w, p.prefix+string(p.buf)+"\n")
		p.buf = nil
	}
}
