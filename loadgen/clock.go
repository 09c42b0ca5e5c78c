package loadgen

import (
	"context"
	"time"
)

// Clock is the one clock of a load-generator process. Now reads Go's monotonic
// clock; Unix nanoseconds put on the wire are the epoch's wall time plus a
// monotonic offset, so subtracting them back gives a pure monotonic difference
// that wall-clock steps cannot disturb.
type Clock struct {
	epoch     time.Time
	epochUnix int64
}

// NewClock starts a clock at the current instant.
func NewClock() Clock {
	now := time.Now()
	return Clock{epoch: now, epochUnix: now.UnixNano()}
}

// Now is the time since the epoch.
func (c Clock) Now() time.Duration { return time.Since(c.epoch) }

// UnixNano converts a clock reading to the Unix nanoseconds sent in envelopes.
func (c Clock) UnixNano(d time.Duration) int64 { return c.epochUnix + int64(d) }

// FromUnixNano converts an envelope timestamp written by UnixNano back to a
// clock reading.
func (c Clock) FromUnixNano(ts int64) time.Duration { return time.Duration(ts - c.epochUnix) }

// SleepUntil waits until the clock reads at, or ctx ends; it reports false when
// ctx ended first.
func (c Clock) SleepUntil(ctx context.Context, at time.Duration) bool {
	d := at - c.Now()
	if d <= 0 {
		select {
		case <-ctx.Done():
			return false
		default:
			return true
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
