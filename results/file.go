package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// RunDirName is the directory a run writes under results/runs: its UTC start
// time and name, so runs sort by time and never overwrite each other.
func RunDirName(run *Run) string {
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' || r == os.PathSeparator {
			return '-'
		}
		return r
	}, run.Name)
	return run.Started.UTC().Format("20060102T150405Z") + "-" + name
}

// WriteRunDir writes a run's directory: result.json (everything, histograms
// exactly encoded), summary.md and summary.csv, latency.svg, and one
// <transport>-<histogram>.hgrm per recorded histogram.
func WriteRunDir(dir string, run *Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create result directory: %w", err)
	}
	b, err := json.MarshalIndent(run, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s result: %w", run.Name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "result.json"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write result: %w", err)
	}
	var md bytes.Buffer
	if err := WriteMarkdownReport(&md, run); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "summary.md"), md.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	files := map[string]func(io.Writer) error{
		"summary.csv": func(w io.Writer) error { return WriteSummaryCSV(w, SummarizeRun(run)) },
		"latency.svg": func(w io.Writer) error { return WriteLatencySVG(w, run) },
	}
	for _, t := range run.Transports {
		for name, h := range t.Histograms {
			if h == nil || h.Count() == 0 {
				continue
			}
			files[t.Transport+"-"+name+".hgrm"] = func(w io.Writer) error { return WriteHGRM(w, h) }
		}
	}
	for name, write := range files {
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}

// ReadRun reads a result.json, or the result.json inside a run directory.
func ReadRun(path string) (*Run, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, "result.json")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read result: %w", err)
	}
	var run Run
	if err := json.Unmarshal(b, &run); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if run.Schema < 1 || run.Schema > SchemaVersion {
		return nil, fmt.Errorf("%s: result schema %d, this pushbench reads 1..%d", path, run.Schema, SchemaVersion)
	}
	return &run, nil
}

// WriteMarkdownReport writes a self-contained Markdown report of run: the
// summary table, the workload, the environment and any errors.
func WriteMarkdownReport(w io.Writer, run *Run) error {
	fmt.Fprintf(w, "# pushbench run: %s\n\n", run.Name)
	fmt.Fprintf(w, "Started %s. ", run.Started.UTC().Format(time.RFC3339))
	if len(run.Transports) > 0 {
		wl := run.Transports[0].Workload
		fmt.Fprintf(w, "Workload: %s, %d connections per transport, %g msgs/s, %d-byte payload, %s warm-up, %s measured.\n\n",
			wl.Pattern, wl.Connections, wl.Rate, wl.PayloadBytes, time.Duration(wl.Warmup), time.Duration(wl.Duration))
	}
	if err := WriteSummaryTable(w, SummarizeRun(run), FormatMarkdown); err != nil {
		return err
	}
	e := run.Env
	fmt.Fprintf(w, "\n%s\n\n", TableLegend)
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

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
