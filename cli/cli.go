// Package cli is the pushbench command line: one file per subcommand, each
// parsing its flags into a local options struct and calling the packages that
// do the work. Only the root main package exits; Main returns the exit code.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand: its name, a one-line summary, and its entry point.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the reference push servers", runServe},
		{"run", "load-test push transports (from flags or scenario files) and report latency, throughput and loss", runRun},
		{"coordinate", "run scenarios on workers started elsewhere (pushbench worker), one plan, one merged result", runCoordinate},
		{"worker", "one worker of a coordinated run: joins a coordinator and runs its share of the load", runWorker},
		{"validate", "check scenario files without running load", runValidate},
		{"report", "re-render saved results as tables (text, markdown, csv, json)", runReport},
		{"merge", "merge results of several load-generator workers exactly", runMerge},
		{"compare", "compare two results (or sets of repeated runs) metric by metric", runCompare},
		{"probe", "connect one client to a server and show its handshake, first messages and the run flags to measure it", runProbe},
		{"publish", "write the published results page (results/README.md) from a saved run", runPublish},
		{"version", "print pushbench's version, commit and Go version", runVersion},
	}
}

// exitError is an error with its own exit code (pushbench worker exits 2
// on any error).
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// usageError marks bad command-line input: it exits 2, like flag errors.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usage(w io.Writer) {
	fmt.Fprintf(w, "pushbench benchmarks server push transports: chunked HTTP streaming, SSE, WebSocket and Socket.IO.\n\n")
	fmt.Fprintf(w, "Usage:\n  pushbench <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\n")
	writeExamples(w, []example{
		{"compare every transport on this machine", "pushbench run"},
		{"load-test your own server", "pushbench run --target http://127.0.0.1:8080 --transports sse,ws"},
		{"re-render a saved run", "pushbench report results/runs/<time>-run"},
	})
	fmt.Fprintf(w, "Run 'pushbench <command> --help' for a command's flags and examples.\n")
}

// Main runs the command line args (without the program name) and returns the
// exit code: 0 success, 1 a failed run, 2 bad usage. Help goes to stdout.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout)
		return 0
	case "help":
		if len(args) == 1 {
			usage(stdout)
			return 0
		}
		// pushbench help CMD is pushbench CMD --help.
		args = []string{args[1], "--help"}
	case "-version", "--version":
		args = []string{"version"}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		var ue usageError
		var ee exitError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, errHelp):
			return 0
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "pushbench %s: %v\n", c.name, err)
			return 2
		case errors.As(err, &ee):
			fmt.Fprintf(stderr, "pushbench %s: %v\n", c.name, err)
			return ee.code
		case isWorkerFault(err):
			// A coordinated run lost a worker it could not go on without.
			fmt.Fprintf(stderr, "pushbench %s: %v\n", c.name, err)
			return 2
		case errors.Is(err, errFailed):
			return 1
		case errors.Is(err, errInterrupted):
			fmt.Fprintf(stderr, "pushbench %s: interrupted\n", c.name)
			return 130
		default:
			fmt.Fprintf(stderr, "pushbench %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "pushbench: unknown command %q\nRun 'pushbench --help' for the commands.\n", args[0])
	return 2
}

// errHelp reports that --help was asked for and printed.
var errHelp = errors.New("help requested")

// errInterrupted reports a run stopped by a signal; what it measured until
// then is already printed and saved. It exits 130, as a shell does for SIGINT.
var errInterrupted = errors.New("interrupted")

// errFailed reports a run that completed but must exit 1; its reasons are
// already printed.
var errFailed = errors.New("run failed")
