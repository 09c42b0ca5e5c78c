package loadgen

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/pushbench/pushbench/results"
)

// baselinePoll is how often the leak check looks again while it waits for
// the processes to settle.
const baselinePoll = 100 * time.Millisecond

// usageOf reads what a process holds: pid -1 is this process (goroutines
// included), a positive pid a local server (descriptors and memory only).
func usageOf(pid int) results.Usage {
	dir := "/proc/self/fd"
	if pid > 0 {
		dir = "/proc/" + strconv.Itoa(pid) + "/fd"
	}
	u := results.Usage{RSS: rssOf(pid)}
	if entries, err := os.ReadDir(dir); err == nil {
		// ReadDir itself holds one descriptor on the directory while it reads.
		u.FDs = int64(len(entries))
		if pid < 0 {
			u.FDs--
		}
	}
	if pid < 0 {
		u.Goroutines = int64(runtime.NumGoroutine())
	}
	return u
}

// baselineSample is what the generator and a local server hold now.
type baselineSample struct {
	generator results.Usage
	server    *results.Usage
}

func (r *run) sampleBaseline() baselineSample {
	s := baselineSample{generator: usageOf(-1)}
	if r.cfg.ServerPID > 0 {
		u := usageOf(r.cfg.ServerPID)
		s.server = &u
	}
	return s
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
		after = r.sampleBaseline()
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
	return results.Baseline{
		Worker:          r.cfg.Worker.Index,
		Settled:         results.Duration(time.Since(start)),
		GeneratorBefore: before.generator,
		GeneratorAfter:  after.generator,
		ServerBefore:    before.server,
		ServerAfter:     after.server,
	}
}
