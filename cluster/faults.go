package cluster

import (
	"fmt"
	"strings"
)

// WorkerFault is a worker the run could not count on: it never joined, was
// refused, was not ready in time, its connection was lost, or its result
// did not arrive by the deadline. Without workers.allow_partial it fails
// the run; the CLI exits 2 on it. Losing the publisher of a pattern that
// publishes fails the run even with allow_partial: the receivers would
// count every message it never sent as lost, blaming the server.
type WorkerFault struct {
	Index  int
	Host   string // "" for a worker that never connected
	PID    int
	Addr   string
	Phase  string // "joining", "refused", "opening ws connections", "running ws", ...
	Reason string
	// Publisher: the worker published the job's messages (fan-out).
	Publisher bool
}

func (e *WorkerFault) Error() string {
	if e.Publisher {
		return fmt.Sprintf("worker %d%s, the publisher, %s: %s: the plan cannot be carried out without it (workers.allow_partial goes on only without workers that receive)",
			e.Index, describeWorker(e.Host, e.PID, e.Addr), e.Phase, e.Reason)
	}
	return fmt.Sprintf("worker %d%s %s: %s", e.Index, describeWorker(e.Host, e.PID, e.Addr), e.Phase, e.Reason)
}

// WorkerError is a worker whose run of a transport ended with an error of
// its own (the target unreachable from it, say): the transport fails, as a
// single-process run's would.
type WorkerError struct {
	Index int
	Host  string
	PID   int
	Addr  string
	Err   string
}

func (e *WorkerError) Error() string {
	return fmt.Sprintf("worker %d%s: %s", e.Index, describeWorker(e.Host, e.PID, e.Addr), e.Err)
}

// describeWorker names a worker's process and connection for messages:
// " (host box, pid 4242, 10.0.0.3:51234)", or " (never joined)".
func describeWorker(host string, pid int, addr string) string {
	if host == "" && pid == 0 && addr == "" {
		return " (never joined)"
	}
	var parts []string
	if host != "" {
		parts = append(parts, "host "+host)
	}
	if pid != 0 {
		parts = append(parts, fmt.Sprintf("pid %d", pid))
	}
	if addr != "" {
		parts = append(parts, addr)
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
