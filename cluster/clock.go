package cluster

import (
	"fmt"
	"time"
)

// ClockRounds is how many ping round trips one clock estimate takes; the
// one with the shortest round trip is kept, as NTP keeps its best sample:
// the shorter the trip, the less room for asymmetric delay.
const ClockRounds = 8

// ClockEstimate is a worker's clock against the coordinator's.
type ClockEstimate struct {
	// Offset is the coordinator's clock minus the worker's: what the worker
	// adds to its own clock to read the coordinator's
	// (loadgen.Config.ClockOffset).
	Offset time.Duration
	// Uncertainty bounds Offset's error: half the round trip it came from
	// (the reply may have spent any part of it on either leg).
	Uncertainty time.Duration
	RTT         time.Duration
	// SameClock: the worker runs on the coordinator's machine (the same
	// kernel boot id) and reads its clock: Offset and Uncertainty are 0 by
	// definition, whatever the exchange measured; RTT is still measured.
	SameClock bool
}

func (e ClockEstimate) String() string {
	if e.SameClock {
		return fmt.Sprintf("one clock, same machine (round trip %s)", e.RTT)
	}
	return fmt.Sprintf("offset %s ±%s (round trip %s)", e.Offset, e.Uncertainty, e.RTT)
}

// sameClock is the estimate of a worker on the coordinator's machine: no
// offset, no uncertainty, the measured round trip kept (the plan's lead
// depends on it).
func sameClock(measured ClockEstimate) ClockEstimate {
	return ClockEstimate{RTT: measured.RTT, SameClock: true}
}

// clockSample is one ping round trip: t0 and t3 the coordinator's send and
// receive times, t1 and t2 the worker's receive and send times (Unix ns,
// each on its own clock), and the round trip on the coordinator's monotonic
// clock less the worker's time between t1 and t2.
type clockSample struct {
	t0, t1, t2, t3 int64
	rtt            time.Duration
}

// offset is the coordinator's clock minus the worker's. NTP's
// ((t1-t0)+(t2-t3))/2 is the answering side's clock minus the asking
// side's; here the coordinator asks (t0, t3 are its stamps), so the
// coordinator minus the worker is its negation, ((t0-t1)+(t3-t2))/2. Each
// difference is halved before the sum so Unix nanoseconds cannot overflow.
func (s clockSample) offset() time.Duration {
	return time.Duration((s.t0-s.t1)/2 + (s.t3-s.t2)/2)
}

// bestEstimate is the estimate of the sample with the shortest round trip;
// ok is false without samples.
func bestEstimate(samples []clockSample) (ClockEstimate, bool) {
	if len(samples) == 0 {
		return ClockEstimate{}, false
	}
	best := samples[0]
	for _, s := range samples[1:] {
		if s.rtt < best.rtt {
			best = s
		}
	}
	rtt := max(best.rtt, 0)
	return ClockEstimate{Offset: best.offset(), Uncertainty: rtt / 2, RTT: rtt}, true
}

// newClockSample makes a sample from a ping's send and receive instants on
// the coordinator's clock (monotonic readings kept) and the worker's pong.
func newClockSample(sent, received time.Time, p *Pong) clockSample {
	workerHeld := time.Duration(p.T2 - p.T1)
	return clockSample{
		t0: sent.UnixNano(), t1: p.T1, t2: p.T2, t3: received.UnixNano(),
		rtt: received.Sub(sent) - max(workerHeld, 0),
	}
}
