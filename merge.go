package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/pushbench/pushbench/results"
)

// runMerge combines result files from several load-generator workers into one,
// merging histograms exactly (never averaging percentiles).
func runMerge(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("merge", "-o OUT RESULT RESULT...", stderr)
	out := fs.String("o", "", "directory to write the merged run to (required)")
	format := fs.String("format", "text", "table format on stdout: text or markdown")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{errors.New("-o OUT is required")}
	}
	if fs.NArg() < 2 {
		return usageError{errors.New("name at least two results to merge")}
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
	if err := results.WriteSummaryTable(stdout, results.SummarizeRun(merged), results.Format(*format)); err != nil {
		return err
	}
	if err := results.WriteRunDir(*out, merged); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "merged %d results: %s\n", len(runs), *out)
	return nil
}
