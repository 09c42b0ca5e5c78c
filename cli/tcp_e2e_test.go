package cli

import (
	"bytes"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
)

// TestE2ETCPTransportAgainstTheBuiltinServer runs the tcp transport with no
// extra flags: the builtin server announces its tcp address and every
// broadcast reaches every connection; the echo pattern works too.
func TestE2ETCPTransportAgainstTheBuiltinServer(t *testing.T) {
	bin := buildBinary(t)
	tests := []struct {
		name  string
		args  []string
		conns int64
	}{
		{"fanout", []string{"--connections", "200", "--rate", "10", "--warmup", "1s", "--duration", "3s"}, 200},
		{"echo", []string{"--pattern", "echo", "--connections", "20", "--rate", "5", "--warmup", "300ms", "--duration", "1s"}, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"run", "--quiet", "--transports", "tcp", "--name", "tcp", "--out", out}, tt.args...)
			stdout, stderr, code := runBinary(t, bin, args...)
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			dirs, _ := filepath.Glob(filepath.Join(out, "*-tcp"))
			if len(dirs) != 1 {
				t.Fatalf("result dirs %v", dirs)
			}
			run, err := results.ReadRun(dirs[0])
			if err != nil {
				t.Fatal(err)
			}
			if len(run.Transports) != 1 || run.Transports[0].Transport != "tcp" {
				t.Fatalf("transports in the result: %+v", run.Transports)
			}
			c := run.Transports[0].Counters
			if c.ConnReady != tt.conns || c.Expected == 0 || c.Received != c.Expected || c.Lost != 0 {
				t.Fatalf("counters %+v errors %v", c, run.Transports[0].Errors)
			}
		})
	}
}

// tcpTicker is a raw TCP server pushbench did not write: to each connection
// it sends {"t":<unix ms>,"n":<i>} lines every 20ms, with a blank line now
// and then, until the connection or the test ends.
func tcpTicker(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				for i := 1; i <= 10000; i++ {
					line := fmt.Sprintf(`{"t":%d,"n":%d}`+"\n", time.Now().UnixMilli(), i)
					if i%10 == 0 {
						line += "\n"
					}
					if _, err := c.Write([]byte(line)); err != nil {
						return
					}
					select {
					case <-stop:
						return
					case <-time.After(20 * time.Millisecond):
					}
				}
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		close(stop)
		wg.Wait()
	})
	return "tcp://" + ln.Addr().String()
}

// TestE2ETCPListenToAForeignLineServer: --url tcp=tcp://HOST:PORT reads any
// server that writes lines to a TCP client; the listen options (timestamp,
// sequence) apply to its own fields, and nothing is lost.
func TestE2ETCPListenToAForeignLineServer(t *testing.T) {
	bin := buildBinary(t)
	url := tcpTicker(t)
	stdout, stderr, code := runBinary(t, bin, "run", "--quiet", "--out", "", "--pattern", "listen", "--transports", "tcp",
		"--url", "tcp="+url, "--timestamp", "t:ms", "--seq", "n", "--connections", "10", "--warmup", "300ms", "--duration", "1s")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "│ tcp") {
			var f []string
			for _, cell := range strings.Split(l, "│") {
				f = append(f, strings.TrimSpace(cell))
			}
			if len(f) < 9 || f[2] != "10/0" || f[7] != "0" || f[8] != "0" {
				t.Fatalf("row %q: want 10/0 connections, 0 lost, 0 errors", l)
			}
			return
		}
	}
	t.Fatalf("no tcp row:\n%s", stdout)
}

// TestTCPURLGuardedAndChecked: a tcp URL off loopback is refused like any
// other target, and a user's server needs its tcp address named.
func TestTCPURLGuardedAndChecked(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"remote tcp URL", []string{"run", "--transports", "tcp", "--url", "tcp=tcp://192.0.2.7:9000"},
			`--url tcp tcp://192.0.2.7:9000: host "192.0.2.7" is not loopback`},
		{"user's server without the tcp address", []string{"run", "--target", "http://127.0.0.1:1", "--transports", "tcp"},
			"--transports: tcp listens on a port of its own, not a path of http://127.0.0.1:1: give its address in target.urls (--url tcp=tcp://HOST:PORT)"},
		{"tcp URL of another scheme", []string{"run", "--transports", "tcp", "--url", "tcp=http://127.0.0.1:9000"},
			`--url: tcp URL "http://127.0.0.1:9000": want tcp://host:port`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := Main(tt.args, &out, &errOut); code != 2 {
				t.Fatalf("exit %d, want 2\nstderr:\n%s", code, errOut.String())
			}
			if !strings.Contains(errOut.String(), tt.want) {
				t.Fatalf("stderr lacks %q:\n%s", tt.want, errOut.String())
			}
		})
	}
}
