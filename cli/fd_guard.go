package cli

import (
	"fmt"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/scenarios"
)

// fdMargin is the descriptors a process needs besides its connections:
// listeners, the publisher, logs, /proc reads, the coordinator link.
const fdMargin = 200

// socketsPerConn is how many sockets one connection of transport holds:
// Socket.IO long-polling keeps a GET open and POSTs beside it.
func socketsPerConn(name clients.Name) int {
	if name == clients.SocketIOPolling {
		return 2
	}
	return 1
}

// checkDescriptors refuses, before any load, a scenario that needs more
// file descriptors in one process than the descriptor limit allows (limit:
// this process's hard RLIMIT_NOFILE, which its children inherit): a load
// generator process holding its share of the connections (generators: the
// processes on this machine, 0 when the workers are elsewhere), or one
// builtin server process holding its share. Past the limit a run fails
// connections by the thousand with accept or dial errors; the fix is more
// processes, which the error names.
func checkDescriptors(sc *scenarios.Scenario, generators int, limit uint64) error {
	if limit == 0 {
		return nil
	}
	full := sc.WithDefaults()
	info, _ := full.Pattern.Info()
	if !info.Holds {
		return nil
	}
	for _, name := range full.Transports {
		per := socketsPerConn(name)
		if generators > 0 {
			share := (full.Connections + generators - 1) / generators
			if need := uint64(share*per + fdMargin); need > limit {
				return fmt.Errorf("%s: %d connections in %d load-generator process(es) need about %d file descriptors in each, over this machine's limit of %d per process: split them over more processes (--procs N, workers.procs)",
					name, full.Connections, generators, need, limit)
			}
		}
		if full.Target.Builtin {
			servers := max(full.Target.Servers, 1)
			share := (full.Connections + servers - 1) / servers
			if need := uint64(share*per + fdMargin); need > limit {
				return fmt.Errorf("%s: %d connections to %d builtin server process(es) need about %d file descriptors in each, over this machine's limit of %d per process: start more servers (--servers N, target.servers)",
					name, full.Connections, servers, need, limit)
			}
		}
	}
	return nil
}
