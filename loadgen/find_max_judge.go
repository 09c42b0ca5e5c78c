package loadgen

import (
	"fmt"
	"strings"
	"time"

	"github.com/pushbench/pushbench/results"
)

// FindMaxCriteria is what a find-max step must meet to pass.
type FindMaxCriteria struct {
	Metric    string  // e.g. latency.p99
	Below     float64 // the metric's limit, in its unit: a step above it fails
	LossBelow float64 // loss ratio: a step above it fails
}

// JudgeFindMaxStep reads one step's result against the criteria. A saturated
// generator makes the step generator-limited whatever else it shows: its
// figures describe the generator, so they must not be taken for the server's
// limit. Otherwise any failed or dropped connection, a metric with no value
// or above Below, or loss above LossBelow fails it.
func JudgeFindMaxStep(tr *results.TransportResult, c FindMaxCriteria) results.FindMaxStep {
	st := results.FindMaxStep{
		Rate:       tr.Workload.Rate,
		ConnFailed: tr.Counters.ConnFailed + tr.Counters.ConnDropped,
		P99:        results.Duration(tr.Hist(results.HistLatency).Quantile(0.99)),
	}
	st.Achieved, _, _ = results.MetricValue(tr, "throughput")
	st.LossRatio, _, _ = results.MetricValue(tr, "loss_ratio")
	v, unit, err := results.MetricValue(tr, c.Metric)
	st.Metric = v
	var reasons []string
	switch {
	case err != nil:
		reasons = append(reasons, fmt.Sprintf("%s: %v", c.Metric, err))
	case v > c.Below:
		reasons = append(reasons, fmt.Sprintf("%s %s > %s", c.Metric, results.FormatValue(v, unit), results.FormatValue(c.Below, unit)))
	}
	if st.LossRatio > c.LossBelow {
		reasons = append(reasons, fmt.Sprintf("loss %s > %s", results.FormatValue(st.LossRatio, results.UnitRatio), results.FormatValue(c.LossBelow, results.UnitRatio)))
	}
	if st.ConnFailed > 0 {
		reasons = append(reasons, fmt.Sprintf("%d connections failed or dropped", st.ConnFailed))
	}
	if tr.Saturated() {
		var why []string
		for _, g := range tr.Generator {
			why = append(why, g.Reasons...)
		}
		st.Outcome, st.Reason = results.StepGeneratorLimited, "generator saturated: "+strings.Join(why, "; ")
		if len(reasons) > 0 {
			st.Reason += " (and " + strings.Join(reasons, ", ") + ")"
		}
		return st
	}
	if len(reasons) > 0 {
		st.Outcome, st.Reason = results.StepFail, strings.Join(reasons, ", ")
		return st
	}
	st.Outcome = results.StepPass
	return st
}

// FindMaxStepError is the step of a run that could not be completed.
func FindMaxStepError(err error, took time.Duration) results.FindMaxStep {
	return results.FindMaxStep{Outcome: results.StepError, Reason: err.Error(), Took: results.Duration(took)}
}
