package report

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/pushbench/pushbench/results"
)

// HasFindMax reports whether any transport of run came from a saturation
// search, so the run directory gets its curve.
func HasFindMax(run *results.Run) bool {
	for _, t := range run.Transports {
		if t.FindMax != nil {
			return true
		}
	}
	return false
}

// FindMaxVerdict says in one line what a search found: the highest sustained
// rate and what stopped it above that. A generator-limited stop is said to
// be the generator's, never the server's limit.
func FindMaxVerdict(fm results.FindMax) string {
	found := "no step passed"
	if fm.MaxDeliveries > 0 {
		found = fmt.Sprintf("highest sustained %s deliveries/s (%d connections, %s)", rateText(fm.MaxDeliveries), fm.Connections, fm.Knob)
	}
	above, ok := firstNonPass(fm)
	switch fm.Limit {
	case results.LimitServer:
		return fmt.Sprintf("%s; the server's limit: at %s/s %s", found, rateText(above.Deliveries), above.Reason)
	case results.LimitGenerator:
		return fmt.Sprintf("%s; generator-limited at %s/s, not the server's limit (it is higher than this generator can measure): %s",
			found, rateText(above.Deliveries), above.Reason)
	case results.LimitMaxSteps:
		return found + "; every step passed: the limit is higher (raise start or max_steps)"
	case results.LimitTime:
		return found + "; the time limit ended the search: the limit is at least this"
	}
	if ok {
		return fmt.Sprintf("%s; the step at %s/s could not run: %s", found, rateText(above.Deliveries), above.Reason)
	}
	return found
}

// firstNonPass is the lowest-rate step that did not pass, above the highest
// that did: the step that bounds the search from above.
func firstNonPass(fm results.FindMax) (results.FindMaxStep, bool) {
	var out results.FindMaxStep
	found := false
	for _, st := range fm.Steps {
		if !st.Passed() && st.Deliveries > fm.MaxDeliveries && (!found || st.Deliveries <= out.Deliveries) {
			out, found = st, true
		}
	}
	return out, found
}

// rateText writes a deliveries/s figure without needless decimals.
func rateText(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// WriteFindMaxSection writes, per searched transport, the verdict and the
// curve of every step as a table; nothing for a run without a search.
func WriteFindMaxSection(w io.Writer, run *results.Run, format Format) error {
	for _, t := range run.Transports {
		fm := t.FindMax
		if fm == nil {
			continue
		}
		criteria := fmt.Sprintf("%s <= %s, loss <= %s, no failed connections", fm.Metric, metricText(fm.Metric, fm.Below),
			results.FormatValue(fm.LossBelow, results.UnitRatio))
		if format == FormatMarkdown {
			fmt.Fprintf(w, "\n## Saturation search: %s\n\nCriteria: %s. Result: %s. The table above shows the highest passing step.\n\n", t.Transport, criteria, FindMaxVerdict(*fm))
		} else {
			fmt.Fprintf(w, "\nfind max %s (%s): %s\n", t.Transport, criteria, FindMaxVerdict(*fm))
		}
		if err := WriteFindMaxTable(w, *fm, format); err != nil {
			return err
		}
	}
	return nil
}

// metricText writes a criterion metric's value in its unit.
func metricText(metric string, v float64) string {
	unit, err := results.ParseMetric(metric)
	if err != nil {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return results.FormatValue(v, unit)
}

// findMaxCells are one step's table cells: step, phase, deliveries/s asked,
// achieved, p99, the criterion metric when it is not p99, loss, failed
// connections, outcome, took and (all-columns formats) the reason.
func findMaxCells(fm results.FindMax, st results.FindMaxStep, all bool) []string {
	row := []string{strconv.Itoa(st.N), st.Phase, rateText(st.Deliveries), rateText(st.Achieved), durationText(time.Duration(st.P99))}
	if fm.Metric != "latency.p99" {
		row = append(row, metricText(fm.Metric, st.Metric))
	}
	row = append(row, lossPercentOrZero(st.LossRatio), strconv.FormatInt(st.ConnFailed, 10), st.Outcome,
		time.Duration(st.Took).Round(time.Second).String())
	if all {
		row = append(row, st.Reason)
	}
	return row
}

func durationText(d time.Duration) string {
	if d == 0 {
		return NoValue
	}
	return results.FormatDuration(d)
}

func lossPercentOrZero(r float64) string {
	if r == 0 {
		return "0%"
	}
	return lossPercent(r)
}
