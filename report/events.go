package report

import (
	"fmt"
	"time"

	"github.com/pushbench/pushbench/results"
)

// eventLines says what each timeline action (a fault injected into the
// target) did and when, so a reader can match a dip or a tail in the numbers
// to its cause: "ws: fault kill at 3s: done in 4ms".
func eventLines(t *results.TransportResult) []string {
	lines := make([]string, 0, len(t.Events))
	for _, e := range t.Events {
		line := fmt.Sprintf("%s: fault %s at %s", t.Transport, e.Name, time.Duration(e.At))
		if late := time.Duration(e.Late); late >= 10*time.Millisecond {
			line += fmt.Sprintf(" (started %s late)", results.FormatDuration(late))
		}
		if e.Error != "" {
			line += ": failed: " + e.Error
		} else {
			line += ": done in " + results.FormatDuration(time.Duration(e.Took))
		}
		if len(t.Workers) > 1 {
			line += fmt.Sprintf(" (worker %d)", e.Worker)
		}
		lines = append(lines, line)
	}
	return lines
}
