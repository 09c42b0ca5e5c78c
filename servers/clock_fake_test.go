package servers

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when a test advances it, so heartbeat
// and timeout tests run without sleeping.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*fakeTimer  // the armed ones: a stopped or fired timer is dropped, so what it refers to can be collected
	changed chan struct{} // closed and replaced whenever a timer is armed
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), changed: make(chan struct{})}
}

// fakeTimer is a timer (period 0), ticker (period > 0) or AfterFunc (f set).
type fakeTimer struct {
	clk    *fakeClock
	c      chan time.Time
	f      func()
	at     time.Time
	period time.Duration
	armed  bool
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) add(t *fakeTimer, d time.Duration) timer {
	t.clk = c
	t.Reset(d)
	return t
}

// disarm drops t from the armed timers. Called with c.mu held.
func (c *fakeClock) disarm(t *fakeTimer) {
	t.armed = false
	if i := slices.Index(c.timers, t); i >= 0 {
		c.timers = slices.Delete(c.timers, i, i+1)
	}
}

func (c *fakeClock) NewTimer(d time.Duration) timer {
	return c.add(&fakeTimer{c: make(chan time.Time, 1)}, d)
}

func (c *fakeClock) NewTicker(d time.Duration) timer {
	return c.add(&fakeTimer{c: make(chan time.Time, 1), period: d}, d)
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) timer {
	return c.add(&fakeTimer{f: f}, d)
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() {
	t.clk.mu.Lock()
	defer t.clk.mu.Unlock()
	t.clk.disarm(t)
	t.drain()
}

// drain drops a tick not yet received: as with Go 1.23 timers, none from
// before a Stop or Reset is received after it.
func (t *fakeTimer) drain() {
	if t.c != nil {
		select {
		case <-t.c:
		default:
		}
	}
}

func (t *fakeTimer) Reset(d time.Duration) {
	c := t.clk
	c.mu.Lock()
	defer c.mu.Unlock()
	if !t.armed {
		c.timers = append(c.timers, t)
	}
	t.at, t.armed = c.now.Add(d), true
	if t.period > 0 {
		t.period = d
	}
	t.drain()
	close(c.changed)
	c.changed = make(chan struct{})
}

// Advance moves the clock forward by d, firing every timer due on the way in
// order; AfterFunc functions run before Advance returns.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	for {
		var next *fakeTimer
		for _, t := range c.timers {
			if t.armed && !t.at.After(end) && (next == nil || t.at.Before(next.at)) {
				next = t
			}
		}
		if next == nil {
			break
		}
		c.now = next.at
		if next.period > 0 {
			next.at = next.at.Add(next.period)
		} else {
			c.disarm(next)
		}
		if next.c != nil {
			select {
			case next.c <- c.now:
			default: // like a real ticker, drop a tick nobody took
			}
		}
		if next.f != nil {
			c.mu.Unlock()
			next.f()
			c.mu.Lock()
		}
	}
	c.now = end
	c.mu.Unlock()
}

// WaitTimer waits until a timer is armed to fire d from now: the code under
// test has reached the wait a test is about to advance past.
func (c *fakeClock) WaitTimer(t testing.TB, d time.Duration) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		c.mu.Lock()
		for _, tm := range c.timers {
			if tm.armed && tm.at.Equal(c.now.Add(d)) {
				c.mu.Unlock()
				return
			}
		}
		changed := c.changed
		c.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no timer armed for %v within 5s", d)
		}
	}
}
