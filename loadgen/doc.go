// Package loadgen is pushbench's load generator: one client per push transport
// speaking the real protocol, an open-loop pacer, and a runner that opens
// connections at a ramp, drives a workload, and produces a results.TransportResult.
// Publisher and subscribers share one monotonic clock, every message carries its
// scheduled send time, and a message that never arrives is counted as loss, never
// as a latency sample.
package loadgen
