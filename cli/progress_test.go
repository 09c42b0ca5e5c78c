package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/loadgen"
)

func TestProgressLine(t *testing.T) {
	tests := []struct {
		name string
		in   loadgen.Progress
		want string
	}{
		{"measuring", loadgen.Progress{Transport: "ws", Phase: loadgen.PhaseMeasuring, Elapsed: 3200 * time.Millisecond, Total: 10 * time.Second,
			Ready: 1000, Failed: 2, Received: 30000, PerSecond: 10000, Scheduled: true, Missing: 5, P99: 21500 * time.Microsecond},
			"ws: measuring     3s/10s  1000 ready, 2 failed  10000 msg/s  30000 received  5 missing  p99 21.5ms"},
		{"no samples yet", loadgen.Progress{Transport: "sse", Phase: loadgen.PhaseConnecting, Total: 10 * time.Second, Ready: 10},
			"sse: connecting    0s/10s  10 ready, 0 failed  0 msg/s  0 received  p99 —"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := progressLine(tt.in); got != tt.want {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestProgressPrinterOffTerminalPrintsEveryTenSeconds(t *testing.T) {
	var buf bytes.Buffer
	p := newProgressPrinter(&buf, false)
	if p.terminal {
		t.Fatal("a buffer is not a terminal")
	}
	for range 3 {
		p.report(loadgen.Progress{Transport: "ws", Phase: loadgen.PhaseMeasuring})
	}
	p.done()
	if n := strings.Count(buf.String(), "\n"); n != 1 || strings.Contains(buf.String(), "\r") {
		t.Fatalf("off a terminal, 3 reports within 10s printed %d lines: %q", n, buf.String())
	}
	if newProgressPrinter(&buf, true) != nil {
		t.Fatal("--quiet still prints progress")
	}
}
