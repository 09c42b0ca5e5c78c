package k8s

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// buildPushbench builds the pushbench binary, the image's /pushbench, into a
// temporary directory.
func buildPushbench(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "pushbench")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/pushbench/pushbench").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// syncBuffer is an output buffer that may be read while the process writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// process is one local stand-in for a pod's container.
type process struct {
	name   string
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	done   chan struct{} // closed once the process has exited and err is set
	err    error
}

// startProcess runs bin with args and exactly env (a container sees only the
// environment its manifest and Kubernetes give it). The process is killed
// when ctx ends, and at the end of the test if still running.
func startProcess(ctx context.Context, t *testing.T, name, bin string, args, env []string) *process {
	t.Helper()
	p := &process{name: name, done: make(chan struct{})}
	p.cmd = exec.CommandContext(ctx, bin, args...)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.cmd.WaitDelay = 5 * time.Second
	t.Logf("%s: %s %s (env %q)", name, filepath.Base(bin), strings.Join(args, " "), env)
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done // Wait returns once killed; WaitDelay bounds the output copy
		}
	})
	return p
}

// wait waits for the process to exit, until ctx ends, and returns its exit
// code.
func (p *process) wait(ctx context.Context) (int, error) {
	select {
	case <-p.done:
	case <-ctx.Done():
		return -1, fmt.Errorf("%s: still running: %w", p.name, ctx.Err())
	}
	if p.cmd.ProcessState == nil {
		return -1, fmt.Errorf("%s: %w", p.name, p.err)
	}
	return p.cmd.ProcessState.ExitCode(), nil
}

// report is the process's output, for a failure message.
func (p *process) report() string {
	return fmt.Sprintf("--- %s stdout:\n%s--- %s stderr:\n%s", p.name, p.stdout.String(), p.name, p.stderr.String())
}

// freeLoopbackPort returns a port nothing listens on at 127.0.0.1 just now.
func freeLoopbackPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// waitListening waits until some process listens on 127.0.0.1:port (or any
// address) as /proc/net/tcp shows it, so the listener is seen without a
// connection the coordinator would have to tell apart from a worker's. It
// fails when p exits first or ctx ends.
func waitListening(ctx context.Context, t *testing.T, port string, p *process) {
	t.Helper()
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if listening(n) {
			return
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited before listening on port %s: %v\n%s", p.name, port, p.err, p.report())
		case <-ctx.Done():
			t.Fatalf("%s: not listening on port %s: %v\n%s", p.name, port, ctx.Err(), p.report())
		case <-tick.C:
		}
	}
}

// listening reports whether a TCP socket on this host is in LISTEN state on
// port, per /proc/net/tcp and /proc/net/tcp6.
func listening(port int) bool {
	suffix := fmt.Sprintf(":%04X", port)
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			// sl local_address rem_address st ...; st 0A is LISTEN.
			f := strings.Fields(sc.Text())
			if len(f) > 3 && strings.HasSuffix(f[1], suffix) && f[3] == "0A" {
				return true
			}
		}
	}
	return false
}

// envList is env as NAME=VALUE entries, sorted, plus extra.
func envList(env map[string]string, extra ...string) []string {
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	slices.Sort(list)
	return append(list, extra...)
}

func TestListeningSeesAListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if !listening(port) {
		t.Errorf("port %d: listener not seen in /proc/net/tcp", port)
	}
	ln.Close()
	if listening(port) {
		t.Errorf("port %d: still seen after close", port)
	}
}
