package loadgen

import (
	"context"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/results"
)

// fanout is one publisher broadcasting the schedule through the server to
// every held connection; each receiver times each message from its scheduled
// send time.
type fanout struct {
	pub    clients.Publisher
	counts sendCounts
}

func (f *fanout) prepare(ctx context.Context, r *run) error {
	if r.cfg.NoPublish {
		return nil
	}
	urls := r.cfg.publishURLs()
	pubs := make([]clients.Publisher, 0, len(urls))
	for _, url := range urls {
		pub, err := r.openPublisher(ctx, url)
		if err != nil {
			for _, p := range pubs {
				p.Close()
			}
			return err
		}
		pubs = append(pubs, pub)
	}
	if len(pubs) == 1 {
		f.pub = pubs[0]
		return nil
	}
	f.pub = newMultiPublisher(urls, pubs)
	return nil
}

// openPublisher connects the fan-out publisher to url: one of the target's
// servers, or its only one.
func (r *run) openPublisher(ctx context.Context, url string) (clients.Publisher, error) {
	pub, err := r.dialPublisher(ctx, url)
	if err != nil {
		return nil, err
	}
	if r.cfg.Workload.Reconnect != nil {
		// Under the policy a failed publish is retried: a publisher over one
		// connection (WebSocket, Socket.IO) redials; an HTTP publisher posts
		// one message at a time, each answered before the next, so exactly
		// what the server did not accept is resent.
		pub = &redialPublisher{r: r, ctx: ctx, url: url, pub: pub}
	}
	return pub, nil
}

// dialPublisher connects a fan-out publisher to url.
func (r *run) dialPublisher(ctx context.Context, url string) (clients.Publisher, error) {
	if r.cfg.PublishEvent != "" {
		return clients.DialSocketIOPublisher(ctx, url, r.cfg.PublishEvent, r.dial)
	}
	opts := r.dial
	opts.AckedPublish = r.cfg.Workload.Reconnect != nil
	return clients.DialPublisher(ctx, url, opts, func(err error) { r.rec.errs.add("publish", err) })
}

func (f *fanout) drive(ctx context.Context, r *run) {
	if f.pub == nil {
		// Another worker publishes; this one receives until the window ends.
		r.clock.SleepUntil(ctx, r.sched.windowEnd)
		return
	}
	r.sendSchedule(ctx, r.sched.pacer, r.markFor(-1), r.rec.shard(0), &f.counts, f.pub.Publish, func(err error) bool {
		r.rec.errs.add("publish", err)
		return false
	})
	// Wait for in-flight publishes (HTTP POSTs) while the run is still live,
	// so none is cut off and miscounted as an error.
	f.pub.Close()
}

func (f *fanout) collect(r *run, res *results.TransportResult) {
	if f.pub == nil {
		return // the publishing worker counts what was scheduled and sent
	}
	res.Counters.Scheduled = r.due()
	f.counts.addTo(&res.Counters)
}

func (f *fanout) close() {
	if f.pub != nil {
		f.pub.Close()
	}
}
