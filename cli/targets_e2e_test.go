package cli

// End-to-end tests of several targets in one run: builtin server processes
// (target.servers) and servers the user started (--target repeated). Skipped
// by go test -short.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

// startedServer is a builtin server a run logged as started.
type startedServer struct {
	url string
	pid int
}

// builtinStartedLine matches the log line of each builtin server of several.
var builtinStartedLine = regexp.MustCompile(`msg="builtin server started" transport=(\S+) server=(\d+)/(\d+) url=(\S+) pid=(\d+)`)

// TestE2EBuiltinServersShareTheConnections runs fan-out over ws against two
// builtin server processes: 40 connections all ready, nothing lost, two
// server processes started (each logged with its own address and pid), each
// holding half the connections while the run holds them, and both gone
// after the run.
func TestE2EBuiltinServersShareTheConnections(t *testing.T) {
	bin := buildBinary(t)
	sc := writeFile(t, "two-servers.yaml", `name: two-servers
target: {builtin: true, servers: 2}
transports: [ws]
connections: 40
warmup: 1s
duration: 2s
drain: 500ms
rate: 20/s
`)
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", "--out", out, sc)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Read the log as it comes: the servers' addresses, to watch them.
	var stderr bytes.Buffer
	started := make(chan startedServer, 4)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		s := bufio.NewScanner(pipe)
		for s.Scan() {
			stderr.WriteString(s.Text() + "\n")
			if m := builtinStartedLine.FindStringSubmatch(s.Text()); m != nil {
				pid, _ := strconv.Atoi(m[5])
				started <- startedServer{url: m[4], pid: pid}
			}
		}
	}()
	var srvs []startedServer
	timeout := time.After(30 * time.Second)
	for len(srvs) < 2 {
		select {
		case s := <-started:
			srvs = append(srvs, s)
		case <-timeout:
			t.Fatalf("no two builtin servers logged within 30s")
		}
	}
	held := maxSubscribers(ctx, srvs, 20, scanned)
	<-scanned
	if err := cmd.Wait(); err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if srvs[0].url == srvs[1].url || srvs[0].pid == srvs[1].pid {
		t.Fatalf("servers %+v: want two processes on two addresses", srvs)
	}
	for i, s := range srvs {
		if held[i] != 20 {
			t.Errorf("server %d (%s) held at most %d subscribers, want 20 (half the connections)", i+1, s.url, held[i])
		}
		if syscall.Kill(s.pid, 0) == nil {
			t.Errorf("server %d (pid %d) still runs after the run", i+1, s.pid)
		}
	}
	tr := onlyTransport(t, out, "*-two-servers")
	if c := tr.Counters; c.ConnReady != 40 || c.ConnFailed != 0 || c.Lost != 0 || c.Expected == 0 || c.Received != c.Expected {
		t.Fatalf("counters %+v, errors %v", c, tr.Errors)
	}
}

// maxSubscribers polls each server's GET /stats until every one holds want
// subscribers, the run is over (ended closes) or ctx ends, and returns the
// most each one held.
func maxSubscribers(ctx context.Context, srvs []startedServer, want int64, ended <-chan struct{}) []int64 {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	most := make([]int64, len(srvs))
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		all := true
		for i, s := range srvs {
			n, err := subscribers(ctx, client, s.url)
			if err == nil && n > most[i] {
				most[i] = n
			}
			all = all && most[i] >= want
		}
		if all {
			return most
		}
		select {
		case <-tick.C:
		case <-ended:
			return most
		case <-ctx.Done():
			return most
		}
	}
}

// subscribers is what a pushbench server's GET /stats says it holds.
func subscribers(ctx context.Context, client *http.Client, base string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/stats", nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var st struct {
		Subscribers int64 `json:"subscribers"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&st); err != nil {
		return 0, fmt.Errorf("stats of %s: %w", base, err)
	}
	return st.Subscribers, nil
}

// onlyTransport reads the one result directory matching glob under out and
// returns its one transport.
func onlyTransport(t *testing.T, out, glob string) *results.TransportResult {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(out, glob))
	if len(dirs) != 1 {
		t.Fatalf("result dirs %v", dirs)
	}
	run, err := results.ReadRun(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Transports) != 1 {
		t.Fatalf("%d transports in the result", len(run.Transports))
	}
	return run.Transports[0]
}

// TestE2ETwoTargetsOfTheUser runs fan-out over ws against two servers the
// user started (--target twice): half the connections on each, every message
// published to each, all delivered.
func TestE2ETwoTargetsOfTheUser(t *testing.T) {
	bin := buildBinary(t)
	srvA, a := servertest.Start(t, servers.Config{})
	srvB, b := servertest.Start(t, servers.Config{})
	out := t.TempDir()
	stdout, stderr, code := runBinary(t, bin, "run", "--quiet", "--target", a, "--target", b, "--transports", "ws",
		"--connections", "40", "--warmup", "500ms", "--duration", "1s", "--drain", "500ms", "--rate", "20", "--name", "two-targets", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	tr := onlyTransport(t, out, "*-two-targets")
	c := tr.Counters
	if c.ConnReady != 40 || c.ConnFailed != 0 || c.Lost != 0 || c.Expected == 0 || c.Received != c.Expected {
		t.Fatalf("counters %+v, errors %v", c, tr.Errors)
	}
	stats := []servers.HubStats{srvA.Hub().Stats(), srvB.Hub().Stats()}
	for i, st := range stats {
		// Every message reached each server once, and each server handed it
		// to its 20 subscribers.
		if st.Published == 0 || st.Published != stats[0].Published || st.Enqueued != 20*st.Published {
			t.Errorf("server %d: published %d, enqueued %d (server 1 published %d): want every message on each, to 20 subscribers",
				i+1, st.Published, st.Enqueued, stats[0].Published)
		}
	}
	if c.Sent != 0 && stats[0].Published < c.Sent {
		t.Errorf("server 1 took %d messages, the run sent %d", stats[0].Published, c.Sent)
	}
}
