package target

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStartAnnouncesURLsAndStopsGracefully(t *testing.T) {
	stderr := newSyncBuffer("")
	p := startChildT(t, childConfig(t, "serve", stderr))
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+$`).MatchString(p.URLs().Base) {
		t.Fatalf("base %q", p.URLs().Base)
	}
	pid := p.PID()
	if pid <= 0 || pid == syscall.Getpid() {
		t.Fatalf("pid %d", pid)
	}
	if err := healthz(p.URLs().Base, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if p.PID() != 0 {
		t.Errorf("PID %d after Stop, want 0", p.PID())
	}
	mustContain(t, stderr.String(), "child: serving", "child: graceful shutdown")
	if err := p.Stop(ctx); err != nil {
		t.Errorf("second stop: %v", err)
	}
}

func TestStartFailures(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name      string
		mode      string
		path      string // instead of the test binary
		ctx       context.Context
		phase     string
		wantIs    error
		wantTexts []string
	}{
		{name: "never announces", mode: "silent", phase: PhaseAnnounce, wantTexts: []string{"no address announced within 300ms"}},
		{name: "prints something else", mode: "chatty", phase: PhaseAnnounce, wantTexts: []string{`"hello, not an address"`, "listening on "}},
		{name: "exits first", mode: "exit", phase: PhaseAnnounce, wantIs: errExitedEarly, wantTexts: []string{"exit status 3", `"partial"`}},
		{name: "no executable", path: "/nonexistent/server", phase: PhaseStart, wantTexts: []string{"/nonexistent/server"}},
		{name: "cancelled", mode: "silent", ctx: cancelled, phase: PhaseAnnounce, wantIs: context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := childConfig(t, tc.mode, newSyncBuffer(""))
			cfg.StartTimeout = 300 * time.Millisecond
			if tc.path != "" {
				cfg.Path = tc.path
			}
			ctx := tc.ctx
			if ctx == nil {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
			}
			p, err := Start(ctx, cfg)
			if err == nil {
				t.Cleanup(func() { _ = p.Kill(context.Background()) })
				t.Fatalf("started %s", p.URLs().Base)
			}
			pe := phaseError(t, err)
			if pe.Phase != tc.phase || pe.Command == "" {
				t.Errorf("command %q phase %q, want phase %q", pe.Command, pe.Phase, tc.phase)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("%v is not %v", err, tc.wantIs)
			}
			mustContain(t, err.Error(), tc.wantTexts...)
		})
	}
}

func TestPauseHangsRequestsUntilResume(t *testing.T) {
	p := startChildT(t, childConfig(t, "serve", newSyncBuffer("")))
	base := p.URLs().Base
	if err := p.Pause(); err != nil {
		t.Fatal(err)
	}
	var ne net.Error
	if err := healthz(base, 300*time.Millisecond); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("request to a paused child: %v, want a timeout", err)
	}
	if err := p.Resume(); err != nil {
		t.Fatal(err)
	}
	if err := healthz(base, 10*time.Second); err != nil {
		t.Fatalf("after resume: %v", err)
	}
}

func TestKillEndsTheProcess(t *testing.T) {
	p := startChildT(t, childConfig(t, "serve", newSyncBuffer("")))
	pid := p.PID()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	if p.PID() != 0 {
		t.Errorf("PID %d after Kill, want 0", p.PID())
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("signal 0 to killed pid %d: %v, want ESRCH", pid, err)
	}
	if err := healthz(p.URLs().Base, 2*time.Second); err == nil {
		t.Error("killed child still answers")
	}
	for name, control := range map[string]func() error{"pause": p.Pause, "resume": p.Resume} {
		if err := control(); !errors.Is(err, ErrNotRunning) {
			t.Errorf("%s after kill: %v, want ErrNotRunning", name, err)
		}
	}
	if err := p.Stop(ctx); err != nil {
		t.Errorf("stop after kill: %v (the exit was asked for)", err)
	}
}

func TestStopReportsAnExitNobodyAskedFor(t *testing.T) {
	p := startChildT(t, childConfig(t, "serve", newSyncBuffer("")))
	p.mu.Lock()
	c := p.cur
	p.mu.Unlock()
	if err := syscall.Kill(p.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.done:
	case <-time.After(20 * time.Second):
		t.Fatal("child did not exit after SIGKILL")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := p.Stop(ctx)
	if pe := phaseError(t, err); pe.Phase != PhaseStop {
		t.Errorf("phase %q", pe.Phase)
	}
	mustContain(t, err.Error(), "had already exited", "killed")
	if err := p.Stop(ctx); err != nil {
		t.Errorf("second stop: %v", err)
	}
}

func TestStopKillsAChildThatWillNotStop(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name      string
		ctx       context.Context
		wantTexts []string
	}{
		{"stop timeout", context.Background(), []string{"SIGKILL", "not exited within 200ms of SIGTERM"}},
		{"cancelled", cancelled, []string{"SIGKILL", "context canceled"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := childConfig(t, "stubborn", newSyncBuffer(""))
			cfg.StopTimeout = 200 * time.Millisecond
			p := startChildT(t, cfg)
			err := p.Stop(tc.ctx)
			if pe := phaseError(t, err); pe.Phase != PhaseStop {
				t.Errorf("phase %q", pe.Phase)
			}
			mustContain(t, err.Error(), tc.wantTexts...)
			if p.PID() != 0 {
				t.Errorf("PID %d after a forced stop", p.PID())
			}
		})
	}
}

func TestRestartKeepsTheAddress(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, tc := range []struct {
		name   string
		before func(p *Process) error
	}{
		{"running", func(*Process) error { return nil }},
		{"killed", func(p *Process) error { return p.Kill(ctx) }},
		{"paused", func(p *Process) error { return p.Pause() }},
		{"stopped", func(p *Process) error { return p.Stop(ctx) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startChildT(t, childConfig(t, "serve", newSyncBuffer("")))
			base, pid := p.URLs().Base, p.PID()
			if err := tc.before(p); err != nil {
				t.Fatal(err)
			}
			if err := p.Restart(ctx); err != nil {
				t.Fatalf("restart: %v", err)
			}
			if p.URLs().Base != base {
				t.Errorf("base %s after restart, want %s", p.URLs().Base, base)
			}
			if p.PID() == 0 || p.PID() == pid {
				t.Errorf("pid %d after restart (was %d)", p.PID(), pid)
			}
			if err := healthz(base, 10*time.Second); err != nil {
				t.Fatalf("after restart: %v", err)
			}
		})
	}
}

func TestRestartRetriesWhileTheAddressIsHeld(t *testing.T) {
	stderr := newSyncBuffer("address already in use")
	cfg := childConfig(t, "serve", stderr)
	cfg.RestartRetry = 20 * time.Second
	p := startChildT(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", p.URLs().Base[len("http://"):])
	if err != nil {
		t.Fatalf("hold the address: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Restart(ctx) }()
	select {
	case <-stderr.seen:
	case <-time.After(20 * time.Second):
		_ = ln.Close()
		t.Fatalf("no attempt saw the held address; stderr:\n%s", stderr)
	}
	_ = ln.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("restart: %v", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("restart did not return")
	}
	if err := healthz(p.URLs().Base, 10*time.Second); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}

func TestRestartFailures(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t.Run("address held throughout", func(t *testing.T) {
		cfg := childConfig(t, "serve", newSyncBuffer(""))
		cfg.RestartRetry = 300 * time.Millisecond
		p := startChildT(t, cfg)
		if err := p.Kill(ctx); err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", p.URLs().Base[len("http://"):])
		if err != nil {
			t.Fatalf("hold the address: %v", err)
		}
		defer ln.Close()
		err = p.Restart(ctx)
		if pe := phaseError(t, err); pe.Phase != PhaseRestart {
			t.Errorf("phase %q", pe.Phase)
		}
		mustContain(t, err.Error(), "still unavailable after 300ms", "exit status 1")
	})
	t.Run("no RestartArgs", func(t *testing.T) {
		cfg := childConfig(t, "serve", newSyncBuffer(""))
		cfg.RestartArgs = nil
		p := startChildT(t, cfg)
		err := p.Restart(ctx)
		if pe := phaseError(t, err); pe.Phase != PhaseRestart {
			t.Errorf("phase %q", pe.Phase)
		}
		if err := healthz(p.URLs().Base, 10*time.Second); err != nil {
			t.Errorf("a refused restart must leave the child running: %v", err)
		}
	})
}

func TestBuiltinStartsServeOnLoopback(t *testing.T) {
	t.Setenv(childEnv, "serve")
	name, value, _ := strings.Cut(raceExitNow, "=")
	t.Setenv(name, value)
	exe := testBinary(t)
	stderr := newSyncBuffer("")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := Builtin(ctx, BuiltinOptions{Executable: exe, Stderr: stderr})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Kill(ctx) }()
	base := p.URLs().Base
	if err := p.Restart(ctx); err != nil {
		t.Fatalf("restart: %v", err)
	}
	if p.URLs().Base != base {
		t.Errorf("base %s after restart, want %s", p.URLs().Base, base)
	}
	if err := healthz(base, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	mustContain(t, stderr.String(), "child: graceful shutdown")
}

// TestBuiltinRestartKeepsTheTCPAddress: a builtin server that announces a
// tcp transport is restarted with --tcp-addr on the address it announced,
// so tcp clients reconnect to the same URL.
func TestBuiltinRestartKeepsTheTCPAddress(t *testing.T) {
	t.Setenv(childEnv, "tcp")
	name, value, _ := strings.Cut(raceExitNow, "=")
	t.Setenv(name, value)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := Builtin(ctx, BuiltinOptions{Executable: testBinary(t), Stderr: newSyncBuffer("")})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Kill(ctx) }()
	before := p.URLs()
	tcp, ok := strings.CutPrefix(before.Transports["tcp"], "tcp://")
	if !ok {
		t.Fatalf("no tcp transport announced: %+v", before)
	}
	greeted := func() {
		t.Helper()
		c, err := net.DialTimeout("tcp", tcp, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if b, err := io.ReadAll(c); err != nil || string(b) != "hello\n" {
			t.Fatalf("tcp listener answered %q, %v", b, err)
		}
	}
	greeted()
	if err := p.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Restart(ctx); err != nil {
		t.Fatalf("restart: %v", err)
	}
	if after := p.URLs(); after.Base != before.Base || after.Transports["tcp"] != before.Transports["tcp"] {
		t.Fatalf("URLs %+v after restart, want %+v", after, before)
	}
	greeted()
}

// TestChildDiesWithItsParent: when the process that started a child is
// killed outright (SIGKILL, no chance to stop it), the child is not left
// running.
func TestChildDiesWithItsParent(t *testing.T) {
	// A stopped child (a stall fault in progress) must die too: a pending
	// SIGTERM would leave it stopped, holding its port, forever.
	for _, stopped := range []bool{false, true} {
		t.Run(map[bool]string{false: "running", true: "stopped"}[stopped], func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			parent := exec.CommandContext(ctx, testBinary(t))
			parent.Env = append(os.Environ(), childEnv+"=parent", raceExitNow)
			out, err := parent.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := parent.Start(); err != nil {
				t.Fatal(err)
			}
			var pid int
			if _, err := fmt.Fscanf(out, "child pid %d\n", &pid); err != nil || pid <= 0 {
				_ = parent.Process.Kill()
				_ = parent.Wait()
				t.Fatalf("parent did not report its child: %v", err)
			}
			if processGone(pid) {
				t.Fatalf("child %d not running before its parent was killed", pid)
			}
			if stopped {
				_ = syscall.Kill(pid, syscall.SIGSTOP)
			}
			_ = parent.Process.Signal(syscall.SIGKILL)
			_ = parent.Wait()
			deadline := time.Now().Add(10 * time.Second)
			for !processGone(pid) {
				if time.Now().After(deadline) {
					_ = syscall.Kill(pid, syscall.SIGKILL)
					t.Fatalf("child %d still there 10s after its parent was killed", pid)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// processGone reports whether pid has exited: no such process, or a zombie
// waiting for a reaper.
func processGone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// The state follows the command name in parentheses: "pid (comm) S ...".
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] == 'Z' || s[i+2] == 'X'
}
