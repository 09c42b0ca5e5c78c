package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

// workerCoverage is which workers of a coordinated run a transport's result
// holds: all of them (a single process, or a coordinated run's merged
// result), one worker's own share (workers/worker-N.json), or a partial
// merge without some (workers.allow_partial). Its figures count only the
// workers it holds.
type workerCoverage struct {
	held    []int // workers whose results it holds, sorted
	count   int   // workers in the run
	missing []int // the run's other workers, sorted
	partial bool  // merged without them (results.TransportResult.Partial)
}

// coverageOf reads a result's coverage from its worker records.
func coverageOf(t *results.TransportResult) workerCoverage {
	c := workerCoverage{partial: t.Partial, count: 1}
	for _, w := range t.Workers {
		if !slices.Contains(c.held, w.Index) {
			c.held = append(c.held, w.Index)
		}
		c.count = max(c.count, w.Count)
	}
	if t.Partial {
		c.count = max(c.count, len(c.held)+len(t.MissingWorkers))
	}
	slices.Sort(c.held)
	for i := range c.count {
		if !slices.Contains(c.held, i) {
			c.missing = append(c.missing, i)
		}
	}
	if len(c.held) == 0 { // no worker records (an old result): one process
		c.held, c.count, c.missing = []int{0}, 1, nil
	}
	return c
}

// whole reports whether the result holds every worker of its run.
func (c workerCoverage) whole() bool { return len(c.missing) == 0 }

// names lists worker indexes: "1", "0, 2".
func names(indexes []int) string {
	s := make([]string, len(indexes))
	for i, n := range indexes {
		s[i] = itoa(int64(n))
	}
	return strings.Join(s, ", ")
}

// who names the held workers, and the pronoun for them: "worker 1 of 2",
// "its"; "workers 0, 2 of 3", "their".
func (c workerCoverage) who() (who, their string) {
	if len(c.held) == 1 {
		return fmt.Sprintf("worker %d of %d", c.held[0], c.count), "its"
	}
	return fmt.Sprintf("workers %s of %d", names(c.held), c.count), "their"
}

// shareOf is the held workers' share of a workload's connections: "100"
// (worker i of N holds connections i·C/N up to (i+1)·C/N); "1 in 2
// connects" for churn, whose workers split the schedule's connects instead.
func (c workerCoverage) shareOf(wl results.Workload) string {
	if info, known := workload.Pattern(wl.Pattern).Info(); known && !info.Holds {
		return fmt.Sprintf("%d in %d connects", len(c.held), c.count)
	}
	n := 0
	for _, i := range c.held {
		n += (i+1)*wl.Connections/c.count - i*wl.Connections/c.count
	}
	return itoa(int64(n))
}

// connections names the connections of a workload the result covers: "200
// connections per transport" for a whole run, else whose share of them it
// is: "worker 1 of 2: its share (100) of the 200 connections per
// transport", marked PARTIAL for a partial merge.
func (c workerCoverage) connections(wl results.Workload) string {
	if c.whole() {
		return fmt.Sprintf("%d connections per transport", wl.Connections)
	}
	who, their := c.who()
	if c.partial {
		who = "PARTIAL, " + who
	}
	return fmt.Sprintf("%s: %s share (%s) of the %d connections per transport", who, their, c.shareOf(wl), wl.Connections)
}

// sliceLine says that a result is not a whole run but some of its workers'
// own results (a coordinated run's workers/worker-N.json, a --worker i/n
// run, several merged by hand), or "" for any other result: a partial
// merge has its own line.
func sliceLine(t *results.TransportResult, c workerCoverage) string {
	if c.whole() || c.partial {
		return ""
	}
	who, their := c.who()
	line := fmt.Sprintf("%s: %s only, not the whole run: %s share (%s) of the %d connections",
		t.Transport, who, their, c.shareOf(t.Workload), t.Workload.Connections)
	if info, known := workload.Pattern(t.Workload.Pattern).Info(); known && info.Publishes && t.Counters.Scheduled == 0 {
		line += ", and another worker published"
	}
	return line + "; the whole run is every worker's result merged (a coordinated run's result.json)"
}

// workerLines say, for a coordinated run, which workers are missing from a
// partial result, or that a result is only some workers' own, and how the
// workers' clocks stood to the coordinator's: offsets, their uncertainty
// and drift, and the bound they put on latency when it is not negligible
// next to it (more than a tenth of the p50).
func workerLines(t *results.TransportResult) []string {
	var lines []string
	c := coverageOf(t)
	if t.Partial {
		lines = append(lines, fmt.Sprintf("%s: PARTIAL result: worker(s) %v of %d missing (lost or not ready; workers.allow_partial): their connections and messages are not counted, so the figures describe the %d workers that reported, not the whole scenario",
			t.Transport, t.MissingWorkers, c.count, len(t.Workers)))
	}
	if line := sliceLine(t, c); line != "" {
		lines = append(lines, line)
	}
	var lo, hi, unc, drift time.Duration
	coordinated, workers, sameClock := false, 0, 0
	for _, w := range t.Workers {
		if w.Host == "" {
			continue
		}
		workers++
		if w.SameClock {
			sameClock++
		}
		off := time.Duration(w.ClockOffset)
		if !coordinated || off < lo {
			lo = off
		}
		if !coordinated || off > hi {
			hi = off
		}
		unc = max(unc, time.Duration(w.ClockUncertainty))
		drift = max(drift, time.Duration(w.ClockDrift).Abs())
		coordinated = true
	}
	if !coordinated {
		return lines
	}
	if sameClock == workers { // on the coordinator's machine: nothing to correct
		if workers == 1 {
			return append(lines, fmt.Sprintf("%s: worker %d; one clock (same machine as the coordinator): no clock offset applied", t.Transport, t.Workers[0].Index))
		}
		return append(lines, fmt.Sprintf("%s: %d workers; one clock (same machine): no clock offset applied", t.Transport, workers))
	}
	r := func(d time.Duration) time.Duration { return d.Round(100 * time.Nanosecond) } // below the measurement's noise
	line := fmt.Sprintf("%s: %d workers; clock offsets to the coordinator %s to %s, uncertainty at most ±%s",
		t.Transport, len(t.Workers), signedDuration(r(lo)), signedDuration(r(hi)), results.FormatDuration(r(unc)))
	atMost := " at most"
	if len(t.Workers) == 1 { // a worker's own result
		line = fmt.Sprintf("%s: worker %d's clock offset to the coordinator %s, uncertainty ±%s",
			t.Transport, t.Workers[0].Index, signedDuration(r(lo)), results.FormatDuration(r(unc)))
		atMost = ""
	}
	if drift > 0 { // 0: not measured again (an interrupted run)
		line += ", drift" + atMost + " " + results.FormatDuration(r(drift))
	}
	if sameClock > 0 {
		line += fmt.Sprintf(" (%d of them on the coordinator's machine: one clock, offset 0)", sameClock)
	}
	// Fan-out latency spans two workers' clocks: the publisher's stamp and
	// the receiver's arrival; echo times a round trip on one clock.
	bound := 2*unc + drift
	if p50 := t.Hist(results.HistLatency).Quantile(0.5); t.Workload.Pattern != "echo" && p50 > 0 && 10*bound > p50 {
		line += fmt.Sprintf("; latency is exact only to ±%s (clock uncertainty and drift), not negligible next to its p50 %s",
			results.FormatDuration(bound), results.FormatDuration(p50))
	}
	return append(lines, line)
}

// signedDuration formats a duration that may be negative.
func signedDuration(d time.Duration) string {
	if d < 0 {
		return "-" + results.FormatDuration(-d)
	}
	return "+" + results.FormatDuration(d)
}
