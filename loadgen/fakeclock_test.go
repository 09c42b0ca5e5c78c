package loadgen

import (
	"context"
	"sync"
	"testing"
	"time"
)

// fakeClock is a Clock advanced by hand, so schedule, timeline and drain
// logic is tested without sleeping.
type fakeClock struct {
	mu       sync.Mutex
	now      time.Duration
	epoch    time.Time
	sleepers []sleeper
}

type sleeper struct {
	at   time.Duration
	wake chan struct{}
}

func newFakeClock() *fakeClock { return &fakeClock{epoch: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) UnixNano(d time.Duration) int64 { return c.epoch.UnixNano() + int64(d) }
func (c *fakeClock) FromUnixNano(ts int64) time.Duration {
	return time.Duration(ts - c.epoch.UnixNano())
}
func (c *fakeClock) Reading(t time.Time) time.Duration { return t.Sub(c.epoch) }
func (c *fakeClock) Time(d time.Duration) time.Time    { return c.epoch.Add(d) }

func (c *fakeClock) SleepUntil(ctx context.Context, at time.Duration) bool {
	c.mu.Lock()
	if at <= c.now {
		c.mu.Unlock()
		return ctx.Err() == nil
	}
	s := sleeper{at: at, wake: make(chan struct{})}
	c.sleepers = append(c.sleepers, s)
	c.mu.Unlock()
	select {
	case <-s.wake:
		return true
	case <-ctx.Done():
		return false
	}
}

// advanceTo moves the clock to t and wakes every sleeper due by then.
func (c *fakeClock) advanceTo(t time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	kept := c.sleepers[:0]
	for _, s := range c.sleepers {
		if s.at <= t {
			close(s.wake)
		} else {
			kept = append(kept, s)
		}
	}
	c.sleepers = kept
}

// waitSleepers waits until n goroutines sleep on the clock, so a test
// advances it only once they are waiting.
func (c *fakeClock) waitSleepers(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		got := len(c.sleepers)
		c.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines sleeping on the clock, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

var _ Clock = (*fakeClock)(nil)
