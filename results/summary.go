package results

import (
	"fmt"
	"sort"
	"time"
)

// formatBytes prints a byte count in KiB or MiB.
func formatBytes(b float64) string {
	switch {
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", b/(1<<10))
	}
	return fmt.Sprintf("%.0f B", b)
}

// Summary is the one-line digest of a TransportResult that tables show. It holds
// numbers only; table.go decides how they look.
type Summary struct {
	Transport   string
	Pattern     string
	Ready       int64
	Failed      int64
	Dropped     int64
	ConnectP50  time.Duration
	ConnectP99  time.Duration
	LatencyP50  time.Duration
	LatencyP90  time.Duration
	LatencyP99  time.Duration
	LatencyP999 time.Duration
	LatencyMax  time.Duration
	PerSecond   float64 // measured deliveries (or echo replies) per second
	Lost        int64
	LossRatio   float64
	Duplicated  int64
	OutOfOrder  int64
	Errors      int64
	Saturated   bool
}

// TableLegend explains the summary table's columns; print it with the table.
const TableLegend = "Latency columns (p50..max) are delivery latency for fanout and round-trip time for echo, " +
	"measured from each message's scheduled send time; lost messages are counted apart, never as latency. " +
	"\"*\" marks a saturated load generator: its numbers describe the generator, not the server."

// Summarize computes the Summary of r.
func Summarize(r *TransportResult) Summary {
	c := r.Counters
	conn, lat := r.Hist(HistConnect), r.Hist(HistLatency)
	s := Summary{
		Transport:   r.Transport,
		Pattern:     r.Workload.Pattern,
		Ready:       c.ConnReady,
		Failed:      c.ConnFailed,
		Dropped:     c.ConnDropped,
		ConnectP50:  conn.Quantile(0.50),
		ConnectP99:  conn.Quantile(0.99),
		LatencyP50:  lat.Quantile(0.50),
		LatencyP90:  lat.Quantile(0.90),
		LatencyP99:  lat.Quantile(0.99),
		LatencyP999: lat.Quantile(0.999),
		LatencyMax:  lat.Max(),
		Lost:        c.Lost,
		Duplicated:  c.Duplicated,
		OutOfOrder:  c.OutOfOrder,
		Errors:      r.ErrorCount(),
		Saturated:   r.Saturated(),
	}
	if d := time.Duration(r.Workload.Duration); d > 0 {
		s.PerSecond = float64(c.Received) / d.Seconds()
	}
	if c.Expected > 0 {
		s.LossRatio = float64(c.Lost) / float64(c.Expected)
	}
	return s
}

// SummarizeRun summarizes every transport of a run, in run order.
func SummarizeRun(run *Run) []Summary {
	out := make([]Summary, 0, len(run.Transports))
	for _, t := range run.Transports {
		out = append(out, Summarize(t))
	}
	return out
}

// ErrorLines lists what a report shows under its table: "transport: class:
// count (first: ...)" for every error class, sorted; what holding connections
// cost (idle); and why a load generator was flagged saturated.
func ErrorLines(run *Run) []string {
	var lines []string
	for _, t := range run.Transports {
		classes := make([]string, 0, len(t.Errors))
		for c := range t.Errors {
			classes = append(classes, c)
		}
		sort.Strings(classes)
		for _, c := range classes {
			e := t.Errors[c]
			lines = append(lines, t.Transport+": "+c+": "+itoa(e.Count)+" (first: "+e.First+")")
		}
		if t.Workload.Pattern == "churn" {
			secs := time.Duration(t.Workload.Duration).Seconds()
			lines = append(lines, fmt.Sprintf("%s: churn: %d of %d scheduled connects completed, %.1f/s (connect columns time each from its scheduled start)",
				t.Transport, t.Counters.ConnReady, t.Counters.ConnAttempted, float64(t.Counters.ConnReady)/secs))
		}
		for _, res := range t.Resources {
			line := fmt.Sprintf("%s: held %d connections; generator RSS %s", t.Transport, res.Held, formatBytes(float64(res.GeneratorRSS)))
			if res.ServerRSSHeld > 0 {
				line += fmt.Sprintf("; server RSS %s -> %s, %s per connection", formatBytes(float64(res.ServerRSSBefore)),
					formatBytes(float64(res.ServerRSSHeld)), formatBytes(res.ServerBytesPerConn()))
			}
			lines = append(lines, line)
		}
		for _, g := range t.Generator {
			if g.Saturated {
				for _, reason := range g.Reasons {
					lines = append(lines, t.Transport+": load generator saturated (worker "+itoa(int64(g.Worker))+"): "+reason)
				}
			}
		}
	}
	return lines
}
