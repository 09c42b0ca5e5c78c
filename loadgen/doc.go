// Package loadgen is pushbench's load generator: it drives the protocol
// clients of package clients with a workload and produces a
// results.TransportResult.
//
// A run has four phases: preflight (one connection, so a wrong target fails in
// milliseconds), open (the held connections on an open-loop ramp), execute (a
// Plan's schedule, the measured window and a timeline of actions), and
// collect. Each pattern (fanout.go, echo.go, idle.go, churn.go) implements one
// small interface; all share one connection lifecycle (conn.go). Publisher and
// receivers share one monotonic clock, every message carries its scheduled
// send time, and a message that never arrives is counted as loss, never as a
// latency sample.
package loadgen
