package results

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Unit says how a metric's value is measured and written.
type Unit int

// Metric units. Durations are in nanoseconds, ratios are fractions (0.01 is
// 1%), rates are per second, sizes in bytes.
const (
	UnitCount Unit = iota
	UnitDuration
	UnitRatio
	UnitRate
	UnitBytes
)

// counterMetrics are the metrics that are not histogram statistics.
var counterMetrics = map[string]Unit{
	"conn_attempted": UnitCount, "conn_ready": UnitCount, "conn_failed": UnitCount, "conn_dropped": UnitCount, "conn_ended": UnitCount,
	"scheduled": UnitCount, "sent": UnitCount, "send_errors": UnitCount, "expected": UnitCount,
	"received": UnitCount, "lost": UnitCount, "duplicated": UnitCount, "out_of_order": UnitCount,
	"errors": UnitCount, "loss_ratio": UnitRatio, "error_rate": UnitRatio,
	"throughput": UnitRate, "conn_rate": UnitRate,
	"server_rss_per_conn": UnitBytes, "generator_rss_per_conn": UnitBytes, "generator_rss": UnitBytes,
	"server_cpu_per_delivery": UnitDuration, "generator_cpu_per_delivery": UnitDuration,
	"generator_fd_growth": UnitCount, "generator_goroutine_growth": UnitCount, "generator_rss_growth": UnitBytes,
	"server_fd_growth": UnitCount, "server_goroutine_growth": UnitCount, "server_rss_growth": UnitBytes,
	"reconnects": UnitCount, "reconnect_failed": UnitCount, "lost_across_reconnect": UnitCount, "resume_gaps": UnitCount,
	"lost_while_connected": UnitCount,
}

// histogramStats are the statistics of a histogram metric besides pNN.
var histogramStats = []string{"min", "max", "mean", "count"}

// MetricNames lists the counter metrics, for documentation and errors.
func MetricNames() []string {
	var names []string
	for n := range counterMetrics {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// ParseMetric checks a metric name and returns its unit. A metric is a counter
// name (lost, loss_ratio, throughput, ...) or HISTOGRAM.STAT, where STAT is
// pNN (p50, p99, p99.9, ...), min, max, mean or count.
func ParseMetric(name string) (Unit, error) {
	if u, ok := counterMetrics[name]; ok {
		return u, nil
	}
	hist, stat, ok := strings.Cut(name, ".")
	if !ok || hist == "" {
		return 0, fmt.Errorf("unknown metric %q: want a counter (%s) or HISTOGRAM.STAT such as latency.p99", name, strings.Join(MetricNames(), ", "))
	}
	if _, err := quantileOf(stat); err == nil {
		return UnitDuration, nil
	}
	switch stat {
	case "count":
		return UnitCount, nil
	case "min", "max", "mean":
		return UnitDuration, nil
	}
	return 0, fmt.Errorf("metric %q: statistic %q: want pNN (p50, p99.9, ...), %s", name, stat, strings.Join(histogramStats, ", "))
}

// quantileOf parses "p99.9" as 0.999.
func quantileOf(stat string) (float64, error) {
	rest, ok := strings.CutPrefix(stat, "p")
	if !ok {
		return 0, fmt.Errorf("not a percentile")
	}
	v, err := strconv.ParseFloat(rest, 64)
	if err != nil || v < 0 || v > 100 {
		return 0, fmt.Errorf("percentile %q out of 0..100", stat)
	}
	return v / 100, nil
}

// ErrNotRecorded reports a histogram metric the transport does not record at
// all (a Socket.IO connect phase on SSE, say).
var ErrNotRecorded = fmt.Errorf("not recorded for this transport")

// ErrNoSamples reports a statistic of an empty histogram: there is no value to
// judge, which must not pass as zero.
var ErrNoSamples = fmt.Errorf("no samples")

// MetricValue reads a metric off a result.
func MetricValue(r *TransportResult, name string) (float64, Unit, error) {
	unit, err := ParseMetric(name)
	if err != nil {
		return 0, 0, err
	}
	c := r.Counters
	secs := r.MeasuredSeconds()
	ratio := func(a, b int64) float64 {
		if b == 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	switch name {
	case "conn_attempted":
		return float64(c.ConnAttempted), unit, nil
	case "conn_ready":
		return float64(c.ConnReady), unit, nil
	case "conn_failed":
		return float64(c.ConnFailed), unit, nil
	case "conn_dropped":
		return float64(c.ConnDropped), unit, nil
	case "conn_ended":
		return float64(c.ConnEnded), unit, nil
	case "scheduled":
		return float64(c.Scheduled), unit, nil
	case "sent":
		return float64(c.Sent), unit, nil
	case "send_errors":
		return float64(c.SendErrors), unit, nil
	case "expected":
		return float64(c.Expected), unit, nil
	case "received":
		return float64(c.Received), unit, nil
	case "lost":
		return float64(c.Lost), unit, nil
	case "duplicated":
		return float64(c.Duplicated), unit, nil
	case "out_of_order":
		return float64(c.OutOfOrder), unit, nil
	case "reconnects":
		return float64(c.Reconnects), unit, nil
	case "reconnect_failed":
		return float64(c.ReconnectFailed), unit, nil
	case "lost_while_connected":
		// Loss that reconnects do not explain: messages missing on
		// connections that stayed up. A fault that only drops connections
		// must leave this at zero.
		return float64(c.Lost - c.LostAcrossReconnect), unit, nil
	case "lost_across_reconnect":
		return float64(c.LostAcrossReconnect), unit, nil
	case "resume_gaps":
		return float64(c.ResumeGaps), unit, nil
	case "errors":
		return float64(r.ErrorCount()), unit, nil
	case "loss_ratio":
		return ratio(c.Lost, c.Expected), unit, nil
	case "error_rate":
		return ratio(r.ErrorCount(), c.ConnAttempted+c.Scheduled), unit, nil
	case "throughput":
		if secs == 0 {
			return 0, unit, nil
		}
		return float64(c.Received) / secs, unit, nil
	case "conn_rate":
		if secs == 0 {
			return 0, unit, nil
		}
		return float64(c.ConnReady) / secs, unit, nil
	case "generator_rss":
		if len(r.Resources) == 0 {
			return 0, unit, ErrNotRecorded
		}
		var v float64
		for _, res := range r.Resources {
			v = max(v, float64(res.GeneratorRSS))
		}
		return v, unit, nil
	case "server_rss_per_conn", "generator_rss_per_conn", "server_cpu_per_delivery", "generator_cpu_per_delivery":
		v, err := resourceMetric(r, name)
		return v, unit, err
	}
	if _, ok := baselineMetrics[name]; ok {
		v, err := baselineValue(r, name)
		return v, unit, err
	}
	hist, stat, _ := strings.Cut(name, ".")
	h, ok := r.Histograms[hist]
	if !ok || h == nil {
		return 0, unit, ErrNotRecorded
	}
	if stat == "count" {
		return float64(h.Count()), unit, nil
	}
	if h.Count() == 0 {
		return 0, unit, ErrNoSamples
	}
	switch stat {
	case "min":
		return float64(h.Min()), unit, nil
	case "max":
		return float64(h.Max()), unit, nil
	case "mean":
		return float64(h.Mean()), unit, nil
	}
	q, _ := quantileOf(stat)
	return float64(h.Quantile(q)), unit, nil
}

// resourceMetric reads a per-connection or per-delivery resource figure over
// every worker (ResourceTotals); ErrNotMeasured when it could not be read
// (a server that is not a local process, a run without deliveries).
func resourceMetric(r *TransportResult, name string) (float64, error) {
	t, ok := r.ResourceTotals()
	if !ok {
		return 0, ErrNotRecorded
	}
	var v float64
	switch name {
	case "server_rss_per_conn":
		v, ok = t.ServerBytesPerConn, t.ServerBytesPerConnOK
	case "generator_rss_per_conn":
		v, ok = t.GeneratorBytesPerConn, t.GeneratorBytesPerConnOK
	case "server_cpu_per_delivery":
		v, ok = t.ServerMicrosPerDelivery()
		v *= 1e3 // nanoseconds, as every duration metric
	case "generator_cpu_per_delivery":
		v, ok = t.GeneratorMicrosPerDelivery()
		v *= 1e3
	}
	if !ok {
		return 0, ErrNotMeasured
	}
	return v, nil
}
