package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer collects a child's stderr while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startServe runs pushbench serve as a child with args and env and returns
// its base URL and stderr; the child is killed at cleanup if still running.
func startServe(t *testing.T, bin string, env []string, args ...string) (*exec.Cmd, string, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- l
		io.Copy(io.Discard, stdout)
	}()
	select {
	case l := <-line:
		rest, ok := strings.CutPrefix(strings.TrimSpace(l), "listening on ")
		base, _, _ := strings.Cut(rest, " ") // then tcp=tcp://HOST:PORT
		if !ok {
			t.Fatalf("first line %q\nstderr:\n%s", l, stderr)
		}
		return cmd, base, stderr
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not announce its address\nstderr:\n%s", stderr)
		panic("unreachable")
	}
}

// stall opens a raw request on addr and never reads the answer.
func stall(t *testing.T, addr, request string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
}

// TestE2EServeShutdownWithStalledClientsExits0 stops serve by signal while an
// SSE and a WebSocket client have stopped reading: the shutdown timeout
// expires, both are force-closed, and that is still a clean exit 0.
func TestE2EServeShutdownWithStalledClientsExits0(t *testing.T) {
	bin := buildBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd, base, stderr := startServe(t, bin, nil,
				"--shutdown-timeout", "300ms", "--queue", "2", "--rate", "50", "--payload", "262144")
			addr := strings.TrimPrefix(base, "http://")
			stall(t, addr, "GET /sse HTTP/1.1\r\nHost: "+addr+"\r\n\r\n")
			stall(t, addr, "GET /ws HTTP/1.1\r\nHost: "+addr+"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
				"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
			// The generator's messages back up behind both: wait for drops.
			deadline := time.Now().Add(30 * time.Second)
			for {
				var st struct{ Subscribers, Dropped int64 }
				if resp, err := http.Get(base + "/stats"); err == nil {
					json.NewDecoder(resp.Body).Decode(&st)
					resp.Body.Close()
				}
				if st.Subscribers == 2 && st.Dropped >= 20 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("clients not backed up: %+v\nstderr:\n%s", st, stderr)
				}
				time.Sleep(50 * time.Millisecond)
			}
			began := time.Now()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("serve exited %v after %s, want 0\nstderr:\n%s", err, sig, stderr)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("serve still running 20s after %s\nstderr:\n%s", sig, stderr)
			}
			t.Logf("exited 0 %s after %s", time.Since(began).Round(time.Millisecond), sig)
			if log := stderr.String(); !strings.Contains(log, "force-closed") || !strings.Contains(log, "connections=2") || strings.Contains(log, "level=ERROR") {
				t.Fatalf("stderr does not report both stalled clients force-closed:\n%s", log)
			}
		})
	}
}

// TestE2EServePublishToken takes the token from the environment: publishing
// without it is refused, with it accepted, and --help does not show it.
func TestE2EServePublishToken(t *testing.T) {
	bin := buildBinary(t)
	env := []string{publishTokenEnv + "=env-s3cret"}
	_, base, _ := startServe(t, bin, env)
	post := func(auth string) int {
		req, _ := http.NewRequest("POST", base+"/publish", strings.NewReader(`{"data":"x"}`))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		resp, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post(""); got != http.StatusUnauthorized {
		t.Fatalf("without token: %d, want 401", got)
	}
	if got := post("Bearer env-s3cret"); got != http.StatusAccepted {
		t.Fatalf("with token: %d, want 202", got)
	}
	help := exec.Command(bin, "serve", "--help")
	help.Env = append(os.Environ(), env...)
	out, _ := help.CombinedOutput()
	if !strings.Contains(string(out), "-publish-token") || strings.Contains(string(out), "env-s3cret") {
		t.Fatalf("serve --help shows the token or lacks the flag:\n%s", out)
	}
}
