package loadgen

import (
	"context"
	"slices"
	"time"

	"github.com/pushbench/pushbench/results"
)

// ServerMeter reads what a target's local server processes cost over one
// transport run, at the run's milestones: CPU time at the run's start, at
// the measured window's start and end and at the run's end; resident memory
// before the first connection opens and, with goroutines, while the
// connections are held. Every figure is summed over the server's processes.
//
// A single-process run meters its server with it (through its own meter). A
// coordinator meters the server its workers share with it, at the instants
// of the plan it handed them: only it sees the server whole, while each
// worker holds a share of the connections. Call the methods in the order of
// the milestones, from one goroutine at a time.
type ServerMeter struct {
	pids  func() []int // the server's processes now, sorted
	stats string       // a single pushbench server's GET /stats URL, or ""

	start, windowStart, windowEnd, end serverMark
	windowStarted, windowEnded         bool

	pidsBefore          []int
	rssBefore           int64
	rssHeld, goroutines int64
}

// serverMark is the server's CPU time at one instant, with the processes
// it read (none: no local server, or one could not be read).
type serverMark struct {
	cpu  time.Duration
	pids []int
}

// NewServerMeter starts metering the server processes cfg names
// (ServerPIDs, ServerProcess or ServerPID, and ServerStats) now, the start
// of the run.
func NewServerMeter(cfg Config) *ServerMeter {
	m := &ServerMeter{pids: cfg.serverPIDs, stats: cfg.ServerStats}
	m.start = m.mark()
	return m
}

// Local reports whether the server's processes could be read at the start.
func (m *ServerMeter) Local() bool { return len(m.start.pids) > 0 }

func (m *ServerMeter) mark() serverMark {
	c := serverMark{pids: m.pids()}
	if t, ok := serversCPU(c.pids); ok {
		c.cpu = t
	} else {
		c.pids = nil
	}
	return c
}

// Before reads resident memory before the first connection opens.
func (m *ServerMeter) Before() {
	m.pidsBefore = m.pids()
	m.rssBefore = serversRSS(m.pidsBefore)
}

// StartWindow and EndWindow mark the measured window.
func (m *ServerMeter) StartWindow() { m.windowStart, m.windowStarted = m.mark(), true }

// EndWindow: see StartWindow.
func (m *ServerMeter) EndWindow() { m.windowEnd, m.windowEnded = m.mark(), true }

// Hold reads memory and goroutines while the held connections are open:
// memory when the same processes run as before the first connection (a
// restarted one is another process), goroutines (ServerStats names one
// server) only when there is one.
func (m *ServerMeter) Hold(ctx context.Context) {
	pids := m.pids()
	if len(pids) == 0 || !slices.Equal(pids, m.pidsBefore) {
		return
	}
	m.rssHeld = serversRSS(pids)
	if len(pids) == 1 {
		m.goroutines = serverGoroutines(ctx, m.stats)
	}
}

// Finish marks the end of the run.
func (m *ServerMeter) Finish() { m.end = m.mark() }

// Resources are the figures read (Workers is the caller's to fill): a
// figure that could not be read is left out.
func (m *ServerMeter) Resources() results.ServerResources {
	res := results.ServerResources{Processes: len(m.start.pids), RSSHeld: m.rssHeld, Goroutines: m.goroutines}
	if res.RSSHeld > 0 {
		res.RSSBefore = m.rssBefore
	}
	if cpu, ok := m.cpu(); ok {
		res.CPU = &cpu
	}
	return res
}

// cpu is the server's CPU over the window and the run, when the same
// processes were read throughout (a restarted one is another process).
func (m *ServerMeter) cpu() (results.CPUTime, bool) {
	pids := m.start.pids
	if len(pids) == 0 || !m.windowStarted || !m.windowEnded {
		return results.CPUTime{}, false
	}
	for _, c := range []serverMark{m.windowStart, m.windowEnd, m.end} {
		if !slices.Equal(c.pids, pids) {
			return results.CPUTime{}, false
		}
	}
	return results.CPUTime{Window: (m.windowEnd.cpu - m.windowStart.cpu).Seconds(), Run: (m.end.cpu - m.start.cpu).Seconds()}, true
}
