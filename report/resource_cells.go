package report

import (
	"strconv"

	"github.com/pushbench/pushbench/results"
)

// microsCell writes CPU microseconds per delivery: one decimal below 100.
func microsCell(us float64, ok bool) string {
	switch {
	case !ok:
		return NoValue
	case us < 100:
		return strconv.FormatFloat(us, 'f', 1, 64)
	}
	return strconv.FormatFloat(us, 'f', 0, 64)
}

// ratioCell writes a multiple such as "2.1×"; 0 is unknown.
func ratioCell(x float64) string {
	switch {
	case x <= 0:
		return NoValue
	case x < 10:
		return strconv.FormatFloat(x, 'f', 1, 64) + "×"
	}
	return strconv.FormatFloat(x, 'f', 0, 64) + "×"
}

// cpuCell writes CPU seconds over the window and the run.
func cpuCell(c results.CPUTime, ok bool) string {
	if !ok {
		return NoValue
	}
	return strconv.FormatFloat(c.Window, 'f', 2, 64) + "/" + strconv.FormatFloat(c.Run, 'f', 2, 64)
}

func bytesCell(b float64, ok bool) string {
	if !ok {
		return NoValue
	}
	return results.FormatBytes(b)
}

// countCell writes a count that is 0 only when unknown.
func countCell(n int64) string {
	if n == 0 {
		return NoValue
	}
	return itoa(n)
}
