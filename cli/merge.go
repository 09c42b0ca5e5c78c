package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/pushbench/pushbench/report"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/scenarios"
)

// runMerge combines result files from several load-generator workers into one,
// merging histograms exactly (never averaging percentiles), and optionally
// checks a scenario's thresholds on the merged result.
func runMerge(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("merge", "-o OUT [--scenario FILE] RESULT RESULT...", stdout)
	out := fs.String("o", "", "directory to write the merged run to (required)")
	format := fs.String("format", "text", "table format on stdout: text or markdown")
	wide := fs.Bool("wide", false, "text table with every column, not only those that fit 120 columns")
	check := fs.String("scenario", "", "scenario file whose thresholds to check on the merged result (exit 1 if one fails)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{errors.New("-o OUT is required")}
	}
	if fs.NArg() < 2 {
		return usageError{errors.New("name at least two results to merge")}
	}
	var sc *scenarios.Scenario
	if *check != "" {
		var err error
		if sc, err = scenarios.Load(*check); err != nil {
			return usageError{err}
		}
	}
	var runs []*results.Run
	for _, p := range fs.Args() {
		r, err := results.ReadRun(p)
		if err != nil {
			return err
		}
		runs = append(runs, r)
	}
	merged, err := results.MergeRuns(runs...)
	if err != nil {
		return err
	}
	if err := report.WriteSummaryTable(stdout, report.SummarizeRun(merged), tableFormat(*format, *wide)); err != nil {
		return err
	}
	if err := report.WriteRunDir(*out, merged); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "merged %d results: %s\n", len(runs), *out)
	if sc != nil && !printVerdicts(stdout, sc.Thresholds.Evaluate(merged)) {
		return errFailed
	}
	return nil
}
