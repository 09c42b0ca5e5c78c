// Package target is what load is applied to: a server the user runs somewhere
// (Remote) or a server pushbench starts as a child process (Process), such as
// its own reference server (Builtin). The load generator only needs URLs and,
// for a local child, its PID; fault injection (kill, stall, restart the server
// on the run's timeline) needs the child's controls.
package target

import "context"

// Target is a server under load: where to reach it, which local process it is,
// and how to let it go when the run is over.
type Target interface {
	// URLs says where the server is reached.
	URLs() URLs
	// PID is the server's process id while it runs as a local child, else 0;
	// the load generator samples its CPU and memory through it.
	PID() int
	// Stop ends a child gracefully (a remote target is left alone).
	Stop(ctx context.Context) error
}

// URLs says where a target's endpoints are. Base is http://host:port; a
// transport whose path differs from pushbench's is named in Transports, and
// Publish overrides the fanout publisher endpoint (empty: derived from Base).
type URLs struct {
	Base       string
	Transports map[string]string
	Publish    string
}
