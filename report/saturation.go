package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pushbench/pushbench/results"
)

// Prefixes of the saturation reasons loadgen writes whose figure differs
// from worker to worker (loadgen/saturation.go): CPU share and timer lag.
const (
	reasonCPU      = "used "
	reasonTimerLag = "timer lag p99 "
)

// saturationKind is one reason a transport's load generators were flagged
// saturated, gathered over the workers that gave it.
type saturationKind struct {
	workers     []int
	worst       string // the reason of the worker with the worst figure
	worstWorker int
	figure      float64 // that figure (CPU percent, timer lag in seconds)
	ranked      bool    // the reason has a figure; without one every worker gave the same text
}

// saturationLines say why a transport's load generators were flagged
// saturated: one line per reason, naming the workers that gave it and, when
// several did, the worst figure and its worker ("used up to 99% (worker 2)
// of 2 cores", "timer lag p99 up to 26.1ms (worker 2) > 5ms: ..."), so a
// coordinated run of N workers does not repeat the note N times.
func saturationLines(t *results.TransportResult) []string {
	var order []string
	kinds := map[string]*saturationKind{}
	for _, g := range t.Generator {
		if !g.Saturated {
			continue
		}
		for _, reason := range g.Reasons {
			key, figure, ranked := reasonFigure(g, reason)
			k := kinds[key]
			if k == nil {
				k = &saturationKind{worst: reason, worstWorker: g.Worker, figure: figure, ranked: ranked}
				kinds[key] = k
				order = append(order, key)
			}
			if !slices.Contains(k.workers, g.Worker) {
				k.workers = append(k.workers, g.Worker)
			}
			if figure > k.figure {
				k.worst, k.worstWorker, k.figure = reason, g.Worker, figure
			}
		}
	}
	lines := make([]string, 0, len(order))
	for _, key := range order {
		k := kinds[key]
		slices.Sort(k.workers)
		if len(k.workers) == 1 {
			lines = append(lines, fmt.Sprintf("%s: load generator saturated (worker %d): %s", t.Transport, k.workers[0], k.worst))
			continue
		}
		names := make([]string, len(k.workers))
		for i, w := range k.workers {
			names[i] = itoa(int64(w))
		}
		reason := k.worst
		if k.ranked { // "timer lag p99 26.1ms > 5ms: ..." -> "timer lag p99 up to 26.1ms (worker 2) > 5ms: ..."
			figure, rest, _ := strings.Cut(strings.TrimPrefix(reason, key), " ")
			reason = fmt.Sprintf("%sup to %s (worker %d) %s", key, figure, k.worstWorker, rest)
		}
		lines = append(lines, fmt.Sprintf("%s: load generator saturated (workers %s): %s", t.Transport, strings.Join(names, ", "), reason))
	}
	return lines
}

// reasonFigure classifies one worker's reason: the key reasons of one kind
// share (their prefix, or the whole text of a reason without a figure) and
// the figure that ranks them (CPU percent, timer lag in seconds).
func reasonFigure(g results.Generator, reason string) (key string, figure float64, ranked bool) {
	switch {
	case strings.HasPrefix(reason, reasonCPU):
		return reasonCPU, g.CPUPercent, true
	case strings.HasPrefix(reason, reasonTimerLag):
		lag, _, _ := strings.Cut(strings.TrimPrefix(reason, reasonTimerLag), " ")
		if d, err := time.ParseDuration(lag); err == nil {
			return reasonTimerLag, d.Seconds(), true
		}
	}
	return reason, 0, false
}
