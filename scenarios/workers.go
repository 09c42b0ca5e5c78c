package scenarios

import (
	"fmt"
	"time"

	"github.com/pushbench/pushbench/workload"
)

// Coordinated-run defaults, applied by Workers.WithDefaults only (a
// scenario without a workers block keeps none, so its recorded form is
// unchanged).
const (
	// DefaultReadyTimeout: workers on other machines or in pods that start
	// in any order get a minute to join, and as long again past the
	// expected ramp to open their connections.
	DefaultReadyTimeout = workload.Duration(time.Minute)
	// DefaultMaxClockUncertainty: 5 ms is below what a person reads off a
	// latency table of a network run, and far above a LAN's round trip.
	DefaultMaxClockUncertainty = workload.Duration(5 * time.Millisecond)
	// MaxProcs bounds local worker processes: each is a whole load
	// generator; more than the cores of any one box buys nothing.
	MaxProcs = 64
)

// Workers is a scenario's coordinated run: the scenario's connections split
// over several worker processes (here, or on other machines) that run one
// plan with one publisher, merged exactly into one result. Procs starts that
// many local worker processes (pushbench run --procs N); AllowPartial merges
// what arrived when a worker is lost or never ready (never without the worker
// that publishes a fan-out), instead of failing the
// run; ReadyTimeout is how long workers may take to join, and to open their
// connections past the expected ramp; MaxClockUncertainty refuses a worker
// whose clock offset to the coordinator is known less well than this.
type Workers struct {
	Procs               int               `yaml:"procs" json:"procs,omitempty"`
	AllowPartial        bool              `yaml:"allow_partial" json:"allow_partial,omitempty"`
	ReadyTimeout        workload.Duration `yaml:"ready_timeout" json:"ready_timeout,omitempty"`
	MaxClockUncertainty workload.Duration `yaml:"max_clock_uncertainty" json:"max_clock_uncertainty,omitempty"`
}

// WithDefaults fills the zero timeouts.
func (w Workers) WithDefaults() Workers {
	if w.ReadyTimeout == 0 {
		w.ReadyTimeout = DefaultReadyTimeout
	}
	if w.MaxClockUncertainty == 0 {
		w.MaxClockUncertainty = DefaultMaxClockUncertainty
	}
	return w
}

// validateWorkers checks the workers block: numbers in range, and nothing a
// coordinated run cannot do (faults and find_max run on one process's
// timeline).
func (s *Scenario) validateWorkers(at func(path, format string, args ...any) error) error {
	w := s.Workers
	switch {
	case w.Procs < 0 || w.Procs > MaxProcs:
		return at("$.workers.procs", "procs %d: want 0 (one process, the default) to %d local worker processes", w.Procs, MaxProcs)
	case w.ReadyTimeout < 0:
		return at("$.workers.ready_timeout", "ready_timeout %s: must not be negative", w.ReadyTimeout)
	case w.MaxClockUncertainty < 0:
		return at("$.workers.max_clock_uncertainty", "max_clock_uncertainty %s: must not be negative", w.MaxClockUncertainty)
	}
	if w.Procs == 0 {
		return nil
	}
	if len(s.Faults) > 0 {
		return at("$.workers.procs", "a coordinated run (procs %d) cannot inject faults: the timeline runs in one process; drop procs or faults", w.Procs)
	}
	if s.FindMax != nil {
		return at("$.workers.procs", "a coordinated run (procs %d) cannot run find_max: each step's rate depends on the last outcome, in one process; drop procs or find_max", w.Procs)
	}
	return nil
}

// String is the block as a scenario writes it, for errors that compare two.
func (w Workers) String() string {
	return fmt.Sprintf("procs: %d, allow_partial: %t, ready_timeout: %s, max_clock_uncertainty: %s",
		w.Procs, w.AllowPartial, time.Duration(w.ReadyTimeout), time.Duration(w.MaxClockUncertainty))
}
