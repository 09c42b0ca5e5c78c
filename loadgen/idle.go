package loadgen

import (
	"context"

	"github.com/pushbench/pushbench/results"
)

// idle holds the connections for the measured window and reads what holding
// them costs in its middle, once every connection has settled.
type idle struct {
	held *results.Resources
}

func (i *idle) prepare(context.Context, *run) error {
	return nil
}

func (i *idle) drive(ctx context.Context, r *run) {
	s := r.sched
	if !r.clock.SleepUntil(ctx, s.windowStart+(s.windowEnd-s.windowStart)/2) {
		return
	}
	i.held = &results.Resources{Worker: r.cfg.Worker.Index, Held: r.ready.Load() - r.dropped.Load(),
		GeneratorRSS: rssOf(-1), ServerRSSBefore: r.serverRSSBefore, ServerRSSHeld: rssOf(r.cfg.serverPID())}
	r.clock.SleepUntil(ctx, s.windowEnd)
}

func (i *idle) collect(r *run, res *results.TransportResult) {
	res.Counters.Scheduled = 0
	if i.held != nil {
		res.Resources = []results.Resources{*i.held}
	}
}

func (i *idle) close() {}
