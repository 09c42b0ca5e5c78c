package loadgen

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/results"
)

// churn opens connections on an open-loop schedule of Rate per second and
// closes each as soon as it is ready: a connect storm. Each connect is timed
// from its scheduled start, so a slow accept loop shows in the tail. At most
// Connections dials are in flight; an attempt due while all are busy is not
// delayed (that would hide the overload) but counted as failed.
func (r *run) churn(ctx context.Context) *results.TransportResult {
	o := r.opts
	s := Pacer{Start: r.clock.Now() + 50*time.Millisecond, Rate: o.Rate}
	windowStart := s.Start + o.Warmup
	first, n := s.Window(windowStart, o.Duration)
	r.plan = plan{schedule: s, windowStart: windowStart, windowEnd: windowStart + o.Duration}
	slots := make(chan struct{}, o.Connections)
	var wg sync.WaitGroup
	timerLag := results.NewHistogram()
	probeCtx, stopProbe := context.WithCancel(ctx)
	probeDone := make(chan struct{})
	go func() { defer close(probeDone); probeTimerLag(probeCtx, r.clock, timerLag) }()
	var attempted int64
	var cpuStart time.Duration
	for i := int64(0); i < first+n; i++ {
		at := s.At(i)
		if !r.clock.SleepUntil(ctx, at) {
			break
		}
		if i == first {
			cpuStart = cpuTime()
		}
		measured := i >= first
		if measured {
			attempted++
		}
		select {
		case slots <- struct{}{}:
		default:
			if measured {
				r.failed.Add(1)
				r.rec.errs.add("churn/overload", fmt.Errorf("%s: %d connects already in flight at %s; attempt not started",
					o.URL, o.Connections, time.Duration(at-windowStart).Round(time.Millisecond)))
			}
			continue
		}
		wg.Add(1)
		go func(i int64, at time.Duration) {
			defer wg.Done()
			defer func() { <-slots }()
			sh := r.rec.shard(int(i))
			dialCtx, cancel := context.WithCancel(ctx)
			defer cancel()
			start := r.clock.Now()
			conn, tm, err := r.tr.Dial(dialCtx, o.URL, r.dial)
			if err != nil {
				if measured && ctx.Err() == nil {
					r.failed.Add(1)
					r.rec.errs.add(clients.ErrorClass(err), err)
				}
				return
			}
			conn.Close()
			if !measured {
				return
			}
			r.ready.Add(1)
			late := start - at // generator lateness counts against the connect
			sh.record(results.HistConnect, late+tm.Ready)
			if tm.TCP > 0 {
				sh.record(results.HistTCPConnect, late+tm.TCP)
			}
			for _, ph := range tm.Phases {
				sh.record(ph.Name, late+ph.At)
			}
		}(i, at)
	}
	cpuUsed, wall := cpuTime()-cpuStart, r.clock.Now()-windowStart
	wg.Wait()
	stopProbe()
	<-probeDone
	res := r.result(judge(o.Worker.Index, cpuUsed, wall, timerLag))
	res.Counters.ConnAttempted = attempted
	res.Histograms[results.HistTimerLag] = timerLag
	return res
}
