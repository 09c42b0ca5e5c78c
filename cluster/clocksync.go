package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// syncClock estimates m's clock against the coordinator's: ClockRounds pings
// one after another, the best kept. The member's reader must be running
// (it stamps each pong on arrival).
func (c *Coordinator) syncClock(ctx context.Context, m *member) (ClockEstimate, error) {
	samples := make([]clockSample, 0, ClockRounds)
	for range ClockRounds {
		m.pingSeq++
		seq, sent := m.pingSeq, c.now()
		if err := m.p.send(&Ping{Seq: seq, T0: sent.UnixNano()}); err != nil {
			return ClockEstimate{}, fmt.Errorf("send ping: %w", err)
		}
		s, err := awaitPong(ctx, m, seq, sent)
		if err != nil {
			return ClockEstimate{}, err
		}
		samples = append(samples, s)
	}
	est, _ := bestEstimate(samples)
	return est, nil
}

// awaitPong waits for the answer to ping seq sent at sent, skipping stale
// answers to earlier pings.
func awaitPong(ctx context.Context, m *member, seq int, sent time.Time) (clockSample, error) {
	timer := time.NewTimer(pingTimeout)
	defer timer.Stop()
	for {
		select {
		case sp := <-m.pongs:
			if sp.pong.Seq != seq || sp.pong.T0 != sent.UnixNano() {
				continue
			}
			return newClockSample(sent, sp.at, sp.pong), nil
		case <-m.gone:
			return clockSample{}, errors.New("connection lost during the clock exchange")
		case <-timer.C:
			return clockSample{}, fmt.Errorf("no answer to a clock ping within %s", pingTimeout)
		case <-ctx.Done():
			return clockSample{}, ctx.Err()
		}
	}
}
