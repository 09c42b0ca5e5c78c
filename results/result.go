package results

import (
	"encoding/json"
	"fmt"
	"time"
)

// SchemaVersion is the version of the result.json layout. Readers refuse files
// with a newer version instead of misreading them.
const SchemaVersion = 1

// Histogram names used in TransportResult.Histograms.
const (
	HistConnect      = "connect"       // dial start until the stream or socket is ready
	HistTCPConnect   = "tcp_connect"   // TCP handshake alone
	HistFirstMessage = "first_message" // dial start until the first message arrived
	HistLatency      = "latency"       // fan-out delivery latency or echo round-trip time
	HistSendLag      = "send_lag"      // actual send time minus scheduled time, per send
	HistTimerLag     = "timer_lag"     // oversleep of a 10 ms probe timer: load-generator health
	HistGap          = "gap"           // listen: time between consecutive messages on one connection
	HistReconnect    = "reconnect"     // a held connection's loss until it is ready again (reconnect policy)
)

// Clocks latency can be measured on (TransportResult.LatencyClock).
const (
	// ClockGenerator: pushbench stamped the send time and timed the arrival on
	// the same monotonic clock. The default.
	ClockGenerator = ""
	// ClockServer: the send time is the server's own timestamp in the message
	// (listen --timestamp), so latency is valid only as far as the server's
	// and the generator's wall clocks agree (same host, or synchronised).
	ClockServer = "server"
)

// Run is one invocation of the load generator: the workload as run, where it ran,
// and one result per transport.
type Run struct {
	Schema  int       `json:"schema"`
	Name    string    `json:"name"`
	Started time.Time `json:"started"`
	// Repeat is this run's number among --repeat runs of one scenario (1-based).
	Repeat int `json:"repeat,omitempty"`
	// Scenario is the scenario as run, defaults filled in; merge refuses
	// results whose scenarios differ.
	Scenario json.RawMessage `json:"scenario,omitempty"`
	// Command is the pushbench command line that produced the run.
	Command    []string           `json:"command,omitempty"`
	Env        Env                `json:"env"`
	Transports []*TransportResult `json:"transports"`
	// Interrupted marks a run stopped early (Ctrl-C): its transports hold
	// what ran, and any not yet started are missing.
	Interrupted bool `json:"interrupted,omitempty"`
}

// Workload is the load that was applied, as run (defaults filled in).
type Workload struct {
	Pattern      string   `json:"pattern"`
	Connections  int      `json:"connections"`
	RampPerSec   float64  `json:"ramp_per_sec"`
	Warmup       Duration `json:"warmup"`
	Duration     Duration `json:"duration"`
	Rate         float64  `json:"rate"` // broadcasts/s (fanout) or sends/s per connection (echo)
	PayloadBytes int      `json:"payload_bytes"`
	// ConnectTimeout and Drain are the values used, defaults included.
	ConnectTimeout Duration `json:"connect_timeout"`
	Drain          Duration `json:"drain"`
	// PublishURL is the fan-out publisher endpoint used (fanout only).
	PublishURL string `json:"publish_url,omitempty"`
	// Topic marks this run's messages; receivers count others as foreign.
	Topic string `json:"topic,omitempty"`
	// Timestamp and Seq are where listen read each message's own send time
	// and sequence number, when it did.
	Timestamp string `json:"timestamp,omitempty"`
	Seq       string `json:"seq,omitempty"`
	// BaselineCheck is how long the leak check could wait (0: no check).
	BaselineCheck Duration `json:"baseline_check,omitempty"`
	// Reconnect is the reconnect policy held connections ran under; absent:
	// a lost connection stayed lost.
	Reconnect *ReconnectPolicy `json:"reconnect,omitempty"`
}

// ReconnectPolicy is a workload's reconnect policy as run, defaults filled.
type ReconnectPolicy struct {
	Backoff    Duration `json:"backoff"`
	MaxBackoff Duration `json:"max_backoff"`
	Jitter     float64  `json:"jitter"`
	Max        int      `json:"max"` // attempts in a row; 0: no limit
}

// Event is one timeline action of a run (e.g. a fault injected into the
// target) and what came of it. At is its offset from the start of the
// measured window; Late is how far past that it started.
type Event struct {
	Worker int      `json:"worker"`
	Name   string   `json:"name"`
	At     Duration `json:"at"`
	Late   Duration `json:"late"`
	Took   Duration `json:"took"`
	Error  string   `json:"error,omitempty"`
}

// Worker says which slice of a distributed run a result covers. A single-process
// run is worker 0 of 1. In a coordinated run (pushbench run --procs,
// coordinate/worker) the coordinator also records which process the worker
// was and how its clock stood to the coordinator's, since every wall-clock
// instant of the run (the plan's start, the publisher's timestamps) was read
// on the coordinator's clock through that offset.
type Worker struct {
	Index int `json:"index"`
	Count int `json:"count"`
	// Host and PID name the worker's process, so a fault can be traced.
	Host string `json:"host,omitempty"`
	PID  int    `json:"pid,omitempty"`
	// ClockOffset is the coordinator's clock minus the worker's, as the
	// best of several NTP-style round trips estimated it before the
	// transport ran; ClockUncertainty bounds its error (half that round
	// trip). ClockDrift is how far the offset moved by the end of the
	// transport (the estimate after, minus the one used).
	ClockOffset      Duration `json:"clock_offset,omitempty"`
	ClockUncertainty Duration `json:"clock_uncertainty,omitempty"`
	ClockDrift       Duration `json:"clock_drift,omitempty"`
	// SameClock: the worker ran on the coordinator's machine (the same
	// kernel boot id) and read its clock, so no offset was applied; the
	// clock figures are 0 by definition, not by measurement.
	SameClock bool `json:"same_clock,omitempty"`
}

// Slice is the worker's index and count alone: what identifies its share
// of the run, whoever ran it.
func (w Worker) Slice() Worker { return Worker{Index: w.Index, Count: w.Count} }

// TransportResult is everything one load generator measured for one transport.
// Every field merges exactly across workers: counters add, histograms merge,
// series add second by second.
type TransportResult struct {
	Transport  string                 `json:"transport"`
	Target     string                 `json:"target"`
	Workload   Workload               `json:"workload"`
	Workers    []Worker               `json:"workers"`
	Counters   Counters               `json:"counters"`
	Histograms map[string]*Histogram  `json:"histograms"`
	Received   []int64                `json:"received_per_second"`
	Errors     map[string]*ErrorClass `json:"errors,omitempty"`
	Generator  []Generator            `json:"generator"`
	Resources  []Resources            `json:"resources,omitempty"` // CPU, memory, goroutines, per worker
	Events     []Event                `json:"events,omitempty"`    // timeline actions, per worker
	Baseline   []Baseline             `json:"baseline,omitempty"`  // leak check, per worker
	// ServerResources are the server's figures as a coordinator read them
	// for all its workers at once, one record per coordinated run
	// (server_resources.go).
	ServerResources []ServerResources `json:"server_resources,omitempty"`
	// Interrupted marks a run ended early (Ctrl-C); Window is then the part
	// of the measured window that ran, which rates are computed over.
	Interrupted bool     `json:"interrupted,omitempty"`
	Window      Duration `json:"window,omitempty"`
	// LatencyClock says whose clock the latency histogram is on
	// (ClockGenerator or ClockServer).
	LatencyClock string `json:"latency_clock,omitempty"`
	// FindMax is the saturation search that produced this result, whose
	// figures are then those of its highest passing step (find_max.go).
	FindMax *FindMax `json:"find_max,omitempty"`
	// Partial marks a coordinated run merged without some of its workers
	// (workers.allow_partial): MissingWorkers are their indexes. Their
	// connections and what they received are not in the counts at all, so
	// the figures describe the workers that reported, not the scenario.
	Partial        bool  `json:"partial,omitempty"`
	MissingWorkers []int `json:"missing_workers,omitempty"`
}

// Counters are the plain counts of a run. Expected = Received(unique) + Lost for
// every receiver, so loss is never hidden in the latency histogram.
type Counters struct {
	ConnAttempted int64 `json:"conn_attempted"`
	ConnReady     int64 `json:"conn_ready"`
	ConnFailed    int64 `json:"conn_failed"`
	ConnDropped   int64 `json:"conn_dropped"` // ready connections an error ended before the run did
	ConnEnded     int64 `json:"conn_ended"`   // ready connections the server ended cleanly before the run did

	Scheduled     int64 `json:"scheduled"`      // measured messages the schedule called for
	Sent          int64 `json:"sent"`           // of those, sent without error
	SendErrors    int64 `json:"send_errors"`    // sends that failed
	Expected      int64 `json:"expected"`       // deliveries the measured messages should cause
	Received      int64 `json:"received"`       // unique measured deliveries
	Lost          int64 `json:"lost"`           // Expected - Received
	Duplicated    int64 `json:"duplicated"`     // deliveries of a seq already received
	OutOfOrder    int64 `json:"out_of_order"`   // deliveries with a seq below one already received
	Foreign       int64 `json:"foreign"`        // messages of another topic, ignored
	BytesReceived int64 `json:"bytes_received"` // application bytes, framing included
	BytesSent     int64 `json:"bytes_sent"`

	// Under a reconnect policy: successful redials, connections that gave
	// up (attempts exhausted, or the server said stop), measured messages
	// missing across a loss and its redial (a subset of Lost), and SSE
	// pushbench-gap events (the server could not replay from the client's
	// Last-Event-ID).
	Reconnects          int64 `json:"reconnects,omitempty"`
	ReconnectFailed     int64 `json:"reconnect_failed,omitempty"`
	LostAcrossReconnect int64 `json:"lost_across_reconnect,omitempty"`
	ResumeGaps          int64 `json:"resume_gaps,omitempty"`
}

// ErrorClass counts errors of one kind and keeps the first one whole, so the
// report can say what went wrong and where (URL and phase).
type ErrorClass struct {
	Count int64  `json:"count"`
	First string `json:"first"`
}

// Generator describes the load generator process during the measured window.
// Saturated means its numbers describe the generator, not the server.
type Generator struct {
	Worker     int      `json:"worker"`
	CPUPercent float64  `json:"cpu_percent"` // process CPU time / (wall time x cores)
	Cores      int      `json:"cores"`
	Saturated  bool     `json:"saturated"`
	Reasons    []string `json:"reasons,omitempty"`
}

// Saturated reports whether any worker of the result was saturated.
func (r *TransportResult) Saturated() bool {
	for _, g := range r.Generator {
		if g.Saturated {
			return true
		}
	}
	return false
}

// MeasuredSeconds is the length of the measured window that ran: the
// workload's duration, or less for an interrupted run.
func (r *TransportResult) MeasuredSeconds() float64 {
	if r.Interrupted {
		return time.Duration(r.Window).Seconds()
	}
	return time.Duration(r.Workload.Duration).Seconds()
}

// Hist returns the named histogram, or an empty one when it was not recorded.
func (r *TransportResult) Hist(name string) *Histogram {
	if h, ok := r.Histograms[name]; ok && h != nil {
		return h
	}
	return NewHistogram()
}

// ErrorCount is the total of all error classes.
func (r *TransportResult) ErrorCount() int64 {
	var n int64
	for _, e := range r.Errors {
		n += e.Count
	}
	return n
}

// Duration is a time.Duration that reads and writes as "10s" in JSON.
type Duration time.Duration

// MarshalJSON writes the duration as Go duration text.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads Go duration text.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}
