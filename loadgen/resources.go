package loadgen

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/pushbench/pushbench/results"
)

// clockTicks is the unit of the CPU times in /proc/PID/stat (USER_HZ): 100
// on every Linux architecture Go supports, fixed by the kernel's ABI.
const clockTicks = 100

// processCPU reads a process's user+system CPU time: pid -1 is this process
// (getrusage, microsecond resolution), a positive pid another process on this
// machine (/proc/PID/stat, 10 ms resolution). ok is false when it cannot be
// read.
func processCPU(pid int) (time.Duration, bool) {
	if pid < 0 {
		return cpuTime(), true
	}
	if pid == 0 {
		return 0, false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	return parseStatCPU(b)
}

// parseStatCPU reads utime and stime (fields 14 and 15) from a /proc/PID/stat
// line. The command name (field 2) may hold spaces and parentheses, so the
// fields are counted from the last ')'.
func parseStatCPU(b []byte) (time.Duration, bool) {
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3, the state
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, true
}

// serversCPU sums the CPU time of the processes pids; ok is false when there
// are none or one cannot be read.
func serversCPU(pids []int) (time.Duration, bool) {
	var sum time.Duration
	for _, pid := range pids {
		t, ok := processCPU(pid)
		if !ok {
			return 0, false
		}
		sum += t
	}
	return sum, len(pids) > 0
}

// serversRSS sums the resident memory of the processes pids (0: none).
func serversRSS(pids []int) int64 {
	var sum int64
	for _, pid := range pids {
		sum += rssOf(pid)
	}
	return sum
}

// meter reads what a run costs at its milestones: the generator's CPU at
// the start of the run, of the measured window, its end and the run's end,
// its memory before the first connection opens and, with goroutines, while
// the connections are held; and the server's at the same milestones,
// through a ServerMeter.
type meter struct {
	cfg    Config
	server *ServerMeter

	start, windowStart, windowEnd, end time.Duration // the generator's CPU
	windowStarted, windowEnded         bool

	genRSSBefore int64
	held         *results.Resources
	deliveries   int64
}

// newMeter starts metering a run now.
func newMeter(cfg Config) *meter {
	m := &meter{cfg: cfg, start: cpuTime()}
	m.server = NewServerMeter(cfg)
	return m
}

// before reads resident memory before the first connection opens. The
// generator first returns freed memory to the OS, so a transport run after
// another in the same process does not start on its predecessor's garbage.
func (m *meter) before() {
	runtime.GC()
	debug.FreeOSMemory()
	m.genRSSBefore = rssOf(-1)
	m.server.Before()
}

// startWindow and endWindow mark the measured window; deliveries are the
// measured messages received by its end.
func (m *meter) startWindow() {
	m.windowStart, m.windowStarted = cpuTime(), true
	m.server.StartWindow()
}

func (m *meter) endWindow(deliveries int64) {
	m.windowEnd, m.windowEnded, m.deliveries = cpuTime(), true, deliveries
	m.server.EndWindow()
}

// windowCPU is the generator's CPU time over the measured window so far.
func (m *meter) windowCPU() time.Duration {
	if !m.windowStarted || !m.windowEnded {
		return 0
	}
	return m.windowEnd - m.windowStart
}

// hold reads memory and goroutines while held connections are open, the
// generator's and the server's (ServerMeter.Hold).
func (m *meter) hold(ctx context.Context, held int64) {
	m.held = &results.Resources{Held: held, GeneratorRSS: rssOf(-1), GeneratorGoroutines: int64(runtime.NumGoroutine())}
	m.server.Hold(ctx)
}

// finish marks the end of the run.
func (m *meter) finish() {
	m.end = cpuTime()
	m.server.Finish()
}

// resources is the run's Resources record, with what was read.
func (m *meter) resources() results.Resources {
	res := results.Resources{Worker: m.cfg.Worker.Index, Deliveries: m.deliveries}
	srv := m.server.Resources()
	if m.held != nil {
		res = *m.held
		res.Worker, res.Deliveries = m.cfg.Worker.Index, m.deliveries
		res.GeneratorRSSBefore = m.genRSSBefore
		res.ServerRSSBefore, res.ServerRSSHeld, res.ServerGoroutines = srv.RSSBefore, srv.RSSHeld, srv.Goroutines
	}
	res.GeneratorCPU = results.CPUTime{Window: m.windowCPU().Seconds(), Run: (m.end - m.start).Seconds()}
	res.ServerCPU = srv.CPU
	return res
}

// measured counts the measured messages received so far, without merging
// the histograms.
func (r *recorder) measured() int64 {
	var n int64
	for _, s := range r.shards {
		s.mu.Lock()
		for _, c := range s.received {
			n += c
		}
		s.mu.Unlock()
	}
	return n
}
