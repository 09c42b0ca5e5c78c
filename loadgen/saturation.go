package loadgen

import (
	"context"
	"fmt"
	"runtime"
	"syscall"
	"time"

	"github.com/pushbench/pushbench/results"
)

// Saturation thresholds: past either, the load generator itself is the
// bottleneck and its numbers describe it rather than the server.
const (
	saturatedCPU      = 0.90                  // share of all cores used by this process
	saturatedTimerLag = 5 * time.Millisecond  // p99 oversleep of a 10 ms timer
	timerProbeEvery   = 10 * time.Millisecond // how often the probe sleeps
)

// cpuTime is this process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// probeTimerLag sleeps in a loop until ctx ends and records how late each
// wake-up was: when goroutines are not scheduled on time, receive stamps are
// late too.
func probeTimerLag(ctx context.Context, clock Clock, h *results.Histogram) {
	for {
		want := clock.Now() + timerProbeEvery
		if !clock.SleepUntil(ctx, want) {
			return
		}
		h.Record(clock.Now() - want)
	}
}

// judge builds the Generator record from CPU use over a wall-clock span and the
// timer-lag histogram.
func judge(worker int, cpu, wall time.Duration, timerLag *results.Histogram) results.Generator {
	g := results.Generator{Worker: worker, Cores: runtime.NumCPU()}
	if wall > 0 {
		g.CPUPercent = 100 * cpu.Seconds() / (wall.Seconds() * float64(g.Cores))
	}
	if g.CPUPercent >= 100*saturatedCPU {
		g.Saturated = true
		g.Reasons = append(g.Reasons, fmt.Sprintf("used %.0f%% of %d cores", g.CPUPercent, g.Cores))
	}
	if lag := timerLag.Quantile(0.99); lag > saturatedTimerLag {
		g.Saturated = true
		g.Reasons = append(g.Reasons, fmt.Sprintf("timer lag p99 %s > %s: its goroutines were not scheduled on time "+
			"(it used %.0f%% of %d cores; the rest of the host's CPU was busy, e.g. with a server on the same machine), "+
			"so receive stamps may be late by as much", results.FormatDuration(lag), saturatedTimerLag, g.CPUPercent, g.Cores))
	}
	return g
}
