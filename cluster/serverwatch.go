package cluster

import (
	"context"
	"time"

	"github.com/pushbench/pushbench/loadgen"
)

// serverWatch reads the server's processes at the milestones of the plan
// the coordinator handed out, on the coordinator's own clock: the start of
// the measured window (plan start + warm-up), its middle (memory and
// goroutines, when the pattern holds connections) and its end. A run
// interrupted inside the window ends the window there, as a single
// process's run does.
type serverWatch struct {
	meter  *loadgen.ServerMeter
	cancel context.CancelFunc
	done   chan struct{}
}

// watchServer starts reading meter (nil: nothing to read) over plan's
// window; now is the coordinator's clock.
func watchServer(ctx context.Context, meter *loadgen.ServerMeter, plan loadgen.Plan, holds bool, now func() time.Time) *serverWatch {
	w := &serverWatch{meter: meter, done: make(chan struct{})}
	if meter == nil {
		close(w.done)
		w.cancel = func() {}
		return w
	}
	ctx, w.cancel = context.WithCancel(ctx)
	start := plan.Start.Add(plan.Warmup)
	go func() {
		defer close(w.done)
		if !sleepUntil(ctx, now, start) {
			return
		}
		meter.StartWindow()
		defer meter.EndWindow() // at its end, or where the run was cut short
		if holds && sleepUntil(ctx, now, start.Add(plan.Duration/2)) {
			meter.Hold(ctx)
		}
		sleepUntil(ctx, now, start.Add(plan.Duration))
	}()
	return w
}

// stop ends the watch (a window still open ends now) and waits for it.
func (w *serverWatch) stop() {
	w.cancel()
	<-w.done
}

// sleepUntil waits until the instant at on clock now; false when ctx ended
// first.
func sleepUntil(ctx context.Context, now func() time.Time, at time.Time) bool {
	t := time.NewTimer(at.Sub(now()))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
