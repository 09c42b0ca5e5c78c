package loadgen

import (
	"context"

	"github.com/pushbench/pushbench/results"
)

// idle holds the connections for the measured window and sends nothing; what
// holding them costs is read by the runner's meter (resources.go), as for
// every pattern that holds connections.
type idle struct{}

func (idle) prepare(context.Context, *run) error { return nil }

func (idle) drive(ctx context.Context, r *run) { r.clock.SleepUntil(ctx, r.sched.windowEnd) }

func (idle) collect(_ *run, res *results.TransportResult) { res.Counters.Scheduled = 0 }

func (idle) close() {}
