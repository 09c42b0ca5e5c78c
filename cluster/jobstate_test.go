package cluster

import (
	"strings"
	"testing"

	"github.com/pushbench/pushbench/results"
)

// TestRefuseResult: a result is counted only from a worker given the job,
// once, while the job runs, labelled as that worker; anything else is
// refused with the reason.
func TestRefuseResult(t *testing.T) {
	m := &member{index: 1}
	other := &member{index: 2}
	res := func(index int) *Result {
		return &Result{Job: 7, Result: &results.TransportResult{Transport: "ws", Workers: []results.Worker{{Index: index, Count: 3}}}}
	}
	newJob := func(phase string) *jobState {
		j := newJobState(7, "ws", []*member{m, other}, nil)
		j.phase = phase
		return j
	}
	tests := []struct {
		name string
		job  *jobState
		from *member
		r    *Result
		edit func(*jobState)
		want string
	}{
		{"counted", newJob(phaseRunning), m, res(1), nil, ""},
		{"no job", nil, m, res(1), nil, "the coordinator is not running that job"},
		{"other job", newJob(phaseRunning), m, &Result{Job: 6, Result: res(1).Result}, nil, "result for job 6 refused: the coordinator is not running that job"},
		{"closed", newJob(phaseClosed), m, res(1), nil, "ws result refused: it arrived after the coordinator closed ws: a late result is not counted"},
		{"given up on", newJob(phaseRunning), m, res(1), func(j *jobState) { j.aborted[1] = "too slow" }, "after the coordinator gave up on this worker (too slow)"},
		{"twice", newJob(phaseRunning), m, res(1), func(j *jobState) { j.results[1] = res(1).Result }, "a second ws result refused: a worker is counted once"},
		{"before the plan", newJob(phaseOpening), m, res(1), nil, "sent before the plan"},
		{"empty", newJob(phaseRunning), m, &Result{Job: 7}, nil, "ws result refused: empty"},
		{"another transport", newJob(phaseRunning), m, &Result{Job: 7, Result: &results.TransportResult{Transport: "sse"}}, nil, `result for transport "sse" refused`},
		{"another worker's label", newJob(phaseRunning), m, res(2), nil, "labelled worker(s) [2/3], want 1/3 alone"},
		{"a stranger", newJob(phaseRunning), &member{index: 1}, res(1), nil, "not running that job with this worker"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.edit != nil {
				tt.edit(tt.job)
			}
			got := tt.job.refuseResult(tt.from, tt.r, 3)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Fatalf("refuseResult: %q, want %q", got, tt.want)
			}
		})
	}
}
