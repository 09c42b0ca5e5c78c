package loadgen

import (
	"context"
	"sync"
	"time"

	"github.com/pushbench/pushbench/results"
)

// Action is something done to the target at a fixed point of the run's
// timeline, such as a fault injected at t=5s. At is the offset from the start
// of the measured window (negative values fall in the warm-up).
type Action struct {
	At   time.Duration
	Name string
	Do   func(ctx context.Context) error
}

// runTimeline runs each action when the clock reaches windowStart+At, each in
// its own goroutine so a slow one does not delay the next, and returns what
// happened once all have ended or ctx ends. Actions due after ctx ends are
// recorded as skipped.
func runTimeline(ctx context.Context, clock Clock, windowStart time.Duration, actions []Action) []results.Event {
	events := make([]results.Event, len(actions))
	var wg sync.WaitGroup
	for i, a := range actions {
		events[i] = results.Event{Name: a.Name, At: results.Duration(a.At)}
		wg.Add(1)
		go func(ev *results.Event) {
			defer wg.Done()
			if !clock.SleepUntil(ctx, windowStart+a.At) {
				ev.Error = "skipped: the run ended first"
				return
			}
			started := clock.Now()
			ev.Late = results.Duration(started - (windowStart + a.At))
			if err := a.Do(ctx); err != nil {
				ev.Error = err.Error()
			}
			ev.Took = results.Duration(clock.Now() - started)
		}(&events[i])
	}
	wg.Wait()
	return events
}
