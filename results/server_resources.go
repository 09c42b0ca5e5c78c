package results

import "slices"

// ServerResources is what the server cost over a coordinated run (pushbench
// run --procs, coordinate/worker) against server processes on the
// coordinator's machine, as the coordinator read them: it started the
// builtin servers and knows their process ids, and it sees the server whole,
// while each worker holds only its share of the connections. So the
// coordinator, not a worker, reads the server's CPU over the plan's
// measured window and the whole transport run, its resident memory before
// the workers connect and in the middle of the window, and its goroutines
// (one server only), each summed over the server's processes.
//
// The record sits on the merged TransportResult (ServerResources), once per
// coordinated run, never in a worker's Resources: a worker's own result
// (workers/worker-N.json) has none, so nothing counts the server once per
// worker. Workers lists the workers whose connections the server served; a
// worker's own server fields are not counted when a record covers it
// (ResourceTotals). Merging results appends the records: each is a separate
// set of server processes, measured once. A figure that could not be read
// is omitted, never 0.
type ServerResources struct {
	// Workers are the indexes of the workers whose connections and
	// deliveries these figures go with.
	Workers []int `json:"workers"`
	// Processes is how many server processes were read.
	Processes int `json:"processes"`
	// CPU is the processes' user+system CPU time, from /proc/PID/stat;
	// absent when one of them was replaced during the run.
	CPU *CPUTime `json:"cpu,omitempty"`
	// Resident memory before the workers connected and in the middle of the
	// measured window.
	RSSBefore int64 `json:"rss_before_bytes,omitempty"`
	RSSHeld   int64 `json:"rss_held_bytes,omitempty"`
	// Goroutines is the server's count from its GET /stats, in the middle of
	// the window (a single pushbench server only).
	Goroutines int64 `json:"goroutines,omitempty"`
}

// covers reports whether any of the records measured worker i's server.
func covers(recs []ServerResources, i int) bool {
	for _, s := range recs {
		if slices.Contains(s.Workers, i) {
			return true
		}
	}
	return false
}
