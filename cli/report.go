package cli

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/pushbench/pushbench/report"
	"github.com/pushbench/pushbench/results"
)

func runReport(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", "[flags] RESULT...", stdout)
	format := fs.String("format", "text", "text, markdown, csv or json")
	wide := fs.Bool("wide", false, "text table with every column, not only those that fit 120 columns")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !slices.Contains([]string{"text", "markdown", "csv", "json"}, *format) {
		return usageError{fmt.Errorf("--format %q: want text, markdown, csv or json", *format)}
	}
	if fs.NArg() == 0 {
		return usageError{fmt.Errorf("name at least one result.json or run directory")}
	}
	for _, path := range fs.Args() {
		run, err := results.ReadRun(path)
		if err != nil {
			return err
		}
		switch *format {
		case "json":
			if err := results.WriteRun(stdout, run); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		case "csv":
			if err := report.WriteSummaryCSV(stdout, report.SummarizeRun(run)); err != nil {
				return err
			}
		case "markdown":
			if err := report.WriteMarkdownReport(stdout, run); err != nil {
				return err
			}
		case "text":
			fmt.Fprintf(stdout, "%s (%s)\n", run.Name, path)
			if wl := report.DescribeWorkload(run); wl != "" {
				fmt.Fprintf(stdout, "%s\n", wl)
			}
			if err := report.WriteSummaryTable(stdout, report.SummarizeRun(run), tableFormat(*format, *wide)); err != nil {
				return err
			}
			fmt.Fprintln(stdout, report.TableLegend)
			if err := report.WriteFindMaxSection(stdout, run, report.FormatText); err != nil {
				return err
			}
			for _, l := range report.ErrorLines(run) {
				fmt.Fprintf(stdout, "  - %s\n", l)
			}
		}
	}
	return nil
}

// tableFormat is the summary table format for --format and --wide: the text
// table fits 120 columns unless --wide asks for every column; Markdown always
// has every column.
func tableFormat(format string, wide bool) report.Format {
	if wide && format == string(report.FormatText) {
		return report.FormatWide
	}
	return report.Format(format)
}
