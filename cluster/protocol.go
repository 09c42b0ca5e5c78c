package cluster

import (
	"time"

	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
)

// Version is the protocol version a worker sends in its Hello; the
// coordinator refuses any other, naming both, since the two would disagree
// about the messages.
const Version = 1

// Message is one line of the protocol. Its type names it on the wire
// ("type" in the JSON object); codec.go maps the names to the types.
type Message interface{ messageType() string }

// Hello is a worker's first message: who it is.
type Hello struct {
	Version int         `json:"version"`
	Index   int         `json:"index"`
	Host    string      `json:"host"`
	PID     int         `json:"pid"`
	Env     results.Env `json:"env"` // recorded in the worker's own result file
	// BootID is the worker's kernel boot id (/proc/sys/kernel/random/boot_id;
	// "" when unreadable): equal to the coordinator's, the two run on one
	// machine and read one clock, so no offset is applied (Welcome.SameClock).
	BootID string `json:"boot_id,omitempty"`
}

// Welcome accepts a worker: the run's worker count and its clock offset as
// estimated at join; SameClock says it runs on the coordinator's machine and
// shares its clock (offset and uncertainty 0).
type Welcome struct {
	Version          int           `json:"version"`
	Count            int           `json:"count"`
	ClockOffset      time.Duration `json:"clock_offset"`
	ClockUncertainty time.Duration `json:"clock_uncertainty"`
	SameClock        bool          `json:"same_clock,omitempty"`
}

// Ping asks for the worker's clock: T0 is the coordinator's send time (Unix
// ns on its clock), echoed in the Pong.
type Ping struct {
	Seq int   `json:"seq"`
	T0  int64 `json:"t0"`
}

// Alive is the coordinator's keepalive, sent to every member every
// Options.AliveInterval: a worker that hears nothing for its AliveTimeout
// takes the coordinator for hung (alive to TCP, silent to the protocol)
// and ends instead of waiting for ever. It needs no answer.
type Alive struct{}

// Pong answers a Ping with the worker's receive (T1) and send (T2) times,
// Unix ns on the worker's clock.
type Pong struct {
	Seq int   `json:"seq"`
	T0  int64 `json:"t0"`
	T1  int64 `json:"t1"`
	T2  int64 `json:"t2"`
}

// Opened reports that the worker's held connections for a job are open: it
// now waits for the Plan.
type Opened struct {
	Job int `json:"job"`
	loadgen.Opened
}

// Plan starts a job: the one schedule every worker runs, on the
// coordinator's clock.
type Plan struct {
	Job  int          `json:"job"`
	Plan loadgen.Plan `json:"plan"`
}

// Progress is a worker's once-a-second snapshot of a running job (the parts
// of loadgen.Progress a combined progress line and live metrics need).
type Progress struct {
	Job        int           `json:"job"`
	Phase      string        `json:"phase"`
	Elapsed    time.Duration `json:"elapsed"`
	Total      time.Duration `json:"total"`
	Ready      int64         `json:"ready"`
	Failed     int64         `json:"failed"`
	Received   int64         `json:"received"`
	PerSecond  float64       `json:"per_second"`
	Scheduled  bool          `json:"scheduled,omitempty"`
	Missing    int64         `json:"missing"`
	P99        time.Duration `json:"p99"`
	Open       int64         `json:"open"`
	Attempted  int64         `json:"attempted"`
	Dropped    int64         `json:"dropped"`
	Ended      int64         `json:"ended"`
	Reconnects int64         `json:"reconnects"`
	Sent       int64         `json:"sent"`
	// Latency is the worker's latency so far in the live metrics' fixed
	// buckets (a few hundred bytes, whatever the samples): summed, they are
	// exactly the buckets of the merged histogram.
	Latency *loadgen.LatencyBuckets `json:"latency,omitempty"`
}

// Result is what a worker measured for a job: its own share, exactly.
type Result struct {
	Job    int                      `json:"job"`
	Result *results.TransportResult `json:"result"`
}

// Failed says a worker's run of a job ended with an error (its target
// unreachable, say), or that it stopped the job as the coordinator asked
// (Abort).
type Failed struct {
	Job   int    `json:"job"`
	Error string `json:"error"`
}

// Abort stops a job on a worker: the run failed elsewhere, or this worker
// was too late; the worker answers with Failed. With Keep (the coordinator
// was interrupted) it answers with what it measured until then, a result
// marked interrupted, as a single process's interrupted run keeps its.
type Abort struct {
	Job    int    `json:"job"`
	Reason string `json:"reason"`
	Keep   bool   `json:"keep,omitempty"`
}

// Done ends a worker: the coordinator has finished. Without a Failure the
// run completed (its thresholds are the coordinator's to judge) and the
// worker exits 0; with one the coordinator ended the run as failed, and the
// worker logs why and exits non-zero: it must not look as if its work
// counted.
type Done struct {
	Failure string `json:"failure,omitempty"`
}

// ErrorMessage is the coordinator refusing a worker or something it sent
// (why, in words); the worker stops with this error.
type ErrorMessage struct {
	Message string `json:"message"`
}

func (*Hello) messageType() string        { return "hello" }
func (*Welcome) messageType() string      { return "welcome" }
func (*Ping) messageType() string         { return "ping" }
func (*Pong) messageType() string         { return "pong" }
func (*Job) messageType() string          { return "job" }
func (*Opened) messageType() string       { return "opened" }
func (*Plan) messageType() string         { return "plan" }
func (*Progress) messageType() string     { return "progress" }
func (*Result) messageType() string       { return "result" }
func (*Failed) messageType() string       { return "failed" }
func (*Abort) messageType() string        { return "abort" }
func (*Done) messageType() string         { return "done" }
func (*ErrorMessage) messageType() string { return "error" }
func (*Alive) messageType() string        { return "alive" }

// newMessage is an empty message of a wire type name, or nil for a name the
// protocol does not have.
func newMessage(name string) Message {
	switch name {
	case "hello":
		return &Hello{}
	case "welcome":
		return &Welcome{}
	case "ping":
		return &Ping{}
	case "alive":
		return &Alive{}
	case "pong":
		return &Pong{}
	case "job":
		return &Job{}
	case "opened":
		return &Opened{}
	case "plan":
		return &Plan{}
	case "progress":
		return &Progress{}
	case "result":
		return &Result{}
	case "failed":
		return &Failed{}
	case "abort":
		return &Abort{}
	case "done":
		return &Done{}
	case "error":
		return &ErrorMessage{}
	}
	return nil
}
