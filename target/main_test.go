package target

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// childEnv, when set, makes the test binary a child server instead of running
// tests; its value picks the behaviour (see runChild).
const childEnv = "PUSHBENCH_TARGET_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(runChild(mode, os.Args[1:]))
	}
	goleak.VerifyTestMain(m)
}

// runChild is the test binary as a child process:
//
//	serve     announce, serve /healthz, shut down gracefully on SIGTERM
//	tcp       like serve, plus a TCP listener on --tcp-addr that greets each
//	          connection with "hello\n", announced as tcp=tcp://HOST:PORT
//	stubborn  like serve, but ignore SIGTERM
//	silent    never announce
//	chatty    print a line that is no announcement
//	exit      print a partial line and exit 3
//
// It honours --addr (and accepts pushbench serve's leading "serve" and
// --log-level, so Builtin can start it).
func runChild(mode string, args []string) int {
	fs := flag.NewFlagSet("child", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	tcpAddr := fs.String("tcp-addr", "127.0.0.1:0", "tcp mode: TCP listen address")
	fs.String("log-level", "info", "ignored")
	if len(args) > 0 && args[0] == "serve" {
		args = args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch mode {
	case "parent":
		return runParent()
	case "silent":
		time.Sleep(time.Hour)
		return 0
	case "chatty":
		fmt.Println("hello, not an address")
		time.Sleep(time.Hour)
		return 0
	case "exit":
		fmt.Print("partial")
		return 3
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if mode == "stubborn" {
		signal.Reset(syscall.SIGTERM)
		signal.Ignore(syscall.SIGTERM)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "child: %v\n", err)
		return 1
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	srv := &http.Server{Handler: mux}
	urls := URLs{Base: "http://" + ln.Addr().String()}
	if mode == "tcp" {
		tln, err := net.Listen("tcp", *tcpAddr)
		if err != nil {
			fmt.Fprintf(os.Stderr, "child: %v\n", err)
			return 1
		}
		defer tln.Close()
		go greet(tln)
		urls.Transports = map[string]string{"tcp": "tcp://" + tln.Addr().String()}
	}
	fmt.Println(Announcement(urls))
	fmt.Fprintf(os.Stderr, "child: serving pid %d\n", os.Getpid())
	go func() { _ = srv.Serve(ln) }()
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	fmt.Fprintln(os.Stderr, "child: graceful shutdown")
	return 0
}

// greet writes "hello\n" to each connection ln accepts and closes it.
func greet(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		_, _ = c.Write([]byte("hello\n"))
		c.Close()
	}
}

// runParent starts a serving child of its own, prints its pid, and waits to
// be killed: the test kills it with SIGKILL and checks the child goes too.
func runParent() int {
	exe, err := os.Executable()
	if err != nil {
		return 1
	}
	p, err := Start(context.Background(), ProcessConfig{Path: exe, Env: append(os.Environ(), childEnv+"=serve", raceExitNow)})
	if err != nil {
		fmt.Fprintf(os.Stderr, "parent: %v\n", err)
		return 1
	}
	fmt.Printf("child pid %d\n", p.PID())
	time.Sleep(time.Hour)
	return 0
}

// childConfig runs the test binary as a child in mode; RestartArgs passes the
// address with --addr.
func childConfig(t *testing.T, mode string, stderr *syncBuffer) ProcessConfig {
	t.Helper()
	return ProcessConfig{
		Path:        testBinary(t),
		Env:         append(os.Environ(), childEnv+"="+mode, raceExitNow),
		RestartArgs: func(hostport string) []string { return []string{"--addr", hostport} },
		Stderr:      stderr,
	}
}

// raceExitNow spares a race-enabled child the race runtime's one-second sleep
// at exit.
const raceExitNow = "GORACE=atexit_sleep_ms=0"

// testBinary is the path of this test binary, which runChild turns into a
// child server.
func testBinary(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// startChildT starts cfg and stops the child with the test.
func startChildT(t *testing.T, cfg ProcessConfig) *Process {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = p.Kill(ctx)
	})
	return p
}

// healthz asks base's /healthz within timeout, on a connection of its own.
func healthz(base string, timeout time.Duration) error {
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: timeout}
	resp, err := c.Get(base + "/healthz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// syncBuffer is a child's stderr: written by exec's copier, read by the test.
// It signals on seen when a write contains the awaited text.
type syncBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	await string
	seen  chan struct{}
	once  sync.Once
}

func newSyncBuffer(await string) *syncBuffer {
	return &syncBuffer{await: await, seen: make(chan struct{})}
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.await != "" && bytes.Contains(p, []byte(b.await)) {
		b.once.Do(func() { close(b.seen) })
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// phaseError returns err as a *PhaseError or fails the test.
func phaseError(t *testing.T, err error) *PhaseError {
	t.Helper()
	var pe *PhaseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is no *PhaseError", err, err)
	}
	return pe
}

// mustContain fails when s lacks any of wants.
func mustContain(t *testing.T, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%q lacks %q", s, w)
		}
	}
}
