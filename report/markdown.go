package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

// WriteMarkdownReport writes a self-contained Markdown report of run: the
// summary table, the workload, the environment and any errors.
func WriteMarkdownReport(w io.Writer, run *results.Run) error {
	fmt.Fprintf(w, "# pushbench run: %s\n\n", run.Name)
	fmt.Fprintf(w, "Started %s. ", run.Started.UTC().Format(time.RFC3339))
	if len(run.Transports) > 0 {
		fmt.Fprintf(w, "Workload: %s.\n\n", DescribeWorkload(run))
	}
	if err := WriteSummaryTable(w, SummarizeRun(run), FormatMarkdown); err != nil {
		return err
	}
	e := run.Env
	fmt.Fprintf(w, "\n%s\n", TableLegend)
	if err := WriteFindMaxSection(w, run, FormatMarkdown); err != nil {
		return err
	}
	fmt.Fprintln(w)
	version := e.Version
	if e.Commit != "" {
		version += " (" + shortCommit(e.Commit)
		if e.Modified {
			version += ", modified"
		}
		version += ")"
	}
	fmt.Fprintf(w, "Environment: pushbench %s, %s, %s/%s kernel %s, %s, %d cores, GOMAXPROCS %d.\n",
		version, e.GoVersion, e.OS, e.Arch, e.Kernel, e.CPUModel, e.Cores, e.GOMAXPROCS)
	if lines := ErrorLines(run); len(lines) > 0 {
		fmt.Fprintf(w, "\nErrors and warnings:\n\n")
		for _, l := range lines {
			fmt.Fprintf(w, "- %s\n", l)
		}
	}
	return nil
}

// DescribeWorkload names a run's workload in one phrase: pattern,
// connections (whose share of them, for some workers' own results of a
// coordinated run: worker-N.json, a partial merge), what the rate means for the pattern, payload, warm-up and
// measured duration, as the first transport ran it (every transport of a run
// runs one scenario). It is empty for a run without transports. The compact
// table has no pattern column, so print this above it.
func DescribeWorkload(run *results.Run) string {
	if len(run.Transports) == 0 {
		return ""
	}
	wl := run.Transports[0].Workload
	parts := []string{wl.Pattern, coverageOf(run.Transports[0]).connections(wl)}
	payload := fmt.Sprintf("%d-byte payload", wl.PayloadBytes)
	switch info, known := workload.Pattern(wl.Pattern).Info(); {
	case !known || info.Publishes:
		parts = append(parts, fmt.Sprintf("%g msgs/s", wl.Rate), payload)
	case info.Bidirectional:
		parts = append(parts, fmt.Sprintf("%g msgs/s per connection", wl.Rate), payload)
	case !info.Holds:
		parts = append(parts, fmt.Sprintf("%g connects/s", wl.Rate))
	}
	parts = append(parts, time.Duration(wl.Warmup).String()+" warm-up", time.Duration(wl.Duration).String()+" measured")
	return strings.Join(parts, ", ")
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
