package cluster

import (
	"os"
	"strings"
)

// bootIDPath is where Linux keeps a random id made at every boot. Two
// processes that read the same id run on one kernel, so they read one clock:
// an offset measured between them is only the noise of the exchange.
const bootIDPath = "/proc/sys/kernel/random/boot_id"

// ReadBootID is this machine's boot id, or "" when it cannot be read (not
// Linux, say): a worker without one is never taken to share the
// coordinator's clock, and its offset is measured and applied.
func ReadBootID() string {
	b, err := os.ReadFile(bootIDPath)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// sharesClock reports whether a worker that sent boot id worker runs on the
// coordinator's machine (boot id coordinator): both known and equal.
func sharesClock(coordinator, worker string) bool {
	return coordinator != "" && coordinator == worker
}
