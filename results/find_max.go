package results

import "fmt"

// Find-max step outcomes (FindMaxStep.Outcome).
const (
	StepPass             = "pass"
	StepFail             = "fail"              // the server missed a criterion
	StepGeneratorLimited = "generator-limited" // the load generator was saturated: says nothing of the server
	StepError            = "error"             // the step could not run
)

// Why a search ended (FindMax.Limit).
const (
	LimitServer    = "server"    // the first non-passing rate failed the criteria: the server's limit
	LimitGenerator = "generator" // the first non-passing rate saturated the generator: the server's limit is higher
	LimitMaxSteps  = "max_steps" // every step passed: the maximum is a lower bound
	LimitTime      = "time"      // the time limit stopped the search
	LimitError     = "error"     // steps could not run
)

// FindMax is the outcome of a saturation search for one transport: the
// criteria, the highest sustained rate and the curve of every step, so a
// reader sees how latency and loss grew towards the limit. Rates are
// deliveries per second: connections x broadcast rate (fanout) or
// connections x sends per connection (echo).
type FindMax struct {
	Metric      string  `json:"metric"`
	Below       float64 `json:"below"`      // the metric's limit, in its unit (ns for durations)
	LossBelow   float64 `json:"loss_below"` // fraction
	Connections int     `json:"connections"`
	// Knob names what the search varied at fixed connections.
	Knob string `json:"knob"`
	// MaxDeliveries is the highest rate that passed (0: none did);
	// Limit says what stopped the search above it.
	MaxDeliveries float64       `json:"max_deliveries_per_sec"`
	Limit         string        `json:"limit"`
	Steps         []FindMaxStep `json:"steps"`
}

// FindMaxStep is one measured run of a search.
type FindMaxStep struct {
	N     int    `json:"n"`     // 1-based, in the order run
	Phase string `json:"phase"` // raise, bisect or retry
	// Deliveries is the rate asked for; Rate the workload rate that makes
	// it; Achieved the unique deliveries per measured second.
	Deliveries float64  `json:"deliveries_per_sec"`
	Rate       float64  `json:"rate"`
	Achieved   float64  `json:"achieved_per_sec"`
	Metric     float64  `json:"metric"` // the criterion metric, in its unit
	P99        Duration `json:"p99"`
	LossRatio  float64  `json:"loss_ratio"`
	ConnFailed int64    `json:"conn_failed"`
	Outcome    string   `json:"outcome"`
	Reason     string   `json:"reason,omitempty"`
	Took       Duration `json:"took"`
}

// Passed reports whether the step met every criterion.
func (s FindMaxStep) Passed() bool { return s.Outcome == StepPass }

// mergeFindMax is the merge rule for searches: a search's steps are one
// process's decisions (the next rate depends on the last outcome), so the
// curves of two workers are not the same steps and do not add. Results with
// a search merge only with nothing to merge them with.
func mergeFindMax(parts []*TransportResult) error {
	if len(parts) < 2 {
		return nil
	}
	for _, p := range parts {
		if p.FindMax != nil {
			return fmt.Errorf("merge %s: a find_max search runs in one process; its steps do not merge across workers: %w", p.Transport, ErrIncompatible)
		}
	}
	return nil
}
