// Package cluster runs one scenario on several load-generator processes as
// one run, on one machine (pushbench run --procs N) or many (pushbench
// coordinate / pushbench worker, e.g. Kubernetes Indexed Jobs).
//
// A Coordinator listens; each worker dials it, says which index it is
// (Hello), and has its clock offset to the coordinator's estimated by an
// NTP-style exchange (clock.go); a worker with the coordinator's kernel boot
// id runs on its machine and reads its clock, so no offset is applied to it
// (bootid.go). For every transport the coordinator sends each worker a
// Job: worker i of N holds only its share of the scenario's connections
// (loadgen.Config.Worker), and only one worker publishes. Every
// worker opens its connections and reports Opened; once all have (or the
// ready timeout passed), the coordinator hands all of them one Plan, the
// same start instant, schedule and topic, read on the coordinator's clock.
// Workers stream Progress once a second and finally their Result, which the
// coordinator merges exactly (results.MergeTransport: histograms merged,
// never averaged), keeping each worker's own result too. A worker lost
// fails the run, or with allow_partial is left out, unless it is the
// publisher: the plan cannot be carried out without it. At the end the
// coordinator tells every worker whether the run completed or failed, and
// why (Done), so a worker's exit status tells the truth. Server processes
// on its own machine the coordinator measures itself over the plan's window
// (RunWithServer, serverwatch.go), since no worker sees the server whole.
//
// The protocol is NDJSON over one TCP connection per worker: one typed
// message per line, {"type":"hello",...} (protocol.go, codec.go), each line
// bounded (MaxLine). It is neither authenticated nor encrypted: run it on a
// network you trust (the CLI listens on loopback unless told otherwise).
package cluster
