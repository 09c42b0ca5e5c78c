package target

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// proxyWait bounds every wait of the proxy tests.
const proxyWait = 10 * time.Second

// echoServer accepts connections on loopback and writes back what it reads,
// until the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

func startProxyT(t *testing.T, ctx context.Context, upstream string) *Proxy {
	t.Helper()
	p, err := StartProxy(ctx, upstream)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func dialProxy(t *testing.T, p *Proxy) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", p.Addr(), proxyWait)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(proxyWait))
	return c
}

// roundTrip writes line and reads it back, returning how long that took.
func roundTrip(t *testing.T, c net.Conn, r *bufio.Reader, line string) time.Duration {
	t.Helper()
	start := time.Now()
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		t.Fatal(err)
	}
	got, err := r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	if got != line+"\n" {
		t.Fatalf("read %q, want %q", got, line)
	}
	return time.Since(start)
}

func TestProxyForwardsAndDelays(t *testing.T) {
	p := startProxyT(t, context.Background(), echoServer(t))
	if !strings.HasPrefix(p.Addr(), "127.0.0.1:") {
		t.Fatalf("proxy listens on %s, not loopback", p.Addr())
	}
	c := dialProxy(t, p)
	r := bufio.NewReader(c)
	roundTrip(t, c, r, "hello")

	// Each direction holds every chunk for the delay: a round trip takes at
	// least twice as long.
	const delay = 300 * time.Millisecond
	remove := p.AddDelay(delay)
	if took := roundTrip(t, c, r, "slow"); took < 2*delay {
		t.Fatalf("round trip with a %s delay took %s, less than %s", delay, took, 2*delay)
	}
	// Overlapping delays add up.
	removeMore := p.AddDelay(delay)
	if p.Delay() != 2*delay {
		t.Fatalf("delay in force %s, want %s", p.Delay(), 2*delay)
	}
	removeMore()
	removeMore() // a second remove does nothing
	remove()
	if p.Delay() != 0 {
		t.Fatalf("delay %s after removing both", p.Delay())
	}
	// Without the delay a round trip is back to loopback speed; the bound is
	// the delay itself, far above a loaded machine's loopback.
	if took := roundTrip(t, c, r, "fast"); took >= delay {
		t.Fatalf("round trip took %s after the delay was removed", took)
	}
}

// TestProxyKeepsOrderWhileTheDelayChanges writes numbered lines while the
// delay comes and goes; they come back complete and in order.
func TestProxyKeepsOrderWhileTheDelayChanges(t *testing.T) {
	p := startProxyT(t, context.Background(), echoServer(t))
	c := dialProxy(t, p)
	const lines = 2000
	writeErr := make(chan error, 1)
	go func() {
		var remove func()
		for i := range lines {
			switch i % 500 {
			case 100:
				remove = p.AddDelay(20 * time.Millisecond)
			case 300:
				remove()
			}
			if _, err := fmt.Fprintf(c, "%d\n", i); err != nil {
				writeErr <- err
				return
			}
		}
		writeErr <- nil
	}()
	sc := bufio.NewScanner(c)
	for i := range lines {
		if !sc.Scan() {
			t.Fatalf("stream ended after %d lines: %v", i, sc.Err())
		}
		if want := fmt.Sprint(i); sc.Text() != want {
			t.Fatalf("line %d reads %q: out of order", i, sc.Text())
		}
	}
	if err := <-writeErr; err != nil {
		t.Fatal(err)
	}
}

// TestProxyPassesACleanEnd: a client that half-closes still reads what the
// server sends back, then the end.
func TestProxyPassesACleanEnd(t *testing.T) {
	p := startProxyT(t, context.Background(), echoServer(t))
	c := dialProxy(t, p)
	if _, err := io.WriteString(c, "last words"); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(c)
	if err != nil || string(b) != "last words" {
		t.Fatalf("read %q, %v", b, err)
	}
}

// TestProxyClosesWhenTheUpstreamIsDown: with the server gone, a connection
// through the proxy ends at once, as a refused one would.
func TestProxyClosesWhenTheUpstreamIsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	ln.Close()
	p := startProxyT(t, context.Background(), down)
	c := dialProxy(t, p)
	if _, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read through a proxy to a closed port: %v, want the connection closed", err)
	}
}

// TestProxyBuffersBoundedly: a server that never reads makes the client's
// writes block after a bounded amount (the proxy's queue plus socket
// buffers), rather than the proxy taking everything.
func TestProxyBuffersBoundedly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			held <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		select {
		case c := <-held:
			c.Close()
		default:
		}
	})
	p := startProxyT(t, context.Background(), ln.Addr().String())
	c := dialProxy(t, p)
	_ = c.SetWriteDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 64<<10)
	written := 0
	for written < 256<<20 {
		n, err := c.Write(buf)
		written += n
		if err != nil {
			break
		}
	}
	// Queue 2 MiB plus kernel socket buffers on both hops (a few MiB each
	// when autotuned); 64 MiB is far above that and far below unbounded.
	if bound := 64 << 20; written >= bound {
		t.Fatalf("wrote %d MiB into a proxy whose server never reads; want under %d MiB", written>>20, bound>>20)
	}
	t.Logf("blocked after %.1f MiB", float64(written)/(1<<20))
}

// TestProxyShutsDown: cancelling the context ends every connection and
// goroutine (goleak in TestMain checks none is left); Close is idempotent.
func TestProxyShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := startProxyT(t, ctx, echoServer(t))
	conns := make([]net.Conn, 3)
	for i := range conns {
		conns[i] = dialProxy(t, p)
		r := bufio.NewReader(conns[i])
		roundTrip(t, conns[i], r, "up")
	}
	p.AddDelay(time.Hour) // a chunk waiting out a delay must not hold shutdown
	if _, err := io.WriteString(conns[0], "held\n"); err != nil {
		t.Fatal(err)
	}
	cancel()
	closed := make(chan struct{})
	go func() { p.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(proxyWait):
		t.Fatal("Close did not return after the context ended")
	}
	p.Close()
	for i, c := range conns {
		if _, err := c.Read(make([]byte, 16)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("connection %d after shutdown: read %v, want closed", i, err)
		}
	}
	if c, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		c.Close()
		t.Fatal("the proxy still accepts after shutdown")
	}
}
