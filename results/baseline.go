package results

import (
	"errors"
	"fmt"
)

// Usage is what a process holds at one moment: open file descriptors,
// goroutines (the generator only; 0 when unknown) and resident memory.
type Usage struct {
	FDs        int64 `json:"fds"`
	Goroutines int64 `json:"goroutines,omitempty"`
	RSS        int64 `json:"rss_bytes"`
}

// Baseline is a run's leak check (workload baseline_check): what the
// generator and, when it ran on this machine, the server held before the
// run and after every connection closed and Settled time passed. A soak run
// is trusted only if After returns to Before within a stated margin.
type Baseline struct {
	Worker          int      `json:"worker"`
	Settled         Duration `json:"settled"`
	GeneratorBefore Usage    `json:"generator_before"`
	GeneratorAfter  Usage    `json:"generator_after"`
	ServerBefore    *Usage   `json:"server_before,omitempty"`
	ServerAfter     *Usage   `json:"server_after,omitempty"`
	// ServerNote says why the server was not compared, when it was not.
	ServerNote string `json:"server_note,omitempty"`
}

// ErrNotMeasured reports a leak-check metric the run's check could not read
// (the server not local, or restarted during the run). It fails a threshold
// even under "all": the check was asked for and did not happen.
var ErrNotMeasured = errors.New("not measured")

// growth is how far after stayed above before, never negative: a process
// that ends below its baseline left nothing behind.
func growth(before, after int64) int64 { return max(after-before, 0) }

// baselineMetrics are the leak-check metrics: growth from before the run to
// after it, the largest over workers.
var baselineMetrics = map[string]func(Baseline) (int64, bool){
	"generator_fd_growth": func(b Baseline) (int64, bool) { return growth(b.GeneratorBefore.FDs, b.GeneratorAfter.FDs), true },
	"generator_goroutine_growth": func(b Baseline) (int64, bool) {
		return growth(b.GeneratorBefore.Goroutines, b.GeneratorAfter.Goroutines), true
	},
	"generator_rss_growth": func(b Baseline) (int64, bool) { return growth(b.GeneratorBefore.RSS, b.GeneratorAfter.RSS), true },
	"server_fd_growth": func(b Baseline) (int64, bool) {
		if b.ServerBefore == nil || b.ServerAfter == nil {
			return 0, false
		}
		return growth(b.ServerBefore.FDs, b.ServerAfter.FDs), true
	},
	"server_goroutine_growth": func(b Baseline) (int64, bool) {
		if b.ServerBefore == nil || b.ServerAfter == nil || b.ServerBefore.Goroutines == 0 {
			return 0, false
		}
		return growth(b.ServerBefore.Goroutines, b.ServerAfter.Goroutines), true
	},
	"server_rss_growth": func(b Baseline) (int64, bool) {
		if b.ServerBefore == nil || b.ServerAfter == nil {
			return 0, false
		}
		return growth(b.ServerBefore.RSS, b.ServerAfter.RSS), true
	},
}

// baselineValue is a leak-check metric of r: the largest growth over the
// workers that measured it; ErrNotRecorded when the run did no check, and
// ErrNotMeasured when no worker could read the server.
func baselineValue(r *TransportResult, name string) (float64, error) {
	if len(r.Baseline) == 0 {
		return 0, ErrNotRecorded
	}
	f := baselineMetrics[name]
	var v int64
	found, note := false, ""
	for _, b := range r.Baseline {
		if g, ok := f(b); ok {
			v, found = max(v, g), true
		} else if note == "" {
			note = b.ServerNote
		}
	}
	if !found {
		return 0, fmt.Errorf("%w: %s", ErrNotMeasured, note)
	}
	return float64(v), nil
}
