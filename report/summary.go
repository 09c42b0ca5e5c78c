package report

import (
	"slices"
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

	// HasResources: the result records what the run cost (Res), read by the
	// generator; Res's OK flags say which server figures it could read.
	HasResources bool
	Res          results.ResourceTotals
	// TCP: the run has a tcp row, the floor the other transports are
	// measured against. P99xTCP and ServerCPUxTCP are this row's p99 and
	// server CPU per delivery as multiples of tcp's (0: not known).
	TCP           bool
	P99xTCP       float64
	ServerCPUxTCP float64

	// Workers are the indexes of the coordinated run's workers whose
	// results the row holds, of WorkerCount; MissingWorkers the others. A
	// single process, or a whole coordinated run, holds them all; a
	// worker's own result (workers/worker-N.json) one; a Partial merge
	// (workers.allow_partial) lacks those that were lost.
	Workers        []int
	WorkerCount    int
	MissingWorkers []int
	Partial        bool
}

// TCPTransport is the transport whose row, when a run has one, the others
// are compared with in the "× tcp" column: plain TCP, the cost floor.
const TCPTransport = "tcp"

// TableLegend explains the summary table's columns; print it with the table.
const TableLegend = "Latency columns (p50..max) are delivery latency for fanout and round-trip time for echo, " +
	"measured from each message's scheduled send time\n(for listen, from the message's own timestamp, when --timestamp names it); " +
	"lost messages are counted apart, never as latency.\n" +
	"\"*\" marks a saturated load generator: its numbers describe the generator, not the server.\n" +
	"cpu µs/msg: server/generator CPU microseconds (user+sys) per message delivered in the measured window (echo: per\n" +
	"round trip; the server's when it is a local process); × tcp: p99/server CPU per delivery as multiples of the tcp row's."

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
	s.Res, s.HasResources = r.ResourceTotals()
	cov := coverageOf(r)
	s.Workers, s.WorkerCount, s.MissingWorkers, s.Partial = cov.held, cov.count, cov.missing, cov.partial
	return s
}

// WholeRun reports whether the row holds every worker of its run.
func (s Summary) WholeRun() bool { return len(s.MissingWorkers) == 0 }

// ServerMicros is the server's CPU microseconds per delivery, when known.
func (s Summary) ServerMicros() (float64, bool) { return s.Res.ServerMicrosPerDelivery() }

// GeneratorMicros is the generator's CPU microseconds per delivery, when known.
func (s Summary) GeneratorMicros() (float64, bool) { return s.Res.GeneratorMicrosPerDelivery() }

// hasMessages reports whether messages were expected or received at all: a
// pattern that delivers nothing (idle, churn) has no throughput to show.
func (s Summary) hasMessages() bool { return s.Expected > 0 || s.Received > 0 }

// SummarizeRun summarizes every transport of a run, in run order, and when
// the run has a tcp row, measures every row against it (CompareToTCP).
func SummarizeRun(run *results.Run) []Summary {
	out := make([]Summary, 0, len(run.Transports))
	for _, t := range run.Transports {
		out = append(out, Summarize(t))
	}
	CompareToTCP(out)
	return out
}

// CompareToTCP sets each row's p99 and server CPU per delivery as multiples
// of the tcp row's, when rows has one; a figure either row lacks stays 0.
func CompareToTCP(rows []Summary) {
	i := slices.IndexFunc(rows, func(s Summary) bool { return s.Transport == TCPTransport })
	if i < 0 {
		return
	}
	tcp := rows[i]
	tcpCPU, tcpCPUOK := tcp.ServerMicros()
	for j := range rows {
		s := &rows[j]
		s.TCP = true
		if s.LatencySamples > 0 && tcp.LatencySamples > 0 && tcp.LatencyP99 > 0 {
			s.P99xTCP = float64(s.LatencyP99) / float64(tcp.LatencyP99)
		}
		if cpu, ok := s.ServerMicros(); ok && tcpCPUOK && tcpCPU > 0 {
			s.ServerCPUxTCP = cpu / tcpCPU
		}
	}
}
