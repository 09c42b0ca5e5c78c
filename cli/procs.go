package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
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
// that die with it.
type localWorkers struct {
	procs    []*localWorker
	stopping atomic.Bool
}

// localWorker is one child.
type localWorker struct {
	index int
	cmd   *exec.Cmd
	done  chan struct{} // closed once it exited and was reaped
}

// startLocalWorkers starts o.count workers; each is watched, and one that
// exits before stop is reported lost with its exit status.
func startLocalWorkers(o localWorkerOptions) (*localWorkers, error) {
	if o.executable == nil {
		o.executable = os.Executable
	}
	exe, err := o.executable()
	if err != nil {
		return nil, fmt.Errorf("--procs: find own executable: %w", err)
	}
	out := &lockedWriter{w: o.stderr}
	lw := &localWorkers{}
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
			return nil, fmt.Errorf("--procs: start worker %d: %w", i, err)
		}
		w := &localWorker{index: i, cmd: cmd, done: make(chan struct{})}
		lw.procs = append(lw.procs, w)
		go func() {
			err := cmd.Wait()
			prefixed.flush()
			close(w.done)
			if !lw.stopping.Load() && o.lost != nil {
				status := "exit status 0"
				if err != nil {
					status = err.Error()
				}
				o.lost(w.index, fmt.Sprintf("worker process %d exited: %s", cmd.Process.Pid, status))
			}
		}()
	}
	return lw, nil
}

// pids are the children's process ids, by index.
func (lw *localWorkers) pids() []int {
	out := make([]int, len(lw.procs))
	for i, w := range lw.procs {
		out[i] = w.cmd.Process.Pid
	}
	return out
}

// stop waits for the children to exit (the coordinator told them it is
// done), and kills any still running after localStopGrace.
func (lw *localWorkers) stop() {
	lw.stopping.Store(true)
	deadline := time.After(localStopGrace)
	for _, w := range lw.procs {
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
