// Command peers is the driver of make compare-peers: it runs the same
// WebSocket and Socket.IO echo workloads under pushbench and, when they are
// installed, Artillery and Tsung, each against a fresh Node echo server
// (peers/ws_echo.mjs on `ws`, peers/sio_echo.mjs on the official
// `socket.io`) on loopback, and prints one Markdown table: each tool's CPU
// seconds (user+sys, its child processes included, the server's not), peak
// RSS of its process tree, what it recorded, and the ratios to pushbench.
// Every run is bounded by --timeout.
//
//	go run ./examples/peers --pushbench bin/pushbench --peers peers --out peers/last-run.md
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/pushbench/pushbench/results"
)

// row is one tool's run of one workload.
type row struct {
	tool, workload string
	cost           usage
	out            outcome
	err            error
}

func main() {
	pushbench := flag.String("pushbench", "bin/pushbench", "the pushbench binary")
	peers := flag.String("peers", "peers", "the peers folder: echo servers and node_modules (npm ci --prefix peers)")
	out := flag.String("out", "", "also write the table to this file")
	clients := flag.Int("clients", 500, "clients per workload")
	sends := flag.Int("sends", 100, "echo sends per client")
	rate := flag.Float64("rate", 10, "sends per second per client")
	timeout := flag.Duration("timeout", 3*time.Minute, "bound on each tool's run")
	work := flag.String("work", "", "keep each tool's scripts, reports and logs in this folder (emptied first; default a temporary one, removed)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	payload := strings.Repeat("x", 64)
	workloads := []workload{
		{name: "ws", server: "ws_echo.mjs", clients: *clients, sends: *sends, rate: *rate, payload: payload},
		{name: "socketio", server: "sio_echo.mjs", clients: *clients, sends: *sends, rate: *rate, payload: payload},
	}
	tools := []tool{pushbenchTool(*pushbench), artilleryTool(*peers), tsungTool()}
	dir := *work
	if dir == "" {
		tmp, err := os.MkdirTemp("", "pushbench-peers-")
		if err != nil {
			fail(err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.RemoveAll(dir); err != nil {
		fail(err)
	}

	var rows []row
	for _, w := range workloads {
		for _, t := range tools {
			if ctx.Err() != nil {
				break
			}
			if !t.supports(w) {
				fmt.Fprintf(os.Stderr, "peers: %s does not run %s here: skipped\n", t.name, w.name)
				continue
			}
			fmt.Fprintf(os.Stderr, "peers: %s, %s: %d clients x %d sends at %g/s\n", t.name, w.name, w.clients, w.sends, w.rate)
			r := runOne(ctx, t, w, *peers, filepath.Join(dir, t.name), *timeout)
			if r.err != nil {
				fmt.Fprintf(os.Stderr, "peers: %s, %s: %v\n", t.name, w.name, r.err)
			}
			rows = append(rows, r)
		}
	}
	var sinks []io.Writer = []io.Writer{os.Stdout}
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fail(err)
		}
		defer f.Close()
		sinks = append(sinks, f)
	}
	writeTable(io.MultiWriter(sinks...), rows, workloads)
}

// runOne runs tool t on workload w against a fresh echo server, which is
// stopped afterwards; its CPU is not the tool's.
func runOne(ctx context.Context, t tool, w workload, peers, dir string, timeout time.Duration) row {
	r := row{tool: t.name, workload: w.name}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		r.err = err
		return r
	}
	srv, port, err := startServer(ctx, peers, w.server)
	if err != nil {
		r.err = err
		return r
	}
	defer func() { srv.Process.Signal(syscall.SIGTERM); srv.Wait() }()
	cmd, read, err := t.command(ctx, w, port, dir)
	if err != nil {
		r.err = err
		return r
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if r.cost, r.err = measured(ctx, cmd); r.err != nil {
		return r
	}
	r.out, r.err = read()
	return r
}

// writeTable prints the rows as Markdown with the ratios to pushbench's row
// of the same workload.
func writeTable(w io.Writer, rows []row, workloads []workload) {
	fmt.Fprintf(w, "Each workload: %d clients x %d echo sends at %g/s each (%d round trips), %d-byte payload, against a Node echo server on loopback; CPU-s is user+sys of the tool and its child processes (not the server's), peak RSS the largest summed RSS of its process tree.\n\n",
		workloads[0].clients, workloads[0].sends, workloads[0].rate, workloads[0].messages(), len(workloads[0].payload))
	fmt.Fprintln(w, "| tool | workload | CPU-s | peak RSS | wall | what it recorded | p50 | p99 | CPU vs pushbench | RSS vs pushbench |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---|---:|---:|---:|---:|")
	base := map[string]usage{}
	for _, r := range rows {
		if r.tool == "pushbench" && r.err == nil {
			base[r.workload] = r.cost
		}
	}
	for _, r := range rows {
		recorded, p50, p99 := r.out.recorded, dur(r.out.p50), dur(r.out.p99)
		if r.err != nil {
			recorded = "failed: " + strings.ReplaceAll(r.err.Error(), "|", "/")
		}
		cpuRatio, rssRatio := "—", "—"
		if b, ok := base[r.workload]; ok && b.cpu > 0 && b.peakRSS > 0 {
			cpuRatio = fmt.Sprintf("%.2f×", r.cost.cpu.Seconds()/b.cpu.Seconds())
			rssRatio = fmt.Sprintf("%.2f×", float64(r.cost.peakRSS)/float64(b.peakRSS))
		}
		fmt.Fprintf(w, "| %s | %s | %.2f | %s | %.1fs | %s | %s | %s | %s | %s |\n", r.tool, r.workload, r.cost.cpu.Seconds(),
			results.FormatBytes(float64(r.cost.peakRSS)), r.cost.wall.Seconds(), recorded, p50, p99, cpuRatio, rssRatio)
	}
}

func dur(d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	return results.FormatDuration(d)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "peers:", err)
	os.Exit(1)
}
