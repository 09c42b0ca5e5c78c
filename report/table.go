package report

import (
	"fmt"
	"io"
	"strconv"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/pushbench/pushbench/results"
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
	switch format {
	case FormatText, FormatMarkdown, "":
	default:
		return fmt.Errorf("unknown table format %q", format)
	}
	cells := make([][]string, 0, len(rows))
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
		cells = append(cells, []string{
			name, s.Pattern, conns,
			results.FormatDuration(s.ConnectP50), results.FormatDuration(s.ConnectP99),
			results.FormatDuration(s.LatencyP50), results.FormatDuration(s.LatencyP90), results.FormatDuration(s.LatencyP99),
			results.FormatDuration(s.LatencyP999), results.FormatDuration(s.LatencyMax),
			strconv.FormatFloat(s.PerSecond, 'f', 0, 64), lost,
			itoa(s.Duplicated) + "/" + itoa(s.OutOfOrder), itoa(s.Errors),
		})
	}
	return writeTable(w, format, summaryHeader, cells)
}

// WriteCompareTable renders comparisons: per transport and metric, both values,
// the change ("~" when not significant) and the test behind it. Any format but
// Markdown renders as text.
func WriteCompareTable(w io.Writer, rows []results.Comparison, format Format) error {
	cells := make([][]string, 0, len(rows))
	for _, c := range rows {
		base, next := "-", "-"
		if c.BaseN > 0 {
			base = results.FormatValue(c.Base, c.Unit)
		}
		if c.NewN > 0 {
			next = results.FormatValue(c.New, c.Unit)
		}
		cells = append(cells, []string{c.Transport, c.Metric, base, next, c.Delta, c.Test})
	}
	if format != FormatMarkdown {
		format = FormatText
	}
	return writeTable(w, format, []string{"transport", "metric", "base", "new", "delta", "test"}, cells)
}

// writeTable renders a table in format: the first two columns (names) aligned
// left, the numbers right, headers as given.
func writeTable(w io.Writer, format Format, header []string, rows [][]string) error {
	var opts []tablewriter.Option
	if format == FormatMarkdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	opts = append(opts,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{Global: tw.AlignRight, PerColumn: []tw.Align{tw.AlignLeft, tw.AlignLeft}}),
	)
	table := tablewriter.NewTable(w, opts...)
	table.Header(header)
	for _, row := range rows {
		if err := table.Append(row); err != nil {
			return fmt.Errorf("table row: %w", err)
		}
	}
	if err := table.Render(); err != nil {
		return fmt.Errorf("render table: %w", err)
	}
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
