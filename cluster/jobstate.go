package cluster

import (
	"fmt"
	"strings"

	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
)

// Phases of a job on the coordinator.
const (
	phaseOpening = "opening" // jobs sent, waiting for Opened
	phaseRunning = "running" // plan sent, waiting for results
	phaseClosed  = "closed"  // merged or failed; anything later is refused
)

// jobState is one job's bookkeeping, under the coordinator's mu. A worker is
// done with a job once it sent its result, reported failure, or was lost;
// each of those counts once.
type jobState struct {
	id        int
	transport string
	phase     string
	parts     map[int]*member // the workers given the job
	missing   []int           // workers of the run not given it (lost before)
	// publisher is the worker that publishes the job's messages (the lowest
	// index given it), or -1 when the pattern has no publisher. Without it
	// the receivers would count every message it never sent as lost, so it
	// cannot be given up on (isPublisher).
	publisher int

	opened  map[int]bool
	counts  map[int]loadgen.Opened
	results map[int]*results.TransportResult
	failed  map[int]string
	lost    map[int]string
	aborted map[int]string // the coordinator gave up on them: why
}

func newJobState(id int, transport string, parts []*member, missing []int) *jobState {
	j := &jobState{id: id, transport: transport, phase: phaseOpening, parts: map[int]*member{}, missing: missing, publisher: -1,
		opened: map[int]bool{}, counts: map[int]loadgen.Opened{}, results: map[int]*results.TransportResult{},
		failed: map[int]string{}, lost: map[int]string{}, aborted: map[int]string{}}
	for _, m := range parts {
		j.parts[m.index] = m
	}
	return j
}

// current reports whether a message about job id from m belongs to this
// job, still open.
func (j *jobState) current(m *member, id int) bool {
	return j != nil && j.id == id && j.parts[m.index] == m && j.phase != phaseClosed
}

// done reports whether worker i has nothing more to give this job.
func (j *jobState) done(i int) bool {
	_, failed := j.failed[i]
	_, lost := j.lost[i]
	return j.results[i] != nil || failed || lost
}

// isPublisher reports whether worker i publishes the job's messages.
func (j *jobState) isPublisher(i int) bool { return j.publisher >= 0 && j.publisher == i }

// phaseName says where the job stands, for fault messages.
func (j *jobState) phaseName() string {
	if j.phase == phaseOpening {
		return "opening " + j.transport + " connections"
	}
	return "running " + j.transport
}

// refuseResult says why a result from m cannot be counted, or "".
func (j *jobState) refuseResult(m *member, r *Result, count int) string {
	switch {
	case j == nil || j.id != r.Job || j.parts[m.index] != m:
		return fmt.Sprintf("worker %d: result for job %d refused: the coordinator is not running that job with this worker (it closed it, or never gave it): a late result is not counted", m.index, r.Job)
	case j.phase == phaseClosed:
		return fmt.Sprintf("worker %d: %s result refused: it arrived after the coordinator closed %s: a late result is not counted", m.index, j.transport, j.transport)
	case j.aborted[m.index] != "":
		return fmt.Sprintf("worker %d: %s result refused: it arrived after the coordinator gave up on this worker (%s): a late result is not counted", m.index, j.transport, j.aborted[m.index])
	case j.done(m.index):
		return fmt.Sprintf("worker %d: a second %s result refused: a worker is counted once", m.index, j.transport)
	case j.phase != phaseRunning:
		return fmt.Sprintf("worker %d: %s result refused: sent before the plan", m.index, j.transport)
	case r.Result == nil:
		return fmt.Sprintf("worker %d: %s result refused: empty", m.index, j.transport)
	case r.Result.Transport != j.transport:
		return fmt.Sprintf("worker %d: result for transport %q refused: the job is %s", m.index, r.Result.Transport, j.transport)
	case len(r.Result.Workers) != 1 || r.Result.Workers[0].Slice() != (results.Worker{Index: m.index, Count: count}):
		var labels []string
		for _, w := range r.Result.Workers {
			labels = append(labels, fmt.Sprintf("%d/%d", w.Index, w.Count))
		}
		return fmt.Sprintf("worker %d: %s result refused: labelled worker(s) [%s], want %d/%d alone", m.index, j.transport, strings.Join(labels, " "), m.index, count)
	}
	return ""
}
