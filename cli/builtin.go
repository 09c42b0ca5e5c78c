package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// builtinServer is a reference server running as a child process, so the load
// generator and the server under test never share a Go runtime or heap.
type builtinServer struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:PORT
	done chan error
}

// startBuiltin starts "pushbench serve" on a free loopback port and waits for it
// to announce its address.
func startBuiltin(ctx context.Context, stderr io.Writer, extraArgs ...string) (*builtinServer, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("builtin server: find own executable: %w", err)
	}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "warn"}, extraArgs...)
	cmd := exec.Command(exe, args...)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("builtin server: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("builtin server: start %s: %w", exe, err)
	}
	s := &builtinServer{cmd: cmd, done: make(chan error, 1)}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, out)
		s.done <- cmd.Wait()
	}()
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	select {
	case line, ok := <-lines:
		addr, found := strings.CutPrefix(line, "listening on ")
		if !ok || !found {
			s.stop()
			return nil, fmt.Errorf("builtin server: did not announce its address (got %q)", line)
		}
		s.base = addr
		return s, nil
	case <-timer.C:
		s.stop()
		return nil, errors.New("builtin server: no address announced within 10s")
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
}

// stop asks the server to shut down gracefully and kills it if it has not
// exited within its own shutdown bound plus a margin.
func (s *builtinServer) stop() error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		return err
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		return fmt.Errorf("builtin server: killed after not stopping within 10s: %w", <-s.done)
	}
}
