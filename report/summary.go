package report

import (
	"time"

	"github.com/pushbench/pushbench/results"
)

// Summary is the one-line digest of a TransportResult that tables show. It holds
// numbers only; table.go and csv.go decide how they look. The sample counts say
// whether a statistic exists at all: an empty histogram has no p50, and a
// table must show that as "—", never as 0.
type Summary struct {
	Transport      string
	Pattern        string
	Ready          int64
	Failed         int64
	Dropped        int64
	ConnectSamples int64 // connect histogram count; 0: no connect statistics
	LatencySamples int64 // latency histogram count; 0: no latency statistics
	Expected       int64 // messages expected; 0: loss is not known
	Received       int64
	ConnectP50     time.Duration
	ConnectP99     time.Duration
	LatencyP50     time.Duration
	LatencyP90     time.Duration
	LatencyP99     time.Duration
	LatencyP999    time.Duration
	LatencyMax     time.Duration
	PerSecond      float64 // measured deliveries (or echo replies) per second
	Lost           int64
	LossRatio      float64
	Duplicated     int64
	OutOfOrder     int64
	Errors         int64
	Saturated      bool
	// Reconnecting: the run had a reconnect policy, or counted reconnects;
	// the reconnect figures below are shown only then.
	Reconnecting        bool
	Reconnects          int64
	ReconnectFailed     int64
	LostAcrossReconnect int64
	ResumeGaps          int64
	ReconnectSamples    int64 // reconnect histogram count
	ReconnectP50        time.Duration
	ReconnectP99        time.Duration
}

// TableLegend explains the summary table's columns; print it with the table.
const TableLegend = "Latency columns (p50..max) are delivery latency for fanout and round-trip time for echo, " +
	"measured from each message's scheduled send time\n(for listen, from the message's own timestamp, when --timestamp names it); " +
	"lost messages are counted apart, never as latency.\n" +
	"\"*\" marks a saturated load generator: its numbers describe the generator, not the server."

// Summarize computes the Summary of r.
func Summarize(r *results.TransportResult) Summary {
	c := r.Counters
	conn, lat := r.Hist(results.HistConnect), r.Hist(results.HistLatency)
	s := Summary{
		Transport:      r.Transport,
		Pattern:        r.Workload.Pattern,
		Ready:          c.ConnReady,
		Failed:         c.ConnFailed,
		Dropped:        c.ConnDropped,
		ConnectSamples: conn.Count(),
		LatencySamples: lat.Count(),
		Expected:       c.Expected,
		Received:       c.Received,
		ConnectP50:     conn.Quantile(0.50),
		ConnectP99:     conn.Quantile(0.99),
		LatencyP50:     lat.Quantile(0.50),
		LatencyP90:     lat.Quantile(0.90),
		LatencyP99:     lat.Quantile(0.99),
		LatencyP999:    lat.Quantile(0.999),
		LatencyMax:     lat.Max(),
		Lost:           c.Lost,
		Duplicated:     c.Duplicated,
		OutOfOrder:     c.OutOfOrder,
		Errors:         r.ErrorCount(),
		Saturated:      r.Saturated(),
	}
	rc := r.Hist(results.HistReconnect)
	s.Reconnects, s.ReconnectFailed, s.LostAcrossReconnect, s.ResumeGaps = c.Reconnects, c.ReconnectFailed, c.LostAcrossReconnect, c.ResumeGaps
	s.ReconnectSamples, s.ReconnectP50, s.ReconnectP99 = rc.Count(), rc.Quantile(0.50), rc.Quantile(0.99)
	s.Reconnecting = r.Workload.Reconnect != nil || c.Reconnects+c.ReconnectFailed+c.LostAcrossReconnect+c.ResumeGaps > 0
	if secs := r.MeasuredSeconds(); secs > 0 {
		s.PerSecond = float64(c.Received) / secs
	}
	if c.Expected > 0 {
		s.LossRatio = float64(c.Lost) / float64(c.Expected)
	}
	return s
}

// hasMessages reports whether messages were expected or received at all: a
// pattern that delivers nothing (idle, churn) has no throughput to show.
func (s Summary) hasMessages() bool { return s.Expected > 0 || s.Received > 0 }

// SummarizeRun summarizes every transport of a run, in run order.
func SummarizeRun(run *results.Run) []Summary {
	out := make([]Summary, 0, len(run.Transports))
	for _, t := range run.Transports {
		out = append(out, Summarize(t))
	}
	return out
}
