package cli

import (
	"fmt"
	"io"
)

// example is one worked example of a command: what it does and the command
// line.
type example struct {
	what, command string
}

// commandExamples are the examples a command's --help shows: the command
// lines a person types first, so the help answers "how do I..." before the
// flag list does.
func commandExamples(name string) []example {
	switch name {
	case "run":
		return []example{
			{"every transport, each against a fresh builtin reference server, default workload", "pushbench run"},
			{"a shorter fan-out run on two transports", "pushbench run --transports sse,ws --connections 200 --rate 20 --duration 10s"},
			{"a scenario file; exits 1 if one of its thresholds fails", "pushbench run scenarios/smoke.yaml"},
			{"kill, stall, drop and delay the server mid-run on every transport, with reconnects (SSE resumes without loss)", "pushbench run scenarios/faults.yaml"},
			{"connections that come back when the server drops them: backoff 500ms, at most 5s, 10 attempts in a row", "pushbench run --transports sse,ws --reconnect 500ms,5s,10"},
			{"your own server, at pushbench's paths (/chunked, /sse, /ws, /socket.io/, /publish)", "pushbench run --target http://127.0.0.1:8080 --transports sse,ws"},
			{"three builtin reference server processes per transport: the connections spread over them, every message published to each", "pushbench run --servers 3 --transports ws --connections 15000 --ramp 5000"},
			{"several servers of your own service (started with pushbench serve --addr ...): connections spread over them, the publisher publishes to each", "pushbench run --target http://127.0.0.1:8081 --target http://127.0.0.1:8082 --transports ws"},
			{"your own server with its own paths and publish endpoint", "pushbench run --target http://my-svc:8080 --allow-remote --transports sse --url sse=http://my-svc:8080/events --publish http://my-svc:8080/publish"},
			{"round-trip time through a server that echoes", "pushbench run --pattern echo --transports ws,socketio --connections 500 --rate 5"},
			{"a server that pushes on its own: count, gaps, and latency and loss from its own fields", "pushbench run --pattern listen --target http://127.0.0.1:3000 --transports ws --url ws=ws://127.0.0.1:3000/feed --timestamp t:ms --seq n"},
			{"fan-out through a chat relay that wraps what it is sent", "pushbench run --target http://127.0.0.1:3000 --transports ws --url ws=ws://127.0.0.1:3000/chat --publish ws://127.0.0.1:3000/chat --publish-body '{\"text\":\"{{marker}}\"}'"},
			{"a Socket.IO app's own event, namespace and auth", "pushbench run --pattern listen --target http://127.0.0.1:3000 --transports socketio --sio-namespace /clock --sio-event time --sio-auth '{\"token\":\"x\"}'"},
			{"30,000 connections split over 3 local worker processes and 2 builtin servers (one process holds at most its descriptor limit): one plan, one publisher, one merged result (results/runs/<time>-run/workers/ keeps each worker's own)", "pushbench run --procs 3 --servers 2 --transports ws --connections 30000 --ramp 5000"},
			{"this process coordinates workers on other machines (each: pushbench worker --coordinator THIS-HOST:7000 --index I --allow-remote)", "pushbench run --workers 3 --listen :7000 --allow-remote --target http://10.0.0.5:8080 --transports ws"},
		}
	case "coordinate":
		return []example{
			{"coordinate 3 workers started elsewhere, on loopback (each: pushbench worker --coordinator 127.0.0.1:7000 --index 0, 1, 2)", "pushbench coordinate --workers 3 --listen 127.0.0.1:7000 scenarios/bench.yaml"},
			{"across machines, against a server the scenario does not name (--target replaces target.url)", "pushbench coordinate --workers 3 --listen :7000 --allow-remote --target http://10.0.0.5:8080 --out /results scenario.yaml"},
		}
	case "worker":
		return []example{
			{"worker 0 of a coordinated run on this machine", "pushbench worker --coordinator 127.0.0.1:7000 --index 0"},
			{"in a Kubernetes Indexed Job: the index comes from $JOB_COMPLETION_INDEX; the target is another pod", "pushbench worker --coordinator pushbench-coordinator:7000 --allow-remote"},
		}
	case "probe":
		return []example{
			{"what an unknown SSE endpoint sends, and the run flags that measure it", "pushbench probe http://127.0.0.1:3000/events"},
			{"a WebSocket feed, ten messages", "pushbench probe --messages 10 ws://127.0.0.1:3000/feed"},
		}
	case "serve":
		return []example{
			{"the reference server on a fixed port", "pushbench serve --addr 127.0.0.1:8080"},
			{"with a built-in generator of one message a second; watch with curl -N localhost:8080/sse", "pushbench serve --addr 127.0.0.1:8080 --rate 1"},
			{"a server that disconnects slow subscribers instead of dropping their messages", "pushbench serve --slow-policy disconnect --queue 64"},
			{"on every interface: publishing needs the token (from the environment, so it stays out of ps), Host may also be bench.lan",
				"PUSHBENCH_PUBLISH_TOKEN=s3cret pushbench serve --addr :8080 --allowed-hosts bench.lan"},
			{"publish to it", "curl -H 'Authorization: Bearer s3cret' -H 'Content-Type: application/json' -d '{\"data\":\"hi\"}' http://bench.lan:8080/publish"},
			{"SSE clients resume without loss even across a kill and restart of the server", "pushbench serve --replay-file /tmp/pushbench.replay"},
			{"Prometheus metrics at /metrics (always on), and pprof on a separate loopback port for a soak", "pushbench serve --debug-addr 127.0.0.1:6060; go tool pprof http://127.0.0.1:6060/debug/pprof/heap"},
		}
	case "validate":
		return []example{
			{"check every scenario file without running load", "pushbench validate scenarios/*.yaml"},
		}
	case "report":
		return []example{
			{"re-render a saved run as the terminal table", "pushbench report results/runs/<time>-bench"},
			{"every column", "pushbench report --wide results/runs/<time>-bench"},
			{"for a spreadsheet", "pushbench report --format csv results/runs/<time>-bench > summary.csv"},
		}
	case "merge":
		return []example{
			{"merge the results of two load-generator workers (run with --worker 0/2 and --worker 1/2)", "pushbench merge -o merged w0/<time>-bench w1/<time>-bench"},
			{"and check the scenario's thresholds on the merged result", "pushbench merge -o merged --scenario scenarios/bench.yaml w0/<time>-bench w1/<time>-bench"},
		}
	case "compare":
		return []example{
			{"two runs, metric by metric", "pushbench compare results/runs/<old> results/runs/<new>"},
			{"five runs a side, with a significance test per metric", "pushbench run --repeat 5 --out new scenarios/bench.yaml && pushbench compare base/<time>-bench new/<time>-bench"},
		}
	case "publish":
		return []example{
			{"write results/README.md and results/published/ from a saved run", "pushbench publish -o results results/runs/<time>-bench"},
			{"one page from several runs and a section written by another tool (what make publish does)", "pushbench publish -o results --section 'Peer comparison=peers/last-run.md' results/runs/publish/*/"},
		}
	case "version":
		return []example{
			{"the version, commit and Go version of this binary", "pushbench version"},
		}
	}
	return nil
}

// commandSummary is a command's one-line summary from the command table.
func commandSummary(name string) string {
	for _, c := range commands() {
		if c.name == name {
			return c.summary
		}
	}
	return ""
}

// writeExamples prints examples as commented command lines.
func writeExamples(w io.Writer, examples []example) {
	if len(examples) == 0 {
		return
	}
	fmt.Fprintf(w, "Examples:\n")
	for _, e := range examples {
		fmt.Fprintf(w, "  # %s\n  %s\n\n", e.what, e.command)
	}
}
