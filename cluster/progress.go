package cluster

import (
	"time"

	"github.com/pushbench/pushbench/loadgen"
)

// phaseRank orders loadgen's phases, so the combined line shows the phase
// the slowest worker is in; ok is false for a phase it does not know.
func phaseRank(phase string) (rank int, ok bool) {
	switch phase {
	case loadgen.PhaseConnecting:
		return 0, true
	case loadgen.PhaseWarmup:
		return 1, true
	case loadgen.PhaseMeasuring:
		return 2, true
	case loadgen.PhaseDraining:
		return 3, true
	}
	return 0, false
}

// reportProgress hands progress one snapshot of the whole job: counts and
// latency buckets summed over the workers' latest snapshots, the phase and
// elapsed time of the slowest, and the highest p99 (an upper bound of the
// merged one, which only the merged histogram at the end gives exactly).
func (c *Coordinator) reportProgress(j *jobState, progress func(loadgen.Progress)) {
	if progress == nil {
		return
	}
	c.mu.Lock()
	var snaps []Progress
	for _, m := range j.active() {
		if m.progress != nil && m.progress.Job == j.id {
			snaps = append(snaps, *m.progress)
		}
	}
	c.mu.Unlock()
	if p, ok := combineProgress(j.transport, snaps); ok {
		progress(p)
	}
}

// combineProgress sums workers' snapshots into one; ok is false without any.
func combineProgress(transport string, snaps []Progress) (loadgen.Progress, bool) {
	if len(snaps) == 0 {
		return loadgen.Progress{}, false
	}
	out := loadgen.Progress{Transport: transport, Phase: snaps[0].Phase, Elapsed: snaps[0].Elapsed, Total: snaps[0].Total}
	for _, s := range snaps {
		r, ok := phaseRank(s.Phase)
		cur, _ := phaseRank(out.Phase)
		if ok && (r < cur || r == cur && s.Elapsed < out.Elapsed) {
			out.Phase, out.Elapsed, out.Total = s.Phase, s.Elapsed, s.Total
		}
		out.Ready += s.Ready
		out.Failed += s.Failed
		out.Received += s.Received
		out.PerSecond += s.PerSecond
		out.Scheduled = out.Scheduled || s.Scheduled
		out.Missing += s.Missing
		out.P99 = max(out.P99, s.P99)
		out.Open += s.Open
		out.Attempted += s.Attempted
		out.Dropped += s.Dropped
		out.Ended += s.Ended
		out.Reconnects += s.Reconnects
		out.Sent += s.Sent
		if s.Latency != nil {
			if out.LatencyBuckets == nil {
				out.LatencyBuckets = &loadgen.LatencyBuckets{}
			}
			out.LatencyBuckets.Add(*s.Latency)
		}
	}
	return out, true
}

// progressMessage is a worker's snapshot for the wire: its latency
// histogram goes in the live metrics' buckets (nil before the plan is set).
func progressMessage(job int, p loadgen.Progress) *Progress {
	var latency *loadgen.LatencyBuckets
	if p.Latency != nil {
		b := loadgen.NewLatencyBuckets(p.Latency)
		latency = &b
	}
	return &Progress{Latency: latency, Job: job, Phase: p.Phase, Elapsed: p.Elapsed.Round(time.Millisecond), Total: p.Total, Ready: p.Ready, Failed: p.Failed,
		Received: p.Received, PerSecond: p.PerSecond, Scheduled: p.Scheduled, Missing: p.Missing, P99: p.P99,
		Open: p.Open, Attempted: p.Attempted, Dropped: p.Dropped, Ended: p.Ended, Reconnects: p.Reconnects, Sent: p.Sent}
}
