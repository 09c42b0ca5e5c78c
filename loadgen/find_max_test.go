package loadgen_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
)

// fakeServer judges a step by rate alone: up to limit it passes, above it
// fails; from generatorAt up the generator is saturated; failOnce makes the
// first attempt at those rates fail (noise).
type fakeServer struct {
	limit       float64
	generatorAt float64
	failOnce    map[float64]bool
	errorAt     float64
	took        time.Duration
	asked       []loadgen.FindMaxRequest
}

func (f *fakeServer) step(_ context.Context, req loadgen.FindMaxRequest) results.FindMaxStep {
	f.asked = append(f.asked, req)
	st := results.FindMaxStep{Took: results.Duration(f.took), Outcome: results.StepPass}
	switch r := req.Deliveries; {
	case f.errorAt > 0 && r >= f.errorAt:
		st.Outcome = results.StepError
	case f.generatorAt > 0 && r >= f.generatorAt:
		st.Outcome = results.StepGeneratorLimited
	case f.failOnce[r]:
		delete(f.failOnce, r)
		st.Outcome = results.StepFail
	case r > f.limit:
		st.Outcome = results.StepFail
	}
	return st
}

func rates(steps []results.FindMaxStep) []float64 {
	var out []float64
	for _, s := range steps {
		out = append(out, s.Deliveries)
	}
	return out
}

func TestFindMax(t *testing.T) {
	base := loadgen.FindMaxSearch{Start: 1000, Factor: 2, MaxSteps: 8, Bisect: 3}
	tests := []struct {
		name      string
		search    func(loadgen.FindMaxSearch) loadgen.FindMaxSearch
		server    fakeServer
		wantMax   float64
		wantLimit string
		wantRates []float64
		wantPhase string // phases in order, first letter each
	}{
		{name: "monotone pass then fail, bisected", server: fakeServer{limit: 5000},
			wantMax: 5000, wantLimit: results.LimitServer,
			wantRates: []float64{1000, 2000, 4000, 8000, 6000, 5000, 5500}, wantPhase: "rrrrbbb"},
		{name: "noisy fail is retried and passes", server: fakeServer{limit: 5000, failOnce: map[float64]bool{2000: true}},
			search:  func(s loadgen.FindMaxSearch) loadgen.FindMaxSearch { s.Retries = 1; return s },
			wantMax: 5000, wantLimit: results.LimitServer,
			// 2000 fails once and passes on retry; real failures are retried too.
			wantRates: []float64{1000, 2000, 2000, 4000, 8000, 8000, 6000, 6000, 5000, 5500, 5500}, wantPhase: "rrtrrtbtbbt"},
		{name: "noisy fail without retries ends the raise early", server: fakeServer{limit: 5000, failOnce: map[float64]bool{2000: true}},
			wantMax: 1875, wantLimit: results.LimitServer,
			wantRates: []float64{1000, 2000, 1500, 1750, 1875}, wantPhase: "rrbbb"},
		{name: "generator-limited is not the server's limit", server: fakeServer{limit: 1e9, generatorAt: 3300},
			wantMax: 3250, wantLimit: results.LimitGenerator,
			wantRates: []float64{1000, 2000, 4000, 3000, 3500, 3250}, wantPhase: "rrrbbb"},
		{name: "generator-limited steps are retried too", server: fakeServer{limit: 1e9, generatorAt: 3300},
			search:  func(s loadgen.FindMaxSearch) loadgen.FindMaxSearch { s.Retries = 1; s.Bisect = 1; return s },
			wantMax: 3000, wantLimit: results.LimitGenerator,
			wantRates: []float64{1000, 2000, 4000, 4000, 3000}, wantPhase: "rrrtb"},
		{name: "max steps reached: every step passed", server: fakeServer{limit: 1e9},
			search:  func(s loadgen.FindMaxSearch) loadgen.FindMaxSearch { s.MaxSteps = 4; return s },
			wantMax: 8000, wantLimit: results.LimitMaxSteps,
			wantRates: []float64{1000, 2000, 4000, 8000}, wantPhase: "rrrr"},
		{name: "additive step", server: fakeServer{limit: 2600},
			search:  func(s loadgen.FindMaxSearch) loadgen.FindMaxSearch { s.Factor, s.Add, s.Bisect = 0, 500, 1; return s },
			wantMax: 2500, wantLimit: results.LimitServer,
			wantRates: []float64{1000, 1500, 2000, 2500, 3000, 2750}, wantPhase: "rrrrrb"},
		{name: "time limit stops the search", server: fakeServer{limit: 1e9, took: 10 * time.Second},
			search:  func(s loadgen.FindMaxSearch) loadgen.FindMaxSearch { s.TimeLimit = 25 * time.Second; return s },
			wantMax: 4000, wantLimit: results.LimitTime,
			wantRates: []float64{1000, 2000, 4000}, wantPhase: "rrr"},
		{name: "first step fails: bisect below start", server: fakeServer{limit: 300},
			wantMax: 250, wantLimit: results.LimitServer,
			wantRates: []float64{1000, 500, 250, 375}, wantPhase: "rbbb"},
		{name: "steps that cannot run", server: fakeServer{limit: 1e9, errorAt: 2000},
			search:  func(s loadgen.FindMaxSearch) loadgen.FindMaxSearch { s.Bisect = 1; return s },
			wantMax: 1500, wantLimit: results.LimitError,
			wantRates: []float64{1000, 2000, 1500}, wantPhase: "rrb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base
			if tt.search != nil {
				s = tt.search(s)
			}
			f := tt.server
			got := loadgen.FindMax(context.Background(), s, f.step)
			if got.MaxDeliveries != tt.wantMax || got.Limit != tt.wantLimit {
				t.Errorf("max %g limit %s, want %g %s", got.MaxDeliveries, got.Limit, tt.wantMax, tt.wantLimit)
			}
			if r := rates(got.Steps); !equalRates(r, tt.wantRates) {
				t.Errorf("rates %v, want %v", r, tt.wantRates)
			}
			var phases strings.Builder
			for i, st := range got.Steps {
				phases.WriteString(map[string]string{loadgen.PhaseRaise: "r", loadgen.PhaseBisect: "b", loadgen.PhaseRetry: "t"}[st.Phase])
				if st.N != i+1 {
					t.Errorf("step %d numbered %d", i+1, st.N)
				}
			}
			if phases.String() != tt.wantPhase {
				t.Errorf("phases %s, want %s", phases.String(), tt.wantPhase)
			}
			if len(got.Steps) > s.MaxSteps*(1+s.Retries)+s.Bisect*(1+s.Retries) {
				t.Errorf("%d steps exceed the bounds", len(got.Steps))
			}
		})
	}
}

func equalRates(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestFindMaxBisectConverges checks that bisection narrows the bracket to
// the true limit and stops once the bracket is within 1% (or 1/s).
func TestFindMaxBisectConverges(t *testing.T) {
	for _, limit := range []float64{1, 999, 1234, 5123, 7999, 1e6 / 3} {
		f := fakeServer{limit: limit}
		s := loadgen.FindMaxSearch{Start: 1000, Factor: 2, MaxSteps: 12, Bisect: 40}
		got := loadgen.FindMax(context.Background(), s, f.step)
		if got.MaxDeliveries > limit || limit-got.MaxDeliveries > max(1, limit/100) {
			t.Errorf("limit %g: found %g", limit, got.MaxDeliveries)
		}
		if bisects := len(got.Steps); bisects > 12+25 {
			t.Errorf("limit %g: %d steps: bisection did not stop when the bracket closed", limit, bisects)
		}
	}
}

// TestFindMaxStopsOnCancel checks that an interrupt ends the search with the
// steps already judged, and that a step cut short is not judged.
func TestFindMaxStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	step := func(context.Context, loadgen.FindMaxRequest) results.FindMaxStep {
		n++
		if n == 3 {
			cancel()
			return results.FindMaxStep{Outcome: results.StepFail}
		}
		return results.FindMaxStep{Outcome: results.StepPass}
	}
	got := loadgen.FindMax(ctx, loadgen.FindMaxSearch{Start: 10, Factor: 2, MaxSteps: 8, Bisect: 3}, step)
	if len(got.Steps) != 2 || n != 3 || got.MaxDeliveries != 20 {
		t.Errorf("steps %d (ran %d), max %g; want 2 judged, 3 run, max 20", len(got.Steps), n, got.MaxDeliveries)
	}
}
