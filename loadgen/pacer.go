package loadgen

import (
	"math"
	"time"
)

// Pacer is a constant-rate, open-loop schedule: event i is due at
// Start + i/Rate, whether or not earlier events were sent on time. Senders stamp
// each message with At(i), never with the moment they got round to sending it,
// so a stall shows up in the latency tail (coordinated omission avoided). It is a
// pure function of its fields and is tested without a clock.
type Pacer struct {
	Start time.Duration // clock reading of event 0
	Rate  float64       // events per second, > 0
}

// At is the scheduled time of event i.
func (p Pacer) At(i int64) time.Duration {
	return p.Start + time.Duration(math.Round(float64(i)*float64(time.Second)/p.Rate))
}

// CountBefore is how many events are scheduled strictly before t: the index of
// the first event at or after t (0 for a pacer without a rate, which has none).
func (p Pacer) CountBefore(t time.Duration) int64 {
	if t <= p.Start || p.Rate <= 0 {
		return 0
	}
	n := int64(math.Ceil(float64(t-p.Start) * p.Rate / float64(time.Second)))
	// Correct float rounding at the boundary so At(n-1) < t <= At(n).
	for n > 0 && p.At(n-1) >= t {
		n--
	}
	for p.At(n) < t {
		n++
	}
	return n
}

// Window is the half-open range of event indexes [First, First+Count) scheduled
// in [from, from+length).
func (p Pacer) Window(from, length time.Duration) (first, count int64) {
	first = p.CountBefore(from)
	return first, p.CountBefore(from+length) - first
}
