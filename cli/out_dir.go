package cli

import (
	"fmt"
	"os"
)

// checkWritableDir creates dir and writes and removes a file in it, so that a
// run whose results could not be saved fails before it starts, not after
// minutes of load.
func checkWritableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".pushbench-write-check-*")
	if err != nil {
		return fmt.Errorf("cannot write in %s: %w", dir, err)
	}
	name := f.Name()
	closeErr := f.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("cannot remove %s: %w", name, err)
	}
	if closeErr != nil {
		return fmt.Errorf("cannot write in %s: %w", dir, closeErr)
	}
	return nil
}
