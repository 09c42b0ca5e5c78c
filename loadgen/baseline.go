package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pushbench/pushbench/results"
)

// baselinePoll is how often the leak check looks again while it waits for
// the processes to settle.
const baselinePoll = 100 * time.Millisecond

// usageOf reads what a process holds: pid -1 is this process (goroutines
// included), a positive pid a local server (descriptors and memory only).
// ok is false when the process cannot be read (it is gone).
func usageOf(pid int) (u results.Usage, ok bool) {
	dir := "/proc/self/fd"
	if pid > 0 {
		dir = "/proc/" + strconv.Itoa(pid) + "/fd"
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return u, false
	}
	// ReadDir itself holds one descriptor on the directory while it reads.
	u.FDs = int64(len(entries))
	if pid < 0 {
		u.FDs--
		u.Goroutines = int64(runtime.NumGoroutine())
	}
	u.RSS = rssOf(pid)
	return u, true
}

// baselineSample is what the generator and the local server hold now (a
// server of several processes summed); the server's usage is nil when there
// is no local server to read.
type baselineSample struct {
	generator  results.Usage
	server     *results.Usage
	serverPIDs []int
}

func (r *run) sampleBaseline(ctx context.Context) baselineSample {
	g, _ := usageOf(-1)
	s := baselineSample{generator: g, serverPIDs: r.cfg.serverPIDs()}
	if len(s.serverPIDs) > 0 {
		s.server = serversUsage(s.serverPIDs)
		if s.server != nil && len(s.serverPIDs) == 1 {
			s.server.Goroutines = serverGoroutines(ctx, r.cfg.ServerStats)
		}
	}
	return s
}

// serversUsage sums what the server processes pids hold; nil when one
// cannot be read.
func serversUsage(pids []int) *results.Usage {
	var sum results.Usage
	for _, pid := range pids {
		u, ok := usageOf(pid)
		if !ok {
			return nil
		}
		sum.FDs += u.FDs
		sum.RSS += u.RSS
	}
	return &sum
}

// pidList is pids as a log shows them: 812, or 812 815 817.
func pidList(pids []int) string {
	return strings.Trim(fmt.Sprint(pids), "[]")
}

// serverGoroutines reads a pushbench server's goroutines from its /stats
// (0: unknown). The request's own connection counts alike in every sample.
func serverGoroutines(ctx context.Context, statsURL string) int64 {
	if statsURL == "" {
		return 0
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, statsURL, nil)
	if err != nil {
		return 0
	}
	req.Close = true // leave no connection open between samples
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var st struct {
		Goroutines int64 `json:"goroutines"`
	}
	if json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&st) != nil {
		return 0
	}
	return st.Goroutines
}

// rssSettled is how close to its level before the run resident memory must
// come for the check to stop waiting early; past it the check waits its full
// settle time, since a runtime returns freed pages late (the reference server
// does a few seconds after its last client left).
const rssSettled = 16 << 20

// settledAt reports whether now is back at (or below) before: descriptors and
// goroutines exactly, resident memory within rssSettled. How far memory
// stayed above is for the thresholds to judge.
func (s baselineSample) settledAt(before baselineSample) bool {
	back := func(b, a results.Usage) bool {
		return a.FDs <= b.FDs && a.Goroutines <= b.Goroutines && a.RSS <= b.RSS+rssSettled
	}
	if !back(before.generator, s.generator) {
		return false
	}
	if !slices.Equal(s.serverPIDs, before.serverPIDs) {
		return true // a restarted server is not compared
	}
	return before.server == nil || s.server == nil || back(*before.server, *s.server)
}

// checkBaseline waits up to settle for the generator and the server to give
// back what the run took, returning the generator's heap to the OS first so
// its resident memory means something, and records where they ended. It runs
// after every connection and the publisher are closed.
func (r *run) checkBaseline(ctx context.Context, before baselineSample, settle time.Duration) results.Baseline {
	start := time.Now()
	var after baselineSample
	for {
		runtime.GC() // sync.Pool contents survive one collection
		debug.FreeOSMemory()
		after = r.sampleBaseline(ctx)
		if after.settledAt(before) || time.Since(start) >= settle {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(baselinePoll):
			continue
		}
		break
	}
	b := results.Baseline{
		Worker:          r.cfg.Worker.Index,
		Settled:         results.Duration(time.Since(start)),
		GeneratorBefore: before.generator,
		GeneratorAfter:  after.generator,
	}
	switch {
	case len(before.serverPIDs) == 0:
		b.ServerNote = "the server is not a local process"
	case !slices.Equal(after.serverPIDs, before.serverPIDs):
		b.ServerNote = fmt.Sprintf("the server was restarted during the run (pid %s, then %s): two processes are not compared", pidList(before.serverPIDs), pidList(after.serverPIDs))
	case before.server == nil || after.server == nil:
		b.ServerNote = fmt.Sprintf("the server's process %s could not be read", pidList(before.serverPIDs))
	default:
		b.ServerBefore, b.ServerAfter = before.server, after.server
	}
	return b
}
