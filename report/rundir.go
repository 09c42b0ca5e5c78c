package report

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pushbench/pushbench/results"
)

// RunDirName is the directory a run writes under results/runs: its UTC start
// time and name, so runs sort by time and never overwrite each other.
func RunDirName(run *results.Run) string {
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' || r == os.PathSeparator {
			return '-'
		}
		return r
	}, run.Name)
	return run.Started.UTC().Format("20060102T150405Z") + "-" + name
}

// runFile is one file of a run directory and how to render it.
type runFile struct {
	name  string
	write func(io.Writer) error
}

// WriteRunDir writes a run's directory: result.json (everything, histograms
// exactly encoded, by the results codec), summary.md and summary.csv,
// latency.svg (and find-max.svg after a saturation search), and one <transport>-<histogram>.hgrm per recorded histogram.
func WriteRunDir(dir string, run *results.Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create result directory: %w", err)
	}
	for _, f := range runFiles(run) {
		var buf bytes.Buffer
		if err := f.write(&buf); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", f.name, err)
		}
	}
	return nil
}

// runFiles lists the files of run's directory, result.json first.
func runFiles(run *results.Run) []runFile {
	files := []runFile{
		{results.ResultFile, func(w io.Writer) error { return results.WriteRun(w, run) }},
		{"summary.md", func(w io.Writer) error { return WriteMarkdownReport(w, run) }},
		{"summary.csv", func(w io.Writer) error { return WriteSummaryCSV(w, SummarizeRun(run)) }},
		{"latency.svg", func(w io.Writer) error { return WriteLatencySVG(w, run) }},
	}
	if HasFindMax(run) {
		files = append(files, runFile{FindMaxSVGFile, func(w io.Writer) error { return WriteFindMaxSVG(w, run) }})
	}
	for _, t := range run.Transports {
		for _, name := range slices.Sorted(maps.Keys(t.Histograms)) {
			h := t.Histograms[name]
			if h == nil || h.Count() == 0 {
				continue
			}
			files = append(files, runFile{t.Transport + "-" + name + ".hgrm", func(w io.Writer) error { return WriteHGRM(w, h) }})
		}
	}
	return files
}
