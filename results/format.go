package results

import (
	"strconv"
	"time"
)

// FormatValue writes a metric value in its unit: 12.3ms, 0.10%, 950/s, 7. It
// is the unit's text form, so threshold verdicts, the load generator's notes
// and the rendered reports all write a value the same way.
func FormatValue(v float64, u Unit) string {
	switch u {
	case UnitDuration:
		return FormatDuration(time.Duration(v))
	case UnitRatio:
		return strconv.FormatFloat(100*v, 'g', 4, 64) + "%"
	case UnitRate:
		return strconv.FormatFloat(v, 'f', 1, 64) + "/s"
	case UnitBytes:
		return FormatBytes(v)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// FormatDuration prints a latency with three significant digits in a unit that
// keeps it short: 812µs, 4.21ms, 1.50s.
func FormatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Microsecond), 'f', -1, 64) + "µs"
	case d < time.Second:
		return sig3(float64(d)/float64(time.Millisecond)) + "ms"
	default:
		return sig3(d.Seconds()) + "s"
	}
}

func sig3(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

// FormatBytes writes a size in binary units with three significant digits:
// 512B, 4.00KiB, 31.4MiB.
func FormatBytes(v float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return strconv.FormatFloat(v, 'f', 0, 64) + "B"
	}
	return sig3(v) + units[i]
}
