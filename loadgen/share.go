package loadgen

import (
	"context"
	"time"
)

// share is the slice of a scenario one worker of a coordinated run holds:
// connections numbered [lo, hi) of the scenario's count, so the workers
// together hold exactly the scenario's connections, each numbered once, and
// connection k means the same connection whichever worker holds it.
type share struct {
	lo, hi int
	index  int // this worker
	count  int // workers in the run
}

// shareOf is worker index's share of conns connections split over count
// workers: the first conns%count workers hold one more.
func shareOf(conns, index, count int) share {
	if count < 1 {
		count = 1
	}
	return share{lo: index * conns / count, hi: (index + 1) * conns / count, index: index, count: count}
}

// size is how many connections the share holds.
func (s share) size() int { return s.hi - s.lo }

// owns reports whether event i of a schedule split across the workers (a
// churn connect) is this worker's: every count-th event, so the run's events
// stay on the one schedule of the plan.
func (s share) owns(i int64) bool { return s.count <= 1 || i%int64(s.count) == int64(s.index) }

// Opened is what a worker reports once its held connections are open, before
// the plan is handed out (Config.AwaitPlan).
type Opened struct {
	Attempted int64 `json:"attempted"`
	Ready     int64 `json:"ready"`
	Failed    int64 `json:"failed"`
}

// PlanSource returns the plan to run once held connections are open: a
// coordinator's barrier, which returns when every worker is ready and all
// have the same plan. An error ends the run (the coordinator aborted it).
type PlanSource func(ctx context.Context, opened Opened) (Plan, error)

// offsetClock is a process's clock shifted onto another's (a coordinator's):
// wall-clock instants and envelope timestamps are read and written on the
// other clock, so a plan's start and a publisher's timestamps from another
// machine mean the same instant here. Readings (monotonic) are unchanged.
type offsetClock struct {
	Clock
	offset time.Duration // the other clock minus this one
}

func (c offsetClock) UnixNano(d time.Duration) int64 { return c.Clock.UnixNano(d) + int64(c.offset) }
func (c offsetClock) FromUnixNano(ts int64) time.Duration {
	return c.Clock.FromUnixNano(ts - int64(c.offset))
}
func (c offsetClock) Reading(t time.Time) time.Duration { return c.Clock.Reading(t.Add(-c.offset)) }
func (c offsetClock) Time(d time.Duration) time.Time    { return c.Clock.Time(d).Add(c.offset) }

// withOffset is c shifted by offset; c itself when offset is zero.
func withOffset(c Clock, offset time.Duration) Clock {
	if offset == 0 {
		return c
	}
	return offsetClock{Clock: c, offset: offset}
}
