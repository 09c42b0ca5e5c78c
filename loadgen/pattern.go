package loadgen

import (
	"context"

	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

// pattern is what differs between shapes of load. The runner owns the phases
// every pattern shares (preflight, opening held connections on a ramp, the
// plan, the measured window, the timeline, draining, collecting); a pattern
// only says what to prepare, what to drive during the schedule, and what it
// adds to the result.
type pattern interface {
	// prepare runs before any connection opens, e.g. fan-out dials its
	// publisher so an unreachable publish endpoint fails at once.
	prepare(ctx context.Context, r *run) error
	// drive runs the schedule once held connections are open; it returns when
	// its last event is done or ctx ends.
	drive(ctx context.Context, r *run)
	// collect adds the pattern's own numbers to the result once every
	// goroutine of the run has ended.
	collect(r *run, res *results.TransportResult)
	// close releases what prepare opened; it may be called more than once.
	close()
}

// newPattern returns the implementation of p.
func newPattern(p workload.Pattern) pattern {
	switch p {
	case workload.Echo:
		return &echo{}
	case workload.Idle:
		return idle{}
	case workload.Churn:
		return &churn{}
	case workload.Listen:
		return listen{}
	default:
		return &fanout{}
	}
}

// sendCounts are one sender's counts of measured sends, owned by its
// goroutine until the run collects them.
type sendCounts struct {
	sent, errors, bytes int64
}

func (s sendCounts) addTo(c *results.Counters) {
	c.Sent += s.sent
	c.SendErrors += s.errors
	c.BytesSent += s.bytes
}
