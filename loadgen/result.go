package loadgen

import (
	"strings"

	"github.com/pushbench/pushbench/results"
)

// result collects every connection's counters and the shards' samples into
// one TransportResult, once every goroutine of the run has ended.
func (r *run) result(gen results.Generator, timerLag *results.Histogram, events []results.Event) *results.TransportResult {
	ready := r.ready.Load()
	expected := r.expected
	if expected > 0 {
		expected = r.due()
	}
	c := results.Counters{
		ConnAttempted: r.attempted.Load(),
		ConnReady:     ready,
		ConnFailed:    r.failed.Load(),
		ConnDropped:   r.dropped.Load(),
		ConnEnded:     r.ended.Load(),
		Expected:      expected * ready,
	}
	for _, cs := range r.conns {
		c.Received += cs.tracker.receivedBelow(uint64(expected))
		c.Duplicated += cs.tracker.duplicated
		c.OutOfOrder += cs.tracker.outOfOrder
		c.Foreign += cs.foreign
		c.BytesReceived += cs.bytesIn
		c.Reconnects += cs.redial.reconnects
		c.ReconnectFailed += cs.redial.failed
		c.ResumeGaps += cs.redial.resumeGaps
		if expected > 0 {
			c.LostAcrossReconnect += cs.redial.lostAcross(&cs.tracker, uint64(expected))
		}
	}
	c.Lost = c.Expected - c.Received
	hists, series := r.rec.merge()
	hists[results.HistTimerLag] = timerLag
	// Every histogram this transport records is present, even when empty, so a
	// threshold on it fails with "no samples" rather than "not recorded".
	names := []string{results.HistConnect, results.HistTCPConnect, results.HistFirstMessage, results.HistLatency, results.HistSendLag}
	names = append(names, r.entry.Phases...)
	if r.cfg.Workload.Reconnect != nil {
		names = append(names, results.HistReconnect)
	}
	for _, n := range names {
		if hists[n] == nil {
			hists[n] = results.NewHistogram()
		}
	}
	res := &results.TransportResult{
		Transport:  string(r.cfg.Transport),
		Target:     strings.Join(r.routes.urls, " "),
		Workload:   r.cfg.resultWorkload(r.plan.Topic),
		Workers:    []results.Worker{r.cfg.Worker},
		Counters:   c,
		Histograms: hists,
		Received:   series,
		Errors:     r.rec.errs.snapshot(),
		Generator:  []results.Generator{gen},
		Events:     events,
		Resources:  []results.Resources{r.meter.resources()},
	}
	if r.interruptedAt != 0 {
		res.Interrupted = true
		res.Window = results.Duration(r.window())
	}
	r.pat.collect(r, res)
	return res
}
