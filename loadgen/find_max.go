package loadgen

import (
	"context"
	"math"
	"time"

	"github.com/pushbench/pushbench/results"
)

// Find-max search phases (results.FindMaxStep.Phase).
const (
	PhaseRaise  = "raise"  // the rate grows step by step until a step does not pass
	PhaseBisect = "bisect" // halving the bracket between the last pass and the first non-pass
	PhaseRetry  = "retry"  // a failed step run again: one noisy failure does not end a search
)

// FindMaxSearch bounds a saturation search: where it starts, how it raises
// the rate, and how many steps and how much step time it may take.
type FindMaxSearch struct {
	Start    float64 // deliveries/s of the first step
	Factor   float64 // a raise multiplies the rate by this when > 1,
	Add      float64 // else adds this
	MaxSteps int     // raise steps at most
	Bisect   int     // bisection steps at most
	// Retries is how many times a step that failed or was
	// generator-limited is run again at the same rate; it counts as not
	// passing only if no attempt passes, so one noisy step (a burst of
	// other work on a shared host shows as loss, latency or timer lag)
	// does not end the search early.
	Retries int
	// TimeLimit stops the search from starting a step once its steps
	// took this long in total (0: bounded by the step counts alone).
	TimeLimit time.Duration
}

// FindMaxRequest is the step the search asks for next.
type FindMaxRequest struct {
	N          int
	Phase      string
	Deliveries float64
}

// FindMaxStepFunc runs one measured step at req.Deliveries and judges it
// (JudgeFindMaxStep). The search reads only Outcome and Took: the step
// function owns the clock and the load, so the search is testable without
// either.
type FindMaxStepFunc func(ctx context.Context, req FindMaxRequest) results.FindMaxStep

// FindMax raises the rate from Start until a step does not pass, then bisects
// between the last passing and the first non-passing rate, and returns the
// curve of every step run with the highest passing rate. A non-passing step
// is a failure of the server's criteria (Limit server), a saturated
// generator (Limit generator: the server's own limit is higher), or a step
// that could not run. It stops early, with what it has, when ctx ends.
func FindMax(ctx context.Context, s FindMaxSearch, step FindMaxStepFunc) results.FindMax {
	var out results.FindMax
	var spent time.Duration
	outOfTime := func() bool { return s.TimeLimit > 0 && spent >= s.TimeLimit }
	run := func(phase string, rate float64) (results.FindMaxStep, bool) {
		if ctx.Err() != nil || outOfTime() {
			return results.FindMaxStep{}, false
		}
		req := FindMaxRequest{N: len(out.Steps) + 1, Phase: phase, Deliveries: rate}
		st := step(ctx, req)
		st.N, st.Phase, st.Deliveries = req.N, req.Phase, req.Deliveries
		spent += time.Duration(st.Took)
		if ctx.Err() != nil {
			// A step cut short by an interrupt judges nothing.
			return st, false
		}
		out.Steps = append(out.Steps, st)
		return st, true
	}
	// attempt runs a step and its retries; ok is false when the search must stop.
	attempt := func(phase string, rate float64) (results.FindMaxStep, bool) {
		st, ok := run(phase, rate)
		for i := 0; ok && retryable(st.Outcome) && i < s.Retries; i++ {
			st, ok = run(PhaseRetry, rate)
		}
		return st, ok
	}

	lo, hi := 0.0, math.Inf(1)
	var hiStep results.FindMaxStep
	rate := s.Start
	for i := 0; i < s.MaxSteps; i++ {
		st, ok := attempt(PhaseRaise, rate)
		if !ok {
			break
		}
		if !st.Passed() {
			hi, hiStep = rate, st
			break
		}
		lo = rate
		rate = s.next(rate)
	}
	if math.IsInf(hi, 1) {
		out.MaxDeliveries = lo
		out.Limit = results.LimitMaxSteps
		if outOfTime() {
			out.Limit = results.LimitTime
		}
		return out
	}
	for i := 0; i < s.Bisect; i++ {
		if hi-lo <= max(1, lo*bisectResolution) {
			break // narrower than one delivery/s or than run-to-run noise
		}
		mid := midpoint(lo, hi)
		st, ok := attempt(PhaseBisect, mid)
		if !ok {
			break
		}
		if st.Passed() {
			lo = mid
		} else {
			hi, hiStep = mid, st
		}
	}
	out.MaxDeliveries = lo
	out.Limit = limitOf(hiStep.Outcome)
	return out
}

// bisectResolution ends bisection once the bracket is within this share of
// the passing rate: steps on a shared machine differ by more than that from
// one run to the next, so a finer bracket would only measure noise.
const bisectResolution = 0.01

// next is the rate of the raise step after rate.
func (s FindMaxSearch) next(rate float64) float64 {
	if s.Factor > 1 {
		return rate * s.Factor
	}
	return rate + s.Add
}

// midpoint halves a bracket, to a whole rate when the bracket is wide enough
// for one, so step rates read cleanly.
func midpoint(lo, hi float64) float64 {
	mid := (lo + hi) / 2
	if hi-lo >= 2 {
		mid = math.Round(mid)
	}
	return mid
}

// retryable reports whether a step's outcome may be noise worth a second
// look: a step that could not run is not retried.
func retryable(outcome string) bool {
	return outcome == results.StepFail || outcome == results.StepGeneratorLimited
}

// limitOf names what a non-passing step says about the maximum.
func limitOf(outcome string) string {
	switch outcome {
	case results.StepFail:
		return results.LimitServer
	case results.StepGeneratorLimited:
		return results.LimitGenerator
	}
	return results.LimitError
}
