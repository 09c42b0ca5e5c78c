package report

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/pushbench/pushbench/results"
)

// Format selects how a table is rendered.
type Format string

// Table formats. FormatText is the terminal table: the columns a person reads
// first, narrow enough for a 120-column terminal. FormatWide is the terminal
// table with every column; Markdown always has every column, since a page
// scrolls and a report must keep everything.
const (
	FormatText     Format = "text"
	FormatWide     Format = "wide"
	FormatMarkdown Format = "markdown"
)

// NoValue is the cell of a statistic that has no samples (a latency
// percentile of a transport that received nothing, loss where nothing was
// expected): a table must never show such a statistic as 0.
const NoValue = "—"

// summaryColumn is one column of the summary table: its header, its cell, and
// whether the compact terminal table (FormatText) shows it.
type summaryColumn struct {
	header  string
	compact bool
	align   tw.Align // AlignLeft for names; tw.Skip: the table's right alignment
	cell    func(Summary) string
}

// summaryColumns are the summary table's columns in order. The compact table
// keeps what says whether a run was healthy and how fast it was: which
// transport, how many connections held, median, tail and worst latency,
// throughput, loss and errors. The pattern, the same on every row of a run,
// is left to the workload line the caller prints above the table (see
// DescribeWorkload); connect times, p90, p99.9 and dup/ooo are in the wide and
// Markdown tables.
var summaryColumns = []summaryColumn{
	{"transport", true, tw.AlignLeft, func(s Summary) string {
		if s.Saturated {
			return s.Transport + " *"
		}
		return s.Transport
	}},
	{"pattern", false, tw.AlignLeft, func(s Summary) string { return s.Pattern }},
	{"conns ok/failed", true, tw.Skip, func(s Summary) string {
		conns := itoa(s.Ready) + "/" + itoa(s.Failed)
		if s.Dropped > 0 {
			conns += " (" + itoa(s.Dropped) + " dropped)"
		}
		return conns
	}},
	{"connect p50", false, tw.Skip, func(s Summary) string { return durationCell(s.ConnectSamples, s.ConnectP50) }},
	{"connect p99", false, tw.Skip, func(s Summary) string { return durationCell(s.ConnectSamples, s.ConnectP99) }},
	{"p50", true, tw.Skip, func(s Summary) string { return durationCell(s.LatencySamples, s.LatencyP50) }},
	{"p90", false, tw.Skip, func(s Summary) string { return durationCell(s.LatencySamples, s.LatencyP90) }},
	{"p99", true, tw.Skip, func(s Summary) string { return durationCell(s.LatencySamples, s.LatencyP99) }},
	{"p99.9", false, tw.Skip, func(s Summary) string { return durationCell(s.LatencySamples, s.LatencyP999) }},
	{"max", true, tw.Skip, func(s Summary) string { return durationCell(s.LatencySamples, s.LatencyMax) }},
	{"deliveries/s", true, tw.Skip, func(s Summary) string {
		if !s.hasMessages() {
			return NoValue
		}
		return strconv.FormatFloat(s.PerSecond, 'f', 0, 64)
	}},
	{"lost", true, tw.Skip, func(s Summary) string {
		switch {
		case s.Expected == 0:
			return NoValue
		case s.Lost > 0:
			return itoa(s.Lost) + " (" + lossPercent(s.LossRatio) + ")"
		}
		return itoa(s.Lost)
	}},
	{"dup/ooo", false, tw.Skip, func(s Summary) string {
		if s.Received == 0 {
			return NoValue
		}
		return itoa(s.Duplicated) + "/" + itoa(s.OutOfOrder)
	}},
	{"errors", true, tw.Skip, func(s Summary) string { return itoa(s.Errors) }},
}

// reconnectColumns follow the summary columns in the wide and Markdown
// tables when any row ran under a reconnect policy (or counted reconnects);
// the compact table says the same in a note line (ReconnectLine).
var reconnectColumns = []summaryColumn{
	{"reconnects ok/failed", false, tw.Skip, func(s Summary) string { return itoa(s.Reconnects) + "/" + itoa(s.ReconnectFailed) }},
	{"reconnect p99", false, tw.Skip, func(s Summary) string { return durationCell(s.ReconnectSamples, s.ReconnectP99) }},
	{"lost across reconnect", false, tw.Skip, func(s Summary) string {
		if s.Expected == 0 {
			return NoValue
		}
		return itoa(s.LostAcrossReconnect)
	}},
	{"resume gaps", false, tw.Skip, func(s Summary) string { return itoa(s.ResumeGaps) }},
}

// anyReconnecting reports whether a row has reconnect figures to show.
func anyReconnecting(rows []Summary) bool {
	for _, s := range rows {
		if s.Reconnecting {
			return true
		}
	}
	return false
}

// workersColumn follows the pattern in the wide and Markdown tables when a
// row holds only some workers of a coordinated run (a worker's own result,
// a partial merge): which of how many ("worker 1 of 2", "workers 0, 2 of 3
// (partial)"); a whole run's rows read "all N".
var workersColumn = summaryColumn{"workers", false, tw.AlignLeft, func(s Summary) string {
	if s.WholeRun() {
		return "all " + itoa(int64(s.WorkerCount))
	}
	c := workerCoverage{held: s.Workers, count: s.WorkerCount}
	who, _ := c.who()
	if s.Partial {
		who += " (partial)"
	}
	return who
}}

// anyPartOfARun reports whether a row holds only some workers of its run.
func anyPartOfARun(rows []Summary) bool {
	for _, s := range rows {
		if !s.WholeRun() {
			return true
		}
	}
	return false
}

// compactCPUColumn is the one resource column of the compact table: CPU per
// delivery, server/generator. It appears only when some row knows it (a
// pattern that delivers messages).
var compactCPUColumn = summaryColumn{"cpu µs/msg", true, tw.Skip, func(s Summary) string {
	srv, srvOK := s.ServerMicros()
	gen, genOK := s.GeneratorMicros()
	return microsCell(srv, srvOK) + "/" + microsCell(gen, genOK)
}}

// tcpColumn measures each row against the run's tcp row: p99 / server CPU
// per delivery as multiples of tcp's. It appears only when the run has one.
var tcpColumn = summaryColumn{"× tcp", true, tw.Skip, func(s Summary) string {
	return ratioCell(s.P99xTCP) + "/" + ratioCell(s.ServerCPUxTCP)
}}

// wideResourceColumns are every resource figure, for the wide and Markdown
// tables: CPU per delivery, CPU seconds over the measured window and the
// whole run, resident memory per held connection and goroutines while held,
// each of the server and the generator.
var wideResourceColumns = []summaryColumn{
	{"srv µs/msg", false, tw.Skip, func(s Summary) string { return microsCell(s.ServerMicros()) }},
	{"gen µs/msg", false, tw.Skip, func(s Summary) string { return microsCell(s.GeneratorMicros()) }},
	{"srv CPU-s window/run", false, tw.Skip, func(s Summary) string {
		return cpuCell(s.Res.ServerCPU, s.Res.ServerCPUOK)
	}},
	{"gen CPU-s window/run", false, tw.Skip, func(s Summary) string { return cpuCell(s.Res.GeneratorCPU, s.HasResources) }},
	{"srv mem/conn", false, tw.Skip, func(s Summary) string {
		return bytesCell(s.Res.ServerBytesPerConn, s.Res.ServerBytesPerConnOK)
	}},
	{"gen mem/conn", false, tw.Skip, func(s Summary) string {
		return bytesCell(s.Res.GeneratorBytesPerConn, s.Res.GeneratorBytesPerConnOK)
	}},
	{"goroutines srv/gen", false, tw.Skip, func(s Summary) string {
		return countCell(s.Res.ServerGoroutines) + "/" + countCell(s.Res.GeneratorGoroutines)
	}},
}

// resourceColumns are the resource columns a table of rows shows: in the
// compact table CPU per delivery when any row knows it, in the wide and
// Markdown tables every figure when any row has them; then "× tcp" when the
// run has a tcp row.
func resourceColumns(rows []Summary, all bool) []summaryColumn {
	var cols []summaryColumn
	anyRes, anyCPU := false, false
	for _, s := range rows {
		anyRes = anyRes || s.HasResources
		_, ok := s.GeneratorMicros()
		anyCPU = anyCPU || ok
	}
	switch {
	case all && anyRes:
		cols = append(cols, wideResourceColumns...)
	case !all && anyCPU:
		cols = append(cols, compactCPUColumn)
	}
	if len(rows) > 0 && rows[0].TCP {
		cols = append(cols, tcpColumn)
	}
	return cols
}

// durationCell writes a statistic of a histogram with n samples.
func durationCell(n int64, d time.Duration) string {
	if n == 0 {
		return NoValue
	}
	return results.FormatDuration(d)
}

// WriteSummaryTable renders one row per summary. Latency columns are delivery
// latency for fanout and round-trip time for echo. A saturated load generator is
// marked with "*" after the transport name and explained by the caller.
func WriteSummaryTable(w io.Writer, rows []Summary, format Format) error {
	all := true
	switch format {
	case FormatText, "":
		format, all = FormatText, false
	case FormatWide:
		format = FormatText
	case FormatMarkdown:
	default:
		return fmt.Errorf("unknown table format %q", format)
	}
	var header []string
	var cols []summaryColumn
	var align []tw.Align
	columns := summaryColumns
	if all && anyPartOfARun(rows) { // after the pattern
		columns = slices.Concat(columns[:2], []summaryColumn{workersColumn}, columns[2:])
	}
	if all && anyReconnecting(rows) {
		columns = append(columns[:len(columns):len(columns)], reconnectColumns...)
	}
	columns = append(columns[:len(columns):len(columns)], resourceColumns(rows, all)...)
	for _, c := range columns {
		if all || c.compact {
			header = append(header, c.header)
			cols = append(cols, c)
			align = append(align, c.align)
		}
	}
	cells := make([][]string, 0, len(rows))
	for _, s := range rows {
		row := make([]string, len(cols))
		for i, c := range cols {
			row[i] = c.cell(s)
		}
		cells = append(cells, row)
	}
	return writeTable(w, format, header, cells, align)
}

// WriteCompareTable renders comparisons: per transport and metric, both values,
// the change ("~" when not significant) and the test behind it. Any format but
// Markdown renders as text.
func WriteCompareTable(w io.Writer, rows []results.Comparison, format Format) error {
	cells := make([][]string, 0, len(rows))
	for _, c := range rows {
		base, next := NoValue, NoValue
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
	return writeTable(w, format, []string{"transport", "metric", "base", "new", "delta", "test"}, cells,
		[]tw.Align{tw.AlignLeft, tw.AlignLeft})
}

// writeTable renders a table in format: columns aligned as align says (names
// left), the rest, numbers, right; headers as given.
func writeTable(w io.Writer, format Format, header []string, rows [][]string, align []tw.Align) error {
	var opts []tablewriter.Option
	if format == FormatMarkdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	opts = append(opts,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{Global: tw.AlignRight, PerColumn: align}),
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

// WriteFindMaxTable renders a saturation search's curve, one row per step
// (find_max.go); the reason column only where every column is shown.
func WriteFindMaxTable(w io.Writer, fm results.FindMax, format Format) error {
	all := format == FormatMarkdown || format == FormatWide
	header := []string{"step", "phase", "deliveries/s", "achieved/s", "p99"}
	if fm.Metric != "latency.p99" {
		header = append(header, fm.Metric)
	}
	header = append(header, "loss", "conns failed", "outcome", "took")
	if all {
		header = append(header, "reason")
	}
	rows := make([][]string, 0, len(fm.Steps))
	for _, st := range fm.Steps {
		rows = append(rows, findMaxCells(fm, st, all))
	}
	if format != FormatMarkdown {
		format = FormatText
	}
	align := make([]tw.Align, len(header))
	for i, h := range header {
		if h == "phase" || h == "outcome" || h == "reason" {
			align[i] = tw.AlignLeft
		}
	}
	return writeTable(w, format, header, rows, align)
}
