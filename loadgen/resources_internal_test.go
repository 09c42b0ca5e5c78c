package loadgen

import (
	"os"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		name string
		stat string
		want time.Duration
		ok   bool
	}{
		{"plain", "1234 (pushbench) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 130 0 0 20 0 9 0 100 0 0", 3800 * time.Millisecond, true},
		{"name with spaces and parens", "77 (a) b) (c) R 1 77 77 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 1 0 0", 100 * time.Millisecond, true},
		{"truncated", "77 (x) R 1 2 3", 0, false},
		{"no name", "garbage", 0, false},
		{"not a number", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 x 3 0", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseStatCPU([]byte(tt.stat))
			if got != tt.want || ok != tt.ok {
				t.Fatalf("parseStatCPU = %s, %v; want %s, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestProcessCPUReadsThisProcess reads this process through /proc as a
// server would be read, and an unknown process as unknown, not zero.
func TestProcessCPUReadsThisProcess(t *testing.T) {
	deadline := time.Now().Add(30 * time.Millisecond)
	for time.Now().Before(deadline) { // burn a little CPU so the 10 ms ticks move
	}
	if _, ok := processCPU(os.Getpid()); !ok {
		t.Fatal("this process's /proc/PID/stat could not be read")
	}
	if _, ok := processCPU(0); ok {
		t.Fatal("pid 0 (no local server) read as known")
	}
	if _, ok := processCPU(1 << 30); ok {
		t.Fatal("a process that does not exist read as known")
	}
}

// TestMeterServerRestartedIsUnknown: when the server process changes during
// the run, its CPU is omitted rather than mixing two processes.
func TestMeterServerRestartedIsUnknown(t *testing.T) {
	pid := os.Getpid()
	m := newMeter(Config{ServerProcess: func() int { return pid }})
	m.before()
	m.startWindow()
	m.endWindow(10)
	m.finish()
	if res := m.resources(); res.ServerCPU == nil || res.Deliveries != 10 {
		t.Fatalf("one server throughout: %+v", res)
	}
	m.server.end.pids = []int{pid + 1} // as if a fault restarted it before the end
	if res := m.resources(); res.ServerCPU != nil {
		t.Fatalf("restarted server: CPU %+v, want omitted", res.ServerCPU)
	}
	if res := newMeter(Config{}).resources(); res.ServerCPU != nil {
		t.Fatalf("no local server: CPU %+v, want omitted", res.ServerCPU)
	}
}
