package loadgen

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/results"
)

// echo has every held connection send its own open-loop schedule and time the
// echo; the connection is its own receiver.
type echo struct{}

func (echo) prepare(context.Context, *run) error { return nil }

// drive starts one writer per ready connection (its reader is the
// connection's read loop), each offset by a phase so the connections' sends
// spread evenly over each interval, and waits for them.
func (echo) drive(ctx context.Context, r *run) {
	var wg sync.WaitGroup
	rate := r.sched.pacer.Rate
	for _, cs := range r.conns {
		if cs.conn == nil {
			continue
		}
		phase := time.Duration(float64(time.Second) / rate * float64(cs.id) / float64(r.cfg.Workload.Connections))
		p := Pacer{Start: r.sched.pacer.Start + phase, Rate: r.sched.pacer.Rate}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.sendSchedule(ctx, p, r.markFor(cs.id), cs.shard, &cs.sends, cs.write, func(err error) bool {
				if ctx.Err() == nil {
					r.rec.errs.add(clients.IOErrorClass("write", err), fmt.Errorf("%s: write: %w", r.routes.of(cs.id).url, err))
				}
				// Under a reconnect policy the reader redials: later
				// sends go to the new connection.
				return r.cfg.Workload.Reconnect == nil
			})
		}()
	}
	wg.Wait()
}

func (echo) collect(r *run, res *results.TransportResult) {
	res.Counters.Scheduled = r.due() * res.Counters.ConnReady
	for _, cs := range r.conns {
		cs.sends.addTo(&res.Counters)
	}
}

func (echo) close() {}
