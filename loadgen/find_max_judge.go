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

// JudgeFindMaxStep reads one step's result against the criteria: any failed
// or dropped connection, a metric with no value or above Below, or loss above
// LossBelow fails it. A saturated generator makes a step generator-limited
// unless the step passes anyway: a starved generator stamps receives late and
// gives up on messages early, so it only ever makes latency and loss look
// worse, never better. A step that meets a latency criterion and delivered
// its rate with a saturated generator has passed with figures that are upper
// bounds (on a 2-core host the server's own CPU starves the generator's
// timers long before either limit is reached, and discarding such steps
// would report the generator's limit where the server's is known to be
// higher). A failing step with a saturated generator says nothing about the
// server, so it is generator-limited.
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
	if tr.Saturated() && !(len(reasons) == 0 && unit == results.UnitDuration && st.Achieved >= minAchieved*requested(tr)) {
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
	if tr.Saturated() {
		st.Reason = "passed with the load generator saturated: its latency and loss are upper bounds"
	}
	return st
}

// minAchieved is the share of the requested deliveries/s a passing step must
// have delivered when the generator was saturated: a publisher that fell
// behind sent less than asked, and its step says nothing about the rate asked.
const minAchieved = 0.95

// requested is the deliveries/s a step asked for: connections x rate (fanout:
// broadcasts/s; echo: sends/s per connection).
func requested(tr *results.TransportResult) float64 {
	return tr.Workload.Rate * float64(tr.Workload.Connections)
}

// FindMaxStepError is the step of a run that could not be completed.
func FindMaxStepError(err error, took time.Duration) results.FindMaxStep {
	return results.FindMaxStep{Outcome: results.StepError, Reason: err.Error(), Took: results.Duration(took)}
}
