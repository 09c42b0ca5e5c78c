package loadgen

import (
	"context"
	"time"
)

// Clock is the one clock of a load-generator process. Readings are durations
// since the clock's epoch on Go's monotonic clock; Unix nanoseconds put on the
// wire are the epoch's wall time plus a monotonic offset, so subtracting them
// back gives a pure monotonic difference that wall-clock steps cannot disturb.
// It is an interface so the runner's schedule, drain and timeline can be
// tested on a clock advanced by hand.
type Clock interface {
	// Now is the current reading.
	Now() time.Duration
	// SleepUntil waits until the clock reads at, or ctx ends; it reports false
	// when ctx ended first.
	SleepUntil(ctx context.Context, at time.Duration) bool
	// UnixNano converts a reading to the Unix nanoseconds sent in envelopes.
	UnixNano(d time.Duration) int64
	// FromUnixNano converts an envelope timestamp written by UnixNano back to a
	// reading.
	FromUnixNano(ts int64) time.Duration
	// Reading converts a wall-clock instant (a plan's start, which may come
	// from another process) to a reading.
	Reading(t time.Time) time.Duration
	// Time converts a reading to an instant, the inverse of Reading.
	Time(d time.Duration) time.Time
}

// realClock reads the system's monotonic clock.
type realClock struct {
	epoch     time.Time
	epochUnix int64
}

// NewClock starts a clock at the current instant.
func NewClock() Clock {
	now := time.Now()
	return realClock{epoch: now, epochUnix: now.UnixNano()}
}

func (c realClock) Now() time.Duration                  { return time.Since(c.epoch) }
func (c realClock) UnixNano(d time.Duration) int64      { return c.epochUnix + int64(d) }
func (c realClock) FromUnixNano(ts int64) time.Duration { return time.Duration(ts - c.epochUnix) }
func (c realClock) Reading(t time.Time) time.Duration   { return t.Sub(c.epoch) }
func (c realClock) Time(d time.Duration) time.Time      { return c.epoch.Add(d) }

func (c realClock) SleepUntil(ctx context.Context, at time.Duration) bool {
	d := at - c.Now()
	if d <= 0 {
		return ctx.Err() == nil
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

var _ Clock = realClock{}
