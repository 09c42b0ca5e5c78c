package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/pushbench/pushbench/scenarios"
)

// runValidate checks scenario files without running load: exit 0 when all are
// valid, 2 with each error (file:line:column, key, reason) otherwise.
func runValidate(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("validate", "SCENARIO.yaml ...", stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{fmt.Errorf("name at least one scenario file")}
	}
	bad := 0
	for _, path := range fs.Args() {
		sc, err := scenarios.Load(path)
		if err != nil {
			fmt.Fprintln(stderr, err)
			bad++
			continue
		}
		full := sc.WithDefaults()
		n := 0
		for _, conds := range full.Thresholds {
			n += len(conds)
		}
		fmt.Fprintf(stdout, "ok %s: %s, %s, %d connections x %d transports, %s measured, %d thresholds\n",
			path, full.Name, full.Pattern, full.Connections, len(full.Transports), full.Duration, n)
	}
	if bad > 0 {
		return usageError{fmt.Errorf("%d of %d scenario files invalid", bad, fs.NArg())}
	}
	return nil
}
