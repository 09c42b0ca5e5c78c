package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

// Find-max defaults, applied by FindMax.WithDefaults only.
const (
	DefaultFindMaxMetric       = "latency.p99"
	DefaultFindMaxBelow        = float64(100 * time.Millisecond)
	DefaultFindMaxLossBelow    = 0.001
	DefaultFindMaxStart        = workload.Rate(1000)
	DefaultFindMaxFactor       = 2.0
	DefaultFindMaxSteps        = 8
	DefaultFindMaxBisect       = 3
	DefaultFindMaxRetries      = 1
	DefaultFindMaxStepDuration = workload.Duration(10 * time.Second)
	DefaultFindMaxTimeLimit    = workload.Duration(15 * time.Minute)
)

// Bounds that keep a search's step count, and so its time, bounded.
const (
	maxFindMaxSteps   = 30
	maxFindMaxBisect  = 20
	maxFindMaxRetries = 3
)

// FindMax is the scenario's saturation search: instead of one run at the
// workload's rate, each transport runs steps of rising deliveries/s
// (connections x broadcast rate for fanout, connections x sends per
// connection for echo; connections stay fixed), then bisects between the
// last passing and the first failing step. Optional values are pointers:
// nil takes the default, and 0 is a real choice (no bisection, no retry, no
// loss allowed).
type FindMax struct {
	Metric       string            `json:"metric"`
	Below        float64           `json:"below"` // in the metric's unit (ns for durations)
	LossBelow    *float64          `json:"loss_below"`
	Start        workload.Rate     `json:"start"` // deliveries/s
	Factor       float64           `json:"factor,omitempty"`
	Add          workload.Rate     `json:"add,omitempty"`
	MaxSteps     int               `json:"max_steps"`
	Bisect       *int              `json:"bisect"`
	Retries      *int              `json:"retries"`
	StepDuration workload.Duration `json:"step_duration"`
	TimeLimit    workload.Duration `json:"time_limit"`
}

// findMaxKeys are the keys of find_max, in the order they are read (below
// after metric: its unit is the metric's).
var findMaxKeys = []string{"metric", "below", "loss_below", "start", "step", "max_steps", "bisect", "retries", "step_duration", "time_limit"}

// UnmarshalYAML reads find_max: a mapping of findMaxKeys, each error at its
// value's line.
func (f *FindMax) UnmarshalYAML(node ast.Node) error {
	pairs, err := mappingPairs(node)
	if err != nil {
		return err
	}
	values := map[string]ast.Node{}
	for _, p := range pairs {
		key := keyText(p.Key)
		if !containsKey(key) {
			return nodeError(p.Key, "find_max: unknown key %q: want %s", key, strings.Join(findMaxKeys, ", "))
		}
		values[key] = p.Value
	}
	var out FindMax
	for _, key := range findMaxKeys {
		n, ok := values[key]
		if !ok {
			continue
		}
		s, err := workload.Scalar(n)
		if err != nil {
			return err
		}
		if err := out.set(key, s); err != nil {
			return nodeError(n, "%v", err)
		}
	}
	*f = out
	return nil
}

// ParseFindMaxFlag reads run's --find-max: "on" for the defaults, or
// KEY=VALUE pairs of the find_max keys separated by commas, e.g.
// "below=50ms,start=5000/s,step=2x".
func ParseFindMaxFlag(s string) (*FindMax, error) {
	var f FindMax
	if strings.TrimSpace(s) == "on" {
		return &f, nil
	}
	values := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		key, value, ok := strings.Cut(part, "=")
		key = strings.TrimSpace(key)
		if !ok || !containsKey(key) {
			return nil, fmt.Errorf("%q: want on, or KEY=VALUE,... with keys %s", part, strings.Join(findMaxKeys, ", "))
		}
		values[key] = strings.TrimSpace(value)
	}
	for _, key := range findMaxKeys {
		if v, ok := values[key]; ok {
			if err := f.set(key, v); err != nil {
				return nil, err
			}
		}
	}
	return &f, nil
}

func containsKey(key string) bool {
	for _, k := range findMaxKeys {
		if k == key {
			return true
		}
	}
	return false
}

// set reads one key's text. below is read in the unit of the metric set
// before it (or the default metric's).
func (f *FindMax) set(key, s string) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: "+format, append([]any{key}, args...)...)
	}
	switch key {
	case "metric":
		if _, err := results.ParseMetric(s); err != nil {
			return bad("%v", err)
		}
		f.Metric = s
	case "below":
		metric := f.Metric
		if metric == "" {
			metric = DefaultFindMaxMetric
		}
		unit, _ := results.ParseMetric(metric)
		v, err := parseValue(s, unit)
		if err != nil {
			return bad("%q: %v", s, err)
		}
		if v <= 0 {
			return bad("%q must be positive", s)
		}
		f.Below = v
	case "loss_below":
		v, err := parseValue(s, results.UnitRatio)
		if err != nil {
			return bad("%q: %v", s, err)
		}
		if v < 0 || v >= 1 {
			return bad("%q: want a percentage from 0%% up to (not including) 100%%", s)
		}
		f.LossBelow = &v
	case "start":
		r, err := workload.ParseRate(s)
		if err != nil {
			return bad("%v (deliveries/s)", err)
		}
		f.Start = r
	case "step":
		if x, ok := strings.CutSuffix(s, "x"); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil || v <= 1 || v > 100 || math.IsNaN(v) {
				return bad("%q: a factor must be above 1x and at most 100x, like 2x or 1.5x", s)
			}
			f.Factor, f.Add = v, 0
			return nil
		}
		r, err := workload.ParseRate(strings.TrimPrefix(s, "+"))
		if err != nil {
			return bad("%q: want a factor like 2x or an increment like +1000/s", s)
		}
		f.Factor, f.Add = 0, r
	case "max_steps", "bisect", "retries":
		v, err := strconv.Atoi(s)
		limit := map[string]int{"max_steps": maxFindMaxSteps, "bisect": maxFindMaxBisect, "retries": maxFindMaxRetries}[key]
		least := 0
		if key == "max_steps" {
			least = 1
		}
		if err != nil || v < least || v > limit {
			return bad("%q: want a whole number from %d to %d", s, least, limit)
		}
		switch key {
		case "max_steps":
			f.MaxSteps = v
		case "bisect":
			f.Bisect = &v
		default:
			f.Retries = &v
		}
	case "step_duration", "time_limit":
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return bad("%q: want a positive duration, like 10s", s)
		}
		if key == "step_duration" {
			f.StepDuration = workload.Duration(d)
		} else {
			f.TimeLimit = workload.Duration(d)
		}
	}
	return nil
}

// WithDefaults fills every unset value.
func (f FindMax) WithDefaults() FindMax {
	if f.Metric == "" {
		f.Metric = DefaultFindMaxMetric
	}
	if f.Below == 0 && f.Metric == DefaultFindMaxMetric {
		f.Below = DefaultFindMaxBelow
	}
	if f.LossBelow == nil {
		v := DefaultFindMaxLossBelow
		f.LossBelow = &v
	}
	if f.Start == 0 {
		f.Start = DefaultFindMaxStart
	}
	if f.Factor == 0 && f.Add == 0 {
		f.Factor = DefaultFindMaxFactor
	}
	if f.MaxSteps == 0 {
		f.MaxSteps = DefaultFindMaxSteps
	}
	if f.Bisect == nil {
		v := DefaultFindMaxBisect
		f.Bisect = &v
	}
	if f.Retries == nil {
		v := DefaultFindMaxRetries
		f.Retries = &v
	}
	if f.StepDuration == 0 {
		f.StepDuration = DefaultFindMaxStepDuration
	}
	if f.TimeLimit == 0 {
		f.TimeLimit = DefaultFindMaxTimeLimit
	}
	return f
}

// Search is the loadgen search the settings describe (defaults filled).
func (f FindMax) Search() loadgen.FindMaxSearch {
	f = f.WithDefaults()
	return loadgen.FindMaxSearch{Start: float64(f.Start), Factor: f.Factor, Add: float64(f.Add), MaxSteps: f.MaxSteps,
		Bisect: *f.Bisect, Retries: *f.Retries, TimeLimit: time.Duration(f.TimeLimit)}
}

// Criteria is what each step must meet (defaults filled).
func (f FindMax) Criteria() loadgen.FindMaxCriteria {
	f = f.WithDefaults()
	return loadgen.FindMaxCriteria{Metric: f.Metric, Below: f.Below, LossBelow: *f.LossBelow}
}

// validateFindMax checks what depends on the rest of the scenario: a search
// varies a rate that carries messages (fanout, echo), and a metric other
// than the default needs its own limit.
func (s *Scenario) validateFindMax(full Scenario, at func(path, format string, args ...any) error) error {
	if s.FindMax == nil {
		return nil
	}
	if full.Pattern != workload.Fanout && full.Pattern != workload.Echo {
		return at("$.find_max", "applies to patterns %s and %s (their rate carries the deliveries a search raises), not %s",
			workload.Fanout, workload.Echo, full.Pattern)
	}
	if s.FindMax.Below == 0 && s.FindMax.Metric != "" && s.FindMax.Metric != DefaultFindMaxMetric {
		return at("$.find_max.metric", "%s: set below, the limit a step must stay under", s.FindMax.Metric)
	}
	if len(s.Faults) > 0 {
		return at("$.find_max", "cannot be combined with faults: each step is a separate run, and a fault would hit every step")
	}
	return nil
}
