package loadgen

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"
)

// burnChildEnv makes the test binary a child "server" process for
// TestMeterSumsServerProcesses (TestHelperBurnChild).
const burnChildEnv = "PUSHBENCH_TEST_BURN_CHILD"

// childBurn is the CPU time each child spends when told to.
const childBurn = 300 * time.Millisecond

// TestHelperBurnChild is not a test: run as a child with burnChildEnv set,
// it says "ready", waits for a line on stdin, burns childBurn of CPU time,
// says "burnt" and waits for stdin to close.
func TestHelperBurnChild(t *testing.T) {
	if os.Getenv(burnChildEnv) != "1" {
		t.Skip("helper process for TestMeterSumsServerProcesses")
	}
	os.Stdout.WriteString("ready\n")
	in := bufio.NewReader(os.Stdin)
	if _, err := in.ReadString('\n'); err != nil {
		return
	}
	start, deadline := cpuTime(), time.Now().Add(20*time.Second)
	for cpuTime()-start < childBurn && time.Now().Before(deadline) {
	}
	os.Stdout.WriteString("burnt\n")
	_, _ = io.Copy(io.Discard, in)
}

// burnChild is one child process: its pid, its stdin and its stdout lines.
type burnChild struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
}

func startBurnChild(t *testing.T) *burnChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperBurnChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), burnChildEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &burnChild{cmd: cmd, stdin: stdin, lines: make(chan string, 16)}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	return c
}

// waitFor waits up to 30 seconds for the child to print want.
func (c *burnChild) waitFor(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				t.Fatalf("child %d ended before printing %q", c.cmd.Process.Pid, want)
			}
			if line == want {
				return
			}
		case <-timeout:
			t.Fatalf("child %d did not print %q within 30s", c.cmd.Process.Pid, want)
		}
	}
}

// TestMeterSumsServerProcesses meters a target of two local server
// processes (ServerPIDs): their CPU over the window and their memory are
// the sums of both; when one of them is replaced during the run, the CPU is
// omitted rather than mixing processes.
func TestMeterSumsServerProcesses(t *testing.T) {
	a, b := startBurnChild(t), startBurnChild(t)
	a.waitFor(t, "ready")
	b.waitFor(t, "ready")
	pids := []int{b.cmd.Process.Pid, a.cmd.Process.Pid} // any order
	m := newMeter(Config{ServerPIDs: func() []int { return pids }})
	m.before()
	oneBefore := max(rssOf(a.cmd.Process.Pid), rssOf(b.cmd.Process.Pid))
	m.startWindow()
	for _, c := range []*burnChild{a, b} {
		if _, err := io.WriteString(c.stdin, "go\n"); err != nil {
			t.Fatal(err)
		}
	}
	a.waitFor(t, "burnt")
	b.waitFor(t, "burnt")
	m.hold(context.Background(), 0)
	m.endWindow(0)
	m.finish()
	res := m.resources()
	// Each burnt 300 ms, read in 10 ms ticks: one alone is well under 500.
	if res.ServerCPU == nil || res.ServerCPU.Window < 0.5 || res.ServerCPU.Run < res.ServerCPU.Window {
		t.Fatalf("server CPU %+v: want the window to hold both children's 2 x %s", res.ServerCPU, childBurn)
	}
	oneHeld := max(rssOf(a.cmd.Process.Pid), rssOf(b.cmd.Process.Pid))
	if oneBefore <= 0 || res.ServerRSSBefore <= oneBefore || res.ServerRSSHeld <= oneHeld {
		t.Fatalf("server memory before %d, held %d: want the sum of both (one was %d, then %d)", res.ServerRSSBefore, res.ServerRSSHeld, oneBefore, oneHeld)
	}

	m.server.end.pids = []int{a.cmd.Process.Pid} // as if one was replaced by the end
	if res := m.resources(); res.ServerCPU != nil {
		t.Fatalf("a server process replaced: CPU %+v, want omitted", res.ServerCPU)
	}
}
