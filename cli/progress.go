package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
)

// progressPrinter shows a run as it goes: on a terminal one line rewritten
// every second, elsewhere (CI logs) a compact line every 10 seconds.
type progressPrinter struct {
	w        io.Writer
	terminal bool
	every    time.Duration

	mu      sync.Mutex
	last    time.Time
	written bool // a terminal line is on screen and must be ended
}

// newProgressPrinter returns a printer for w, or nil when quiet.
func newProgressPrinter(w io.Writer, quiet bool) *progressPrinter {
	if quiet {
		return nil
	}
	p := &progressPrinter{w: w, every: 10 * time.Second}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.terminal, p.every = true, 0
		}
	}
	return p
}

// report is the loadgen.Config.Progress callback.
func (p *progressPrinter) report(s loadgen.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if !p.terminal && now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	line := progressLine(s)
	if p.terminal {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.written = true
		return
	}
	fmt.Fprintln(p.w, line)
}

// done ends a terminal line so later output starts on a fresh one.
func (p *progressPrinter) done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.written {
		fmt.Fprintln(p.w)
		p.written = false
	}
}

// callback is the Progress function to pass to loadgen, nil when quiet.
func (p *progressPrinter) callback() func(loadgen.Progress) {
	if p == nil {
		return nil
	}
	return p.report
}

// progressLine formats one snapshot: phase, elapsed/total, connections,
// messages/s, loss so far and current p99.
func progressLine(s loadgen.Progress) string {
	p99 := "—"
	if s.P99 > 0 {
		p99 = results.FormatDuration(s.P99)
	}
	missing := ""
	if s.Scheduled {
		missing = fmt.Sprintf("  %d missing", s.Missing)
	}
	return fmt.Sprintf("%s: %-10s %5s/%s  %d ready, %d failed  %.0f msg/s  %d received%s  p99 %s",
		s.Transport, s.Phase, s.Elapsed.Round(time.Second), s.Total, s.Ready, s.Failed, s.PerSecond, s.Received, missing, p99)
}
