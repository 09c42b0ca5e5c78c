package report

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
)

// lagReason is a timer-lag reason as loadgen writes it.
func lagReason(lag time.Duration, cpu float64) string {
	return fmt.Sprintf("timer lag p99 %s > 5ms: its goroutines were not scheduled on time (it used %.0f%% of 2 cores; "+
		"the rest of the host's CPU was busy, e.g. with a server on the same machine), so receive stamps may be late by as much",
		results.FormatDuration(lag), cpu)
}

// TestSaturationLines: the note says each reason once per transport,
// naming the workers and, when several gave it, the worst figure and its
// worker; a single process reads as before.
func TestSaturationLines(t *testing.T) {
	lag := func(w int, d time.Duration, cpu float64) results.Generator {
		return results.Generator{Worker: w, Cores: 2, CPUPercent: cpu, Saturated: true, Reasons: []string{lagReason(d, cpu)}}
	}
	for _, tc := range []struct {
		name string
		gens []results.Generator
		want []string
	}{
		{"one process", []results.Generator{{Cores: 2, CPUPercent: 97, Saturated: true, Reasons: []string{"used 97% of 2 cores"}}},
			[]string{"ws: load generator saturated (worker 0): used 97% of 2 cores"}},
		{"none saturated", []results.Generator{{Worker: 0, CPUPercent: 40}, {Worker: 1, CPUPercent: 50}}, []string{}},
		{"three workers, timer lag", []results.Generator{lag(0, 12*time.Millisecond, 40), lag(1, 26100*time.Microsecond, 45), lag(2, 8*time.Millisecond, 30)},
			[]string{"ws: load generator saturated (workers 0, 1, 2): timer lag p99 up to 26.1ms (worker 1) > 5ms: its goroutines were not scheduled on time " +
				"(it used 45% of 2 cores; the rest of the host's CPU was busy, e.g. with a server on the same machine), so receive stamps may be late by as much"}},
		{"one of three saturated", []results.Generator{{Worker: 0, CPUPercent: 40}, lag(1, 9*time.Millisecond, 50), {Worker: 2, CPUPercent: 41}},
			[]string{"ws: load generator saturated (worker 1): " + lagReason(9*time.Millisecond, 50)}},
		{"CPU on two, lag on three", []results.Generator{
			{Worker: 0, Cores: 2, CPUPercent: 97, Saturated: true, Reasons: []string{"used 97% of 2 cores", lagReason(30*time.Millisecond, 97)}},
			lag(1, 6*time.Millisecond, 60),
			{Worker: 2, Cores: 2, CPUPercent: 99, Saturated: true, Reasons: []string{"used 99% of 2 cores", lagReason(7*time.Millisecond, 99)}},
		}, []string{
			"ws: load generator saturated (workers 0, 2): used up to 99% (worker 2) of 2 cores",
			"ws: load generator saturated (workers 0, 1, 2): timer lag p99 up to 30.0ms (worker 0) > 5ms: its goroutines were not scheduled on time " +
				"(it used 97% of 2 cores; the rest of the host's CPU was busy, e.g. with a server on the same machine), so receive stamps may be late by as much",
		}},
		{"other reasons: the same text once, different texts apart", []results.Generator{
			{Worker: 1, Saturated: true, Reasons: []string{"some new reason", "timer lag p99 soon > 5ms"}},
			{Worker: 0, Saturated: true, Reasons: []string{"some new reason", "another"}},
		}, []string{
			"ws: load generator saturated (workers 0, 1): some new reason",
			"ws: load generator saturated (worker 1): timer lag p99 soon > 5ms",
			"ws: load generator saturated (worker 0): another",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := saturationLines(&results.TransportResult{Transport: "ws", Generator: tc.gens})
			if !slices.Equal(got, tc.want) {
				t.Fatalf("lines:\n%q\nwant:\n%q", got, tc.want)
			}
		})
	}
}
