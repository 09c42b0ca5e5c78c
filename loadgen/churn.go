package loadgen

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/pushbench/pushbench/results"
)

// churn opens connections on the open-loop schedule (Rate per second) and
// closes each as soon as it is ready: a connect storm. Each connect is timed
// from its scheduled start, so a slow accept loop shows in the tail. At most
// Connections dials are in flight; an attempt due while all are busy is not
// delayed (that would hide the overload) but counted as failed. It holds no
// connections, so the runner opens none for it.
type churn struct{}

func (churn) prepare(context.Context, *run) error { return nil }

func (churn) drive(ctx context.Context, r *run) {
	s := r.sched
	// A worker of several makes every count-th connect of the one schedule,
	// with its share of the connects in flight.
	limit := max(r.share.size(), 1)
	slots := make(chan struct{}, limit)
	var wg sync.WaitGroup
	defer wg.Wait()
	for i := int64(0); i < s.total(); i++ {
		if !r.share.owns(i) {
			continue
		}
		at := s.pacer.At(i)
		if !r.clock.SleepUntil(ctx, at) {
			return
		}
		measured := i >= s.first
		if measured {
			r.attempted.Add(1)
		}
		select {
		case slots <- struct{}{}:
		default:
			if measured {
				r.failed.Add(1)
				r.rec.errs.add("churn/overload", fmt.Errorf("%s: %d connects already in flight at %s; attempt not started",
					r.routes.of(int(i)).url, limit, (at-s.windowStart).Round(time.Millisecond)))
			}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			dialCtx, cancel := context.WithCancel(ctx)
			defer cancel()
			sh := r.rec.shard(int(i))
			// The generator's own lateness counts against the connect.
			conn, ok := r.dialConn(dialCtx, r.routes.of(int(i)), sh, at, measured)
			if !ok {
				return
			}
			conn.Close()
			if measured {
				r.ready.Add(1)
			}
		}()
	}
}

func (churn) collect(*run, *results.TransportResult) {}
func (churn) close()                                 {}
