package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pushbench/pushbench/results"
)

// ErrorLines lists what a report shows under its table: "transport: class:
// count (first: ...)" for every error class, sorted; what holding connections
// cost (ResourceLine); and why a load generator was flagged saturated.
func ErrorLines(run *results.Run) []string {
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
		if f := t.Counters.Foreign; f > 0 {
			lines = append(lines, fmt.Sprintf("%s: %d foreign messages (not this run's: another format, topic or marker) were ignored, neither errors nor latency", t.Transport, f))
		}
		lines = append(lines, eventLines(t)...)
		if t.Workload.Pattern == "listen" {
			lines = append(lines, listenLine(t))
		}
		if line := ReconnectLine(t); line != "" {
			lines = append(lines, line)
		}
		if t.Interrupted {
			lines = append(lines, fmt.Sprintf("%s: interrupted after %s of the %s measured window; counts and rates cover what ran, messages not yet due are not counted lost",
				t.Transport, time.Duration(t.Window).Round(time.Millisecond), time.Duration(t.Workload.Duration)))
		}
		lines = append(lines, workerLines(t)...)
		if t.LatencyClock == results.ClockServer {
			lines = append(lines, t.Transport+": latency is from each message's own timestamp, on the server's clock: valid only as far as the server's and this machine's clocks agree (same host, or synchronised)")
		}
		if t.Workload.Pattern == "churn" {
			secs := t.MeasuredSeconds()
			lines = append(lines, fmt.Sprintf("%s: churn: %d of %d scheduled connects completed, %.1f/s (connect columns time each from its scheduled start)",
				t.Transport, t.Counters.ConnReady, t.Counters.ConnAttempted, float64(t.Counters.ConnReady)/secs))
		}
		if line := ResourceLine(t); line != "" {
			lines = append(lines, line)
		}
		for _, b := range t.Baseline {
			lines = append(lines, baselineLine(t.Transport, b))
		}
		lines = append(lines, saturationLines(t)...)
	}
	return lines
}

// listenLine sums up a listen run: what arrived, how far apart, how soon.
func listenLine(t *results.TransportResult) string {
	c := t.Counters
	line := fmt.Sprintf("%s: listen: %d messages on %d connections", t.Transport, c.Received, c.ConnReady)
	if c.ConnEnded > 0 || c.ConnDropped > 0 {
		line += fmt.Sprintf(" (%d ended by the server, %d dropped)", c.ConnEnded, c.ConnDropped)
	}
	if g := t.Hist(results.HistGap); g.Count() > 0 {
		line += fmt.Sprintf("; gap between messages p50 %s, p99 %s, max %s", results.FormatDuration(g.Quantile(0.5)),
			results.FormatDuration(g.Quantile(0.99)), results.FormatDuration(g.Max()))
	}
	if f := t.Hist(results.HistFirstMessage); f.Count() > 0 {
		line += fmt.Sprintf("; first message p50 %s after connecting", results.FormatDuration(f.Quantile(0.5)))
	}
	switch {
	case t.Workload.Seq == "" && t.Workload.Timestamp == "":
		line += "; without --seq and --timestamp loss and latency are not measured"
	case t.Workload.Seq == "":
		line += "; without --seq loss is not measured"
	case t.Workload.Timestamp == "":
		line += "; without --timestamp latency is not measured"
	}
	return line
}

// baselineLine says what the leak check found: where the generator and the
// server ended against where they started.
func baselineLine(transport string, b results.Baseline) string {
	usage := func(who string, before, after results.Usage) string {
		s := fmt.Sprintf("%s fds %d -> %d", who, before.FDs, after.FDs)
		if before.Goroutines > 0 {
			s += fmt.Sprintf(", goroutines %d -> %d", before.Goroutines, after.Goroutines)
		}
		return s + fmt.Sprintf(", RSS %s -> %s", results.FormatBytes(float64(before.RSS)), results.FormatBytes(float64(after.RSS)))
	}
	line := fmt.Sprintf("%s: after the run (settled %s): %s", transport, time.Duration(b.Settled).Round(time.Millisecond),
		usage("generator", b.GeneratorBefore, b.GeneratorAfter))
	if b.ServerBefore != nil && b.ServerAfter != nil {
		line += "; " + usage("server", *b.ServerBefore, *b.ServerAfter)
	} else if b.ServerNote != "" {
		line += "; server not compared: " + b.ServerNote
	}
	return line
}

// ReconnectLine sums up reconnects under a reconnect policy, or returns ""
// when the run had none to show: how many redials succeeded and how fast,
// how many connections gave up, what was lost across the reconnects and how
// many times an SSE server said it could not replay.
func ReconnectLine(t *results.TransportResult) string {
	c := t.Counters
	if t.Workload.Reconnect == nil && c.Reconnects+c.ReconnectFailed+c.LostAcrossReconnect+c.ResumeGaps == 0 {
		return ""
	}
	line := fmt.Sprintf("%s: reconnects: %d", t.Transport, c.Reconnects)
	if h := t.Hist(results.HistReconnect); h.Count() > 0 {
		line += fmt.Sprintf(" (loss to ready p50 %s, p99 %s)", results.FormatDuration(h.Quantile(0.5)), results.FormatDuration(h.Quantile(0.99)))
	}
	if c.ReconnectFailed > 0 {
		line += fmt.Sprintf(", %d connections gave up", c.ReconnectFailed)
	}
	if c.Expected > 0 {
		line += fmt.Sprintf(", %d messages lost across reconnects", c.LostAcrossReconnect)
	}
	if c.ResumeGaps > 0 {
		line += fmt.Sprintf(", %d resume gaps (the server could not replay from Last-Event-ID)", c.ResumeGaps)
	}
	return line
}

// ResourceLine says what a transport's run cost, or "" when its result
// records nothing: connections held, then for the server and the generator
// resident memory per held connection, goroutines, CPU seconds over the
// measured window and the run, and CPU per delivery. The server's figures
// are those results.ResourceTotals counts once: each worker's own server, or
// a coordinated run's servers as the coordinator read them. A server figure
// that could not be read is left out.
func ResourceLine(t *results.TransportResult) string {
	tot, ok := t.ResourceTotals()
	if !ok {
		return ""
	}
	// Resident memory itself is shown for a figure read once: one worker's
	// generator, one server (or one coordinated run's servers).
	side := func(who string, one bool, perConn float64, perConnOK bool, before, held, goroutines int64, cpu results.CPUTime, cpuOK bool, us float64, usOK bool) string {
		var parts []string
		if perConnOK {
			p := results.FormatBytes(perConn) + " per connection"
			if one {
				p += " (RSS " + results.FormatBytes(float64(before)) + " -> " + results.FormatBytes(float64(held)) + ")"
			}
			parts = append(parts, p)
		}
		if goroutines > 0 {
			parts = append(parts, fmt.Sprintf("%d goroutines", goroutines))
		}
		if cpuOK {
			parts = append(parts, fmt.Sprintf("CPU %.2fs in the window, %.2fs in the run", cpu.Window, cpu.Run))
		}
		if usOK {
			parts = append(parts, fmt.Sprintf("%.1fµs CPU per delivery", us))
		}
		if len(parts) == 0 {
			return ""
		}
		return who + " " + strings.Join(parts, ", ")
	}
	var r0 results.Resources
	if len(t.Resources) == 1 {
		r0 = t.Resources[0]
	}
	srvUS, srvUSOK := tot.ServerMicrosPerDelivery()
	genUS, genUSOK := tot.GeneratorMicrosPerDelivery()
	var sides []string
	if s := side("server", tot.ServerReadings == 1, tot.ServerBytesPerConn, tot.ServerBytesPerConnOK, tot.ServerRSSBefore, tot.ServerRSSHeld,
		tot.ServerGoroutines, tot.ServerCPU, tot.ServerCPUOK, srvUS, srvUSOK); s != "" {
		sides = append(sides, s)
	}
	sides = append(sides, side("generator", len(t.Resources) == 1, tot.GeneratorBytesPerConn, tot.GeneratorBytesPerConnOK, r0.GeneratorRSSBefore, r0.GeneratorRSS,
		tot.GeneratorGoroutines, tot.GeneratorCPU, true, genUS, genUSOK))
	line := t.Transport + ": resources: "
	if tot.Held > 0 {
		line += fmt.Sprintf("held %d connections; ", tot.Held)
	}
	if tot.Deliveries > 0 {
		line += fmt.Sprintf("%d deliveries in the window; ", tot.Deliveries)
	}
	return line + strings.Join(sides, "; ")
}
