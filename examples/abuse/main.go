// Command abuse measures the reference server's memory and time to a clean
// end under three of issue 9's abuse cases, against a real `pushbench serve`
// process on loopback: a WebSocket subscriber that stops reading while 600
// messages of 1 MB are published, 400 trickled POST bodies, and 20,000
// Engine.IO handshakes never used. The in-repo tests assert the bounds; this
// prints the figures of a real process.
//
//	go run ./examples/abuse ./bin/pushbench slow|trickle|handshakes
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

func rss(pid int) int64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if r, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(r), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func serve(args ...string) (*exec.Cmd, string) {
	cmd := exec.Command(os.Args[1], append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "error"}, args...)...)
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		panic(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	base, _, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "listening on ")), " ") // then tcp=tcp://HOST:PORT
	return cmd, base
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func stats(base string) string {
	r, err := http.Get(base + "/stats")
	if err != nil {
		return err.Error()
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return strings.TrimSpace(string(b))
}

func slowSubscriber() {
	cmd, base := serve()
	defer cmd.Process.Kill()
	pid := cmd.Process.Pid
	ws := "ws" + strings.TrimPrefix(base, "http")
	// A well-behaved subscriber that reads everything.
	good, _, err := websocket.DefaultDialer.Dial(ws+"/ws", nil)
	if err != nil {
		panic(err)
	}
	var got int
	var gmu sync.Mutex
	go func() {
		for {
			if _, _, err := good.ReadMessage(); err != nil {
				return
			}
			gmu.Lock()
			got++
			gmu.Unlock()
		}
	}()
	// The slow one: connects and never reads.
	bad, _, err := websocket.DefaultDialer.Dial(ws+"/ws", nil)
	if err != nil {
		panic(err)
	}
	_ = bad
	time.Sleep(200 * time.Millisecond)
	before := rss(pid)
	data := strings.Repeat("x", 1_000_000)
	peak := before
	start := time.Now()
	for i := 0; i < 600; i++ {
		body := fmt.Sprintf(`{"data":"%s"}`, data)
		r, err := http.Post(base+"/publish", "application/json", strings.NewReader(body))
		if err != nil {
			panic(err)
		}
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
		if i%50 == 0 {
			peak = max(peak, rss(pid))
		}
	}
	time.Sleep(time.Second)
	peak = max(peak, rss(pid))
	gmu.Lock()
	g := got
	gmu.Unlock()
	defer bad.Close() // keeps the never-reading client alive (a finalizer would close it)
	fmt.Printf("slow /ws subscriber + 600 publishes of 1 MB: server RSS %s before, %s peak, %s after; well-behaved subscriber got %d/600; took %s\n  /stats %s\n",
		mib(before), mib(peak), mib(rss(pid)), g, time.Since(start).Round(time.Millisecond), stats(base))
}

func trickle() {
	cmd, base := serve("--body-timeout", "10s")
	defer cmd.Process.Kill()
	pid := cmd.Process.Pid
	addr := strings.TrimPrefix(base, "http://")
	before := rss(pid)
	var conns []net.Conn
	start := time.Now()
	for i := 0; i < 400; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(c, "POST /publish HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{\"data\":\"", addr)
		c.Write(bytes.Repeat([]byte("x"), 1000))
		conns = append(conns, c)
	}
	var wg sync.WaitGroup
	closedAt := make([]time.Duration, len(conns))
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 4096)
			tick := time.NewTicker(500 * time.Millisecond)
			defer tick.Stop()
			for range tick.C {
				c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
				if n, err := c.Read(buf); n > 0 || (err != nil && !os.IsTimeout(err)) {
					closedAt[i] = time.Since(start)
					// keep trickling is pointless now
					return
				}
				c.Write([]byte("x"))
				if time.Since(start) > 60*time.Second {
					return
				}
			}
		}()
	}
	time.Sleep(2 * time.Second)
	mid := rss(pid)
	wg.Wait()
	var last time.Duration
	answered := 0
	for _, d := range closedAt {
		if d > 0 {
			answered++
			last = max(last, d)
		}
	}
	fmt.Printf("400 trickled POST /publish bodies: server RSS %s before, %s while trickling; %d answered (408), the last after %s\n",
		mib(before), mib(mid), answered, last.Round(time.Millisecond))
}

func handshakes() {
	cmd, base := serve()
	defer cmd.Process.Kill()
	pid := cmd.Process.Pid
	before := rss(pid)
	start := time.Now()
	ok, refused := 0, 0
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	cl := &http.Client{Transport: tr}
	for i := 0; i < 20000; i++ {
		r, err := cl.Get(base + "/socket.io/?EIO=4&transport=polling")
		if err != nil {
			panic(err)
		}
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
		if r.StatusCode == 200 {
			ok++
		} else {
			refused++
		}
	}
	held := rss(pid)
	took := time.Since(start)
	st := stats(base)
	time.Sleep(12 * time.Second)
	fmt.Printf("20,000 Engine.IO handshakes never used: %d opened, %d refused in %s; server RSS %s before, %s holding them; after the 10s handshake timeout: %s\n  /stats then %s\n  /stats after %s\n",
		ok, refused, took.Round(time.Millisecond), mib(before), mib(held), mib(rss(pid)), st, stats(base))
}

func main() {
	cases := map[string]func(){"slow": slowSubscriber, "trickle": trickle, "handshakes": handshakes}
	if len(os.Args) != 3 || cases[os.Args[2]] == nil {
		fmt.Fprintln(os.Stderr, "usage: go run ./examples/abuse PUSHBENCH_BINARY slow|trickle|handshakes")
		os.Exit(2)
	}
	cases[os.Args[2]]()
}
