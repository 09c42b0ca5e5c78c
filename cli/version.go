package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/pushbench/pushbench/results"
)

// runVersion prints the module version, the VCS revision the binary was built
// from and the Go version: the same build information a result file records
// (results.CollectEnv reads it from runtime/debug.ReadBuildInfo), so a
// binary can be matched to the results it wrote.
func runVersion(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("version", "", stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	fmt.Fprintln(stdout, versionLine(results.CollectEnv()))
	return nil
}

// versionLine writes e's build information in one line:
// "pushbench v1.2.0 (commit 0123abcd..., modified) go1.26.8 linux/amd64".
func versionLine(e results.Env) string {
	line := "pushbench " + e.Version
	if e.Commit != "" {
		line += " (commit " + e.Commit
		if e.Modified {
			line += ", modified"
		}
		line += ")"
	}
	return line + " " + e.GoVersion + " " + e.OS + "/" + e.Arch
}
