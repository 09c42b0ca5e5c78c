package loadgen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/pushbench/pushbench/clients"
)

// redialPublisher is the fan-out publisher under a reconnect policy: a
// publish that fails (the server restarted, the connection dropped) is
// retried, message by message in order, redialling with the policy's
// backoff, until it succeeds or the drain ends. The message keeps its
// original scheduled stamp and later ones wait behind it, so an outage shows
// in latency and send lag as it was, and a message counts as sent only once
// it was. Each failed attempt is logged as a publish error; Publish fails
// only when the drain ended first.
type redialPublisher struct {
	r   *run
	ctx context.Context
	url string            // where it publishes
	pub clients.Publisher // nil while down; only the schedule's goroutine uses it
}

func (p *redialPublisher) Publish(msg []byte) error {
	policy := p.r.cfg.Workload.Reconnect
	deadline := p.r.sched.windowEnd + time.Duration(*p.r.cfg.Workload.Drain)
	for attempt := 0; ; attempt++ {
		// Past the drain nothing more is owed: give up at once, so a server
		// that never answers costs at most one attempt beyond the drain and
		// the run still ends within its bound.
		if p.r.clock.Now() >= deadline {
			return fmt.Errorf("publish not attempted: the drain ended (the server did not take earlier messages)")
		}
		err := p.try(msg)
		if err == nil {
			return nil
		}
		if p.ctx.Err() != nil {
			return err
		}
		p.r.rec.errs.add("publish", err)
		next := p.r.clock.Now() + policy.Delay(attempt, rand.Float64())
		if next >= deadline {
			return fmt.Errorf("publish not retried past the drain: %w", err)
		}
		if !p.r.clock.SleepUntil(p.ctx, next) {
			return err
		}
	}
}

// try publishes msg once, dialling first when the last attempt left the
// publisher down.
func (p *redialPublisher) try(msg []byte) error {
	if p.pub == nil {
		pub, err := p.r.dialPublisher(p.ctx, p.url)
		if err != nil {
			return fmt.Errorf("redial: %w", err)
		}
		p.pub = pub
	}
	if err := p.pub.Publish(msg); err != nil {
		p.pub.Close()
		p.pub = nil
		return err
	}
	return nil
}

func (p *redialPublisher) Close() {
	if p.pub != nil {
		p.pub.Close()
	}
}
