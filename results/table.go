package results

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Format selects how a table is rendered.
type Format string

// Table formats.
const (
	FormatText     Format = "text"
	FormatMarkdown Format = "markdown"
)

var summaryHeader = []string{
	"transport", "pattern", "conns ok/failed", "connect p50", "connect p99",
	"p50", "p90", "p99", "p99.9", "max", "deliveries/s", "lost", "dup/ooo", "errors",
}

// WriteSummaryTable renders one row per summary. Latency columns are delivery
// latency for fanout and round-trip time for echo. A saturated load generator is
// marked with "*" after the transport name and explained by the caller.
func WriteSummaryTable(w io.Writer, rows []Summary, format Format) error {
	var opts []tablewriter.Option
	switch format {
	case FormatMarkdown:
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	case FormatText, "":
	default:
		return fmt.Errorf("unknown table format %q", format)
	}
	opts = append(opts,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{Global: tw.AlignRight, PerColumn: []tw.Align{tw.AlignLeft, tw.AlignLeft}}),
	)
	table := tablewriter.NewTable(w, opts...)
	table.Header(summaryHeader)
	for _, s := range rows {
		name := s.Transport
		if s.Saturated {
			name += " *"
		}
		lost := itoa(s.Lost)
		if s.Lost > 0 {
			lost += fmt.Sprintf(" (%.2f%%)", 100*s.LossRatio)
		}
		conns := itoa(s.Ready) + "/" + itoa(s.Failed)
		if s.Dropped > 0 {
			conns += " (" + itoa(s.Dropped) + " dropped)"
		}
		if err := table.Append([]string{
			name, s.Pattern, conns,
			FormatDuration(s.ConnectP50), FormatDuration(s.ConnectP99),
			FormatDuration(s.LatencyP50), FormatDuration(s.LatencyP90), FormatDuration(s.LatencyP99),
			FormatDuration(s.LatencyP999), FormatDuration(s.LatencyMax),
			strconv.FormatFloat(s.PerSecond, 'f', 0, 64), lost,
			itoa(s.Duplicated) + "/" + itoa(s.OutOfOrder), itoa(s.Errors),
		}); err != nil {
			return fmt.Errorf("table row: %w", err)
		}
	}
	if err := table.Render(); err != nil {
		return fmt.Errorf("render table: %w", err)
	}
	return nil
}

// FormatDuration prints a latency with three significant digits in a unit that
// keeps it short: 812µs, 4.21ms, 1.50s.
func FormatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Microsecond), 'f', -1, 64) + "µs"
	case d < time.Second:
		return sig3(float64(d)/float64(time.Millisecond)) + "ms"
	default:
		return sig3(d.Seconds()) + "s"
	}
}

func sig3(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// WriteCompareTable renders comparisons: per transport and metric, both values,
// the change ("~" when not significant) and the test behind it.
func WriteCompareTable(w io.Writer, rows []Comparison, format Format) error {
	var opts []tablewriter.Option
	if format == FormatMarkdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	opts = append(opts, tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{Global: tw.AlignRight, PerColumn: []tw.Align{tw.AlignLeft, tw.AlignLeft}}))
	table := tablewriter.NewTable(w, opts...)
	table.Header([]string{"transport", "metric", "base", "new", "delta", "test"})
	for _, c := range rows {
		base, next := "-", "-"
		if c.BaseN > 0 {
			base = FormatValue(c.Base, c.Unit)
		}
		if c.NewN > 0 {
			next = FormatValue(c.New, c.Unit)
		}
		if err := table.Append([]string{c.Transport, c.Metric, base, next, c.Delta, c.Test}); err != nil {
			return fmt.Errorf("table row: %w", err)
		}
	}
	if err := table.Render(); err != nil {
		return fmt.Errorf("render table: %w", err)
	}
	return nil
}
