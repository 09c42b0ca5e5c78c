package loadgen

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/pushbench/pushbench/results"
)

// Progress is a snapshot of a running transport for a live progress line.
type Progress struct {
	Transport string
	Phase     string        // connecting, warm-up, measuring, draining
	Elapsed   time.Duration // into the current phase: the warm-up, then the measured window
	Total     time.Duration // that phase's length
	Ready     int64
	Failed    int64
	Received  int64         // measured messages so far
	PerSecond float64       // measured messages in the last second
	Scheduled bool          // the pattern owes every connection the schedule's messages
	Missing   int64         // scheduled patterns: messages due over a second ago not yet received
	P99       time.Duration // latency so far; 0 before the first sample

	// What the progress line does not show, for live metrics (Metrics):
	// held connections open now, connection totals, successful redials (the reconnect histogram's
	// samples), measured sends handed to the transport, failed writes
	// included (send_lag's samples), and a merged copy of the latency
	// samples so far (nil before the plan is set).
	Open                      int64
	Attempted, Dropped, Ended int64
	Reconnects, Sent          int64
	Latency                   *results.Histogram
	// LatencyBuckets stands in for a nil Latency in a snapshot that crossed
	// the wire: a coordinator's combined snapshot carries the sum of its
	// workers' buckets (exactly those of their merged histogram), not their
	// HdrHistograms.
	LatencyBuckets *LatencyBuckets
}

// latencyBuckets is the snapshot's latency in the live metrics' buckets:
// Latency's when set, else LatencyBuckets (empty when neither is).
func (p Progress) latencyBuckets() LatencyBuckets {
	if p.Latency == nil && p.LatencyBuckets != nil {
		return *p.LatencyBuckets
	}
	return NewLatencyBuckets(p.Latency)
}

// Phases a run reports.
const (
	PhaseConnecting = "connecting"
	PhaseWarmup     = "warm-up"
	PhaseMeasuring  = "measuring"
	PhaseDraining   = "draining"
)

// phase holds the runner's current phase for the progress reporter.
type phase struct{ v atomic.Value }

func (p *phase) set(s string) { p.v.Store(s) }
func (p *phase) get() string {
	if s, ok := p.v.Load().(string); ok {
		return s
	}
	return PhaseConnecting
}

// reportProgress calls report once a second until ctx ends.
func (r *run) reportProgress(ctx context.Context, report func(Progress)) {
	var last int64
	for next := r.clock.Now() + time.Second; r.clock.SleepUntil(ctx, next); next += time.Second {
		p := r.progress()
		p.PerSecond = float64(p.Received - last)
		last = p.Received
		report(p)
	}
}

// progress takes a snapshot. The plan fields are read only once the plan is
// set (planned is closed).
func (r *run) progress() Progress {
	p := Progress{Transport: string(r.cfg.Transport), Phase: r.phase.get(), Total: time.Duration(r.cfg.Workload.Duration),
		Ready: r.ready.Load(), Failed: r.failed.Load(), Attempted: r.attempted.Load(), Dropped: r.dropped.Load(), Ended: r.ended.Load()}
	info, _ := r.cfg.Workload.Pattern.Info()
	if info.Holds {
		p.Open = max(p.Ready-p.Dropped-p.Ended, 0)
	}
	select {
	case <-r.planned:
	default:
		return p
	}
	now := r.clock.Now()
	if warmup := r.sched.windowStart - r.sched.pacer.Start; now < r.sched.windowStart && warmup > 0 {
		p.Elapsed, p.Total = min(max(now-r.sched.pacer.Start, 0), warmup), warmup
	} else {
		p.Elapsed = min(max(now-r.sched.windowStart, 0), p.Total)
	}
	lat, received := r.rec.snapshot(results.HistLatency)
	p.Received, p.Latency = received, lat
	sendLag, _ := r.rec.snapshot(results.HistSendLag)
	p.Sent = sendLag.Count()
	if r.cfg.Workload.Reconnect != nil {
		redials, _ := r.rec.snapshot(results.HistReconnect)
		p.Reconnects = redials.Count()
	}
	if info.Holds {
		p.Open = max(p.Ready+p.Reconnects-p.Dropped-p.Ended, 0)
	}
	if lat.Count() > 0 {
		p.P99 = lat.Quantile(0.99)
	}
	p.Scheduled = r.expected > 0
	if r.expected > 0 {
		due := r.sched.pacer.CountBefore(now-time.Second) - r.sched.first
		due = min(max(due, 0), r.sched.measured)
		p.Missing = max(due*p.Ready-received, 0)
	}
	return p
}
