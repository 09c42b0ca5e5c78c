package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pushbench/pushbench/report"
	"github.com/pushbench/pushbench/results"
)

// runPublish turns a saved run into the published page: OUT/README.md with the
// table, environment and reproduce command, and OUT/published/ with the full
// result and its chart.
func runPublish(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("publish", "[-o DIR] [--scenario FILE] RUN", stdout)
	out := fs.String("o", "results", "directory for README.md and published/")
	scenario := fs.String("scenario", "", "scenario file to quote on the page")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{errors.New("name one run directory or result.json")}
	}
	run, err := results.ReadRun(fs.Arg(0))
	if err != nil {
		return err
	}
	var scenarioText []byte
	if *scenario != "" {
		if scenarioText, err = os.ReadFile(*scenario); err != nil {
			return fmt.Errorf("read scenario: %w", err)
		}
	}
	pub := filepath.Join(*out, "published")
	if err := report.WriteRunDir(pub, run); err != nil {
		return err
	}
	var page bytes.Buffer
	if err := report.WritePublished(&page, run, "published/latency.svg", string(scenarioText)); err != nil {
		return err
	}
	readme := filepath.Join(*out, "README.md")
	if err := os.WriteFile(readme, page.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", readme, err)
	}
	fmt.Fprintf(stdout, "published %s: %s and %s/\n", run.Name, readme, pub)
	return nil
}
