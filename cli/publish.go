package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/pushbench/pushbench/report"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/scenarios"
)

// runPublish turns saved runs into the published page: OUT/README.md with
// each run's table, charts, scenario and reproduce command, any extra
// Markdown sections (the peer comparison), and OUT/published/<run>/ with each
// full result and its charts.
func runPublish(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("publish", "[-o DIR] [--section 'TITLE=FILE.md' ...] RUN...", stdout)
	out := fs.String("o", "results", "directory for README.md and published/ (published/ is replaced)")
	var sections sectionFlag
	fs.Var(&sections, "section", "add FILE.md (Markdown written by another tool, e.g. make compare-peers' peers/last-run.md) as a section titled TITLE after the runs (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{errors.New("name one or more run directories or result.json files")}
	}
	pub := filepath.Join(*out, "published")
	if err := os.RemoveAll(pub); err != nil {
		return fmt.Errorf("clear %s: %w", pub, err)
	}
	var runs []report.PublishedRun
	used := map[string]bool{}
	for _, arg := range fs.Args() {
		run, err := results.ReadRun(arg)
		if err != nil {
			return err
		}
		dir := run.Name
		for n := 2; used[dir]; n++ {
			dir = fmt.Sprintf("%s-%d", run.Name, n)
		}
		used[dir] = true
		if err := report.WriteRunDir(filepath.Join(pub, dir), run); err != nil {
			return err
		}
		runs = append(runs, report.PublishedRun{Run: run, Dir: path.Join("published", dir), Scenario: scenarioText(run),
			Path: filepath.ToSlash(filepath.Join(pub, dir))})
	}
	var extra []report.PublishedSection
	for _, s := range sections {
		b, err := os.ReadFile(s.file)
		if err != nil {
			return fmt.Errorf("--section %s: %w", s.title, err)
		}
		extra = append(extra, report.PublishedSection{Title: s.title, Markdown: string(b)})
	}
	var page bytes.Buffer
	if err := report.WritePublished(&page, runs, extra); err != nil {
		return err
	}
	readme := filepath.Join(*out, "README.md")
	if err := os.WriteFile(readme, page.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", readme, err)
	}
	fmt.Fprintf(stdout, "published %d runs: %s and %s/\n", len(runs), readme, pub)
	return nil
}

// scenarioText is the text of the scenario file named on run's command line
// whose name is the run's, so the page quotes the file as written; "" when
// the file is not found (a run from flags, or from another directory).
func scenarioText(run *results.Run) string {
	for _, arg := range run.Command {
		if !strings.HasSuffix(arg, ".yaml") && !strings.HasSuffix(arg, ".yml") {
			continue
		}
		sc, err := scenarios.Load(arg)
		if err != nil || sc.Name != run.Name {
			continue
		}
		if b, err := os.ReadFile(arg); err == nil {
			return string(b)
		}
	}
	return ""
}

// sectionFlag collects repeated TITLE=FILE flags in order.
type sectionFlag []struct{ title, file string }

func (s *sectionFlag) String() string {
	var parts []string
	for _, e := range *s {
		parts = append(parts, e.title+"="+e.file)
	}
	return strings.Join(parts, ",")
}

func (s *sectionFlag) Set(v string) error {
	title, file, ok := strings.Cut(v, "=")
	if title = strings.TrimSpace(title); !ok || title == "" || file == "" {
		return fmt.Errorf("want 'TITLE=FILE.md', got %q", v)
	}
	*s = append(*s, struct{ title, file string }{title, file})
	return nil
}
