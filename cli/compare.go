package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/pushbench/pushbench/report"
	"github.com/pushbench/pushbench/results"
)

// runCompare compares two sides, each one run or a directory of repeated runs
// (pushbench run --repeat N writes one), per transport and metric.
func runCompare(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("compare", "BASE NEW", stdout)
	format := fs.String("format", "text", "table format: text or markdown")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != string(report.FormatText) && *format != string(report.FormatMarkdown) {
		return usageError{fmt.Errorf("--format %q: want text or markdown", *format)}
	}
	if fs.NArg() != 2 {
		return usageError{errors.New("want BASE and NEW: each a result.json, a run directory, or a directory of repeated runs")}
	}
	base, err := loadSide(fs.Arg(0))
	if err != nil {
		return err
	}
	next, err := loadSide(fs.Arg(1))
	if err != nil {
		return err
	}
	if !results.SameScenario(base[0], next[0]) {
		fmt.Fprintf(stderr, "pushbench compare: warning: %s and %s ran different scenarios\n", fs.Arg(0), fs.Arg(1))
	}
	rows, err := results.Compare(base, next)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "base: %s (%d runs)\nnew:  %s (%d runs)\n", fs.Arg(0), len(base), fs.Arg(1), len(next))
	if err := report.WriteCompareTable(stdout, rows, report.Format(*format)); err != nil {
		return err
	}
	fmt.Fprintln(stdout, `Values are medians over each side's runs; "~" marks a change that is not significant (p >= 0.05).`)
	return nil
}

// loadSide reads one side of a comparison: a run (result.json or its
// directory), or a directory whose subdirectories are runs.
func loadSide(path string) ([]*results.Run, error) {
	if _, err := os.Stat(filepath.Join(path, "result.json")); err == nil || filepath.Ext(path) == ".json" {
		r, err := results.ReadRun(path)
		if err != nil {
			return nil, err
		}
		return []*results.Run{r}, nil
	}
	matches, err := filepath.Glob(filepath.Join(path, "*", "result.json"))
	if err != nil || len(matches) == 0 {
		return nil, fmt.Errorf("%s: no result.json in it or in its subdirectories", path)
	}
	sort.Strings(matches)
	var runs []*results.Run
	for _, m := range matches {
		r, err := results.ReadRun(m)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return runs, nil
}
