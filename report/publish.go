package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pushbench/pushbench/results"
)

// WritePublished writes the Markdown page that publishes a run: the table,
// what it measured and how, the environment, the scenario and the exact
// command to reproduce it. svg, when not empty, is the chart's path relative
// to the page.
func WritePublished(w io.Writer, run *results.Run, svg, scenarioText string) error {
	fmt.Fprintf(w, "# Published results: %s\n\n", run.Name)
	fmt.Fprintf(w, "Measured %s with pushbench %s. Reproduce with `make publish`, which runs:\n\n", run.Started.UTC().Format(time.RFC1123), run.Env.Version)
	cmd := strings.Join(run.Command, " ")
	if cmd == "" {
		cmd = "pushbench run scenarios/" + run.Name + ".yaml"
	}
	fmt.Fprintf(w, "```sh\n%s\n```\n\n", cmd)
	if len(run.Transports) > 0 {
		wl := run.Transports[0].Workload
		fmt.Fprintf(w, "Workload: %s, %d connections per transport opened at %g/s, %g messages/s, %d-byte payload, %s warm-up (excluded), %s measured. "+
			"Each transport ran against a fresh reference server in its own process on the same machine as the load generator. "+
			"The resource columns read both processes: CPU seconds (user+sys; the server's from /proc/PID/stat) over the measured window and the whole run, "+
			"CPU per message delivered in the window, resident memory per held connection (in the middle of the window, against before the first connection) and goroutines.\n\n",
			wl.Pattern, wl.Connections, wl.RampPerSec, wl.Rate, wl.PayloadBytes, time.Duration(wl.Warmup), time.Duration(wl.Duration))
	}
	if err := WriteSummaryTable(w, SummarizeRun(run), FormatMarkdown); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s\n", TableLegend)
	if lines := ErrorLines(run); len(lines) > 0 {
		fmt.Fprintf(w, "\nNotes from the run:\n\n")
		for _, l := range lines {
			fmt.Fprintf(w, "- %s\n", l)
		}
	}
	if svg != "" {
		fmt.Fprintf(w, "\n![latency by percentile](%s)\n", svg)
	}
	e := run.Env
	fmt.Fprintf(w, "\n## Environment\n\n| | |\n|---|---|\n")
	commit := e.Commit
	if e.Modified {
		commit += " (with uncommitted changes)"
	}
	for _, kv := range [][2]string{
		{"pushbench", e.Version}, {"git commit", commit}, {"Go", e.GoVersion}, {"OS", e.OS + "/" + e.Arch},
		{"kernel", e.Kernel}, {"CPU", e.CPUModel}, {"cores", fmt.Sprint(e.Cores)}, {"GOMAXPROCS", fmt.Sprint(e.GOMAXPROCS)},
	} {
		fmt.Fprintf(w, "| %s | %s |\n", kv[0], kv[1])
	}
	if scenarioText != "" {
		fmt.Fprintf(w, "\n## Scenario\n\n```yaml\n%s```\n", scenarioText)
	}
	fmt.Fprintf(w, "\nThe full result, every histogram in HdrHistogram's exact encoding, is in `published/result.json`; "+
		"`pushbench report results/published` re-renders it and `pushbench compare results/published NEW` compares a new run against it.\n")
	return nil
}
