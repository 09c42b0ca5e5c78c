package report

import (
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/pushbench/pushbench/results"
)

// PublishedRun is one run on the published page: its result, the directory
// (relative to the page) its files are published in, and the scenario file's
// text to quote ("" for none).
type PublishedRun struct {
	Run      *results.Run
	Dir      string
	Scenario string
	// Path is the published directory as a command line names it (the page
	// tells `pushbench report PATH`); empty means "results/" + Dir.
	Path string
}

// PublishedSection is a part of the page that is not a run of pushbench,
// such as the peer comparison: a title and Markdown written elsewhere.
type PublishedSection struct {
	Title    string
	Markdown string
}

// WritePublished writes the Markdown page that publishes one or more runs,
// each a section with its table, what it measured and how, its charts and
// its scenario; then the extra sections; then the environment and the exact
// commands that reproduce it all. One page from one `make publish`, so every
// figure on it comes from the same build on the same machine.
func WritePublished(w io.Writer, runs []PublishedRun, extra []PublishedSection) error {
	if len(runs) == 0 {
		return fmt.Errorf("publish: no run")
	}
	first := runs[0].Run
	fmt.Fprintf(w, "# Published results\n\n")
	fmt.Fprintf(w, "Measured %s with pushbench %s, by these commands (`make publish` runs the ones behind results/README.md):\n\n```sh\n", first.Started.UTC().Format(time.RFC1123), first.Env.Version)
	for _, pr := range runs {
		fmt.Fprintf(w, "%s\n", commandOf(pr.Run))
	}
	fmt.Fprintf(w, "```\n\n")
	fmt.Fprintf(w, "Every server ran in its own process on the same machine as the load generator (loopback). %s\n\n", TableLegend)
	fmt.Fprintf(w, "Contents:\n\n")
	for _, pr := range runs {
		fmt.Fprintf(w, "- [%s](#%s)%s\n", pr.Run.Name, anchor(pr.Run.Name), descriptionSuffix(pr.Run))
	}
	for _, s := range extra {
		fmt.Fprintf(w, "- [%s](#%s)\n", s.Title, anchor(s.Title))
	}
	fmt.Fprintf(w, "- [Environment](#environment)\n")
	for _, pr := range runs {
		if err := writePublishedRun(w, pr); err != nil {
			return err
		}
	}
	for _, s := range extra {
		fmt.Fprintf(w, "\n## %s\n\n%s\n", s.Title, strings.TrimSpace(s.Markdown))
	}
	writePublishedEnv(w, runs)
	return nil
}

func writePublishedRun(w io.Writer, pr PublishedRun) error {
	run := pr.Run
	fmt.Fprintf(w, "\n## %s\n\n", run.Name)
	if d := description(run); d != "" {
		fmt.Fprintf(w, "%s\n\n", d)
	}
	fmt.Fprintf(w, "```sh\n%s\n```\n\n", commandOf(run))
	if len(run.Transports) > 0 {
		wl := run.Transports[0].Workload
		fmt.Fprintf(w, "Workload: %s, %d connections per transport opened at %g/s, %g messages/s, %d-byte payload, %s warm-up (excluded), %s measured. "+
			"The resource columns, where known, read both processes: CPU seconds (user+sys; the server's from /proc/PID/stat, only for a server pushbench started) over the measured window and the whole run, "+
			"CPU per message delivered in the window, resident memory per held connection (in the middle of the window, against before the first connection) and goroutines.\n\n",
			wl.Pattern, wl.Connections, wl.RampPerSec, wl.Rate, wl.PayloadBytes, time.Duration(wl.Warmup), time.Duration(wl.Duration))
	}
	if err := WriteSummaryTable(w, SummarizeRun(run), FormatMarkdown); err != nil {
		return err
	}
	if lines := ErrorLines(run); len(lines) > 0 {
		fmt.Fprintf(w, "\nNotes from the run:\n\n")
		for _, l := range lines {
			fmt.Fprintf(w, "- %s\n", l)
		}
	}
	if HasFindMax(run) {
		if err := WriteFindMaxSection(w, run, FormatMarkdown); err != nil {
			return err
		}
		fmt.Fprintf(w, "\n![p99 and loss by deliveries/s](%s)\n", path.Join(pr.Dir, FindMaxSVGFile))
	}
	fmt.Fprintf(w, "\n![latency by percentile](%s)\n", path.Join(pr.Dir, "latency.svg"))
	if pr.Scenario != "" {
		fmt.Fprintf(w, "\n<details><summary>scenario</summary>\n\n```yaml\n%s```\n\n</details>\n", strings.TrimRight(pr.Scenario, "\n")+"\n")
	}
	where := pr.Path
	if where == "" {
		where = path.Join("results", pr.Dir)
	}
	fmt.Fprintf(w, "\nEvery histogram, in HdrHistogram's exact encoding, is in `%s`; `pushbench report %s` re-renders it and `pushbench compare %s NEW` compares a new run against it.\n",
		path.Join(pr.Dir, results.ResultFile), where, where)
	return nil
}

func writePublishedEnv(w io.Writer, runs []PublishedRun) {
	e := runs[0].Run.Env
	fmt.Fprintf(w, "\n## Environment\n\n| | |\n|---|---|\n")
	commit := e.Commit
	if e.Modified {
		commit += " (with uncommitted changes)"
	}
	for _, pr := range runs[1:] {
		if pr.Run.Env.Commit != e.Commit || pr.Run.Env.Modified != e.Modified {
			commit += fmt.Sprintf("; %s ran at %s", pr.Run.Name, pr.Run.Env.Commit)
		}
	}
	for _, kv := range [][2]string{
		{"pushbench", e.Version}, {"git commit", commit}, {"Go", e.GoVersion}, {"OS", e.OS + "/" + e.Arch},
		{"kernel", e.Kernel}, {"CPU", e.CPUModel}, {"cores", fmt.Sprint(e.Cores)}, {"GOMAXPROCS", fmt.Sprint(e.GOMAXPROCS)},
	} {
		fmt.Fprintf(w, "| %s | %s |\n", kv[0], kv[1])
	}
}

// commandOf is the command line that produced run.
func commandOf(run *results.Run) string {
	if cmd := strings.Join(run.Command, " "); cmd != "" {
		return cmd
	}
	return "pushbench run scenarios/" + run.Name + ".yaml"
}

// description is the scenario's description, when the run recorded one.
func description(run *results.Run) string {
	var s struct {
		Description string `json:"description"`
	}
	if len(run.Scenario) == 0 || json.Unmarshal(run.Scenario, &s) != nil {
		return ""
	}
	return s.Description
}

func descriptionSuffix(run *results.Run) string {
	if d := description(run); d != "" {
		return ": " + d
	}
	return ""
}

// anchor is the fragment GitHub gives a heading: lower case, spaces as
// dashes, punctuation other than dashes and underscores dropped.
func anchor(title string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(title) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}
