// Command pushbench benchmarks and load-tests the ways a server pushes data to
// clients: chunked HTTP streaming, Server-Sent Events, WebSocket and Socket.IO
// (Engine.IO v4 / Socket.IO v5). It ships a reference server for each
// (pushbench serve) and a load generator that speaks the real protocols
// (pushbench run). The command itself lives in package cli.
package main

import (
	"os"

	"github.com/pushbench/pushbench/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
