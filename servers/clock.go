package servers

import "time"

// clock is where the servers' timers come from: heartbeats, ping intervals and
// timeouts, the connect timeout, the generator's schedule. Production uses the
// real clock; tests pass a fake one they advance by hand, so heartbeat and
// timeout tests need not sleep. Network deadlines stay on real time: the
// kernel keeps them, not this clock.
type clock interface {
	Now() time.Time
	NewTimer(d time.Duration) timer
	NewTicker(d time.Duration) timer
	AfterFunc(d time.Duration, f func()) timer
}

// timer is a one-shot timer or a ticker of a clock. C is nil for AfterFunc.
type timer interface {
	C() <-chan time.Time
	Stop()
	Reset(d time.Duration)
}

// realClock is the time package.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTimer(d time.Duration) timer {
	t := time.NewTimer(d)
	return realTimer{t}
}

func (realClock) NewTicker(d time.Duration) timer { return realTicker{time.NewTicker(d)} }

func (realClock) AfterFunc(d time.Duration, f func()) timer {
	return realTimer{time.AfterFunc(d, f)}
}

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }
func (r realTimer) Stop()               { r.t.Stop() }

// Reset needs no drain since Go 1.23: no stale tick can be received after it.
func (r realTimer) Reset(d time.Duration) { r.t.Reset(d) }

type realTicker struct{ t *time.Ticker }

func (r realTicker) C() <-chan time.Time   { return r.t.C }
func (r realTicker) Stop()                 { r.t.Stop() }
func (r realTicker) Reset(d time.Duration) { r.t.Reset(d) }
