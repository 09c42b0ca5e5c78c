package loadgen

import (
	"testing"
	"time"
)

func TestShareOfCoversEveryConnectionOnce(t *testing.T) {
	for _, tc := range []struct{ conns, workers int }{{10, 1}, {10, 3}, {45000, 3}, {2, 3}, {7, 7}, {1000, 4}} {
		seen := make([]int, tc.conns)
		total := 0
		for i := range tc.workers {
			s := shareOf(tc.conns, i, tc.workers)
			if d := s.size() - tc.conns/tc.workers; d < 0 || d > 1 {
				t.Errorf("%d over %d: worker %d holds %d, want %d or one more", tc.conns, tc.workers, i, s.size(), tc.conns/tc.workers)
			}
			for k := s.lo; k < s.hi; k++ {
				seen[k]++
			}
			total += s.size()
		}
		if total != tc.conns {
			t.Errorf("%d over %d: shares hold %d", tc.conns, tc.workers, total)
		}
		for k, n := range seen {
			if n != 1 {
				t.Errorf("%d over %d: connection %d held %d times", tc.conns, tc.workers, k, n)
			}
		}
	}
}

func TestShareOwnsEveryEventOnce(t *testing.T) {
	const workers = 3
	for i := int64(0); i < 100; i++ {
		owners := 0
		for w := range workers {
			if shareOf(30, w, workers).owns(i) {
				owners++
			}
		}
		if owners != 1 {
			t.Fatalf("event %d owned by %d workers", i, owners)
		}
	}
	if !shareOf(5, 0, 1).owns(7) {
		t.Fatal("a single worker must own every event")
	}
}

func TestOffsetClockReadsTheOtherClock(t *testing.T) {
	base := &fakeClock{epoch: time.Unix(1_700_000_000, 0)}
	const offset = 3 * time.Second // the coordinator is 3 s ahead
	c := withOffset(base, offset)
	now := base.Now()
	if got, want := c.UnixNano(now), base.UnixNano(now)+int64(offset); got != want {
		t.Fatalf("UnixNano %d, want %d", got, want)
	}
	// A timestamp written on the coordinator's clock reads back as the same
	// reading here.
	if got := c.FromUnixNano(c.UnixNano(now + time.Second)); got != now+time.Second {
		t.Fatalf("FromUnixNano(UnixNano(x)) = %s, want %s", got, now+time.Second)
	}
	// A plan start on the coordinator's clock, 3 s ahead, is now here.
	coordNow := base.Time(now).Add(offset)
	if got := c.Reading(coordNow); got != now {
		t.Fatalf("Reading(coordinator now) = %s, want %s", got, now)
	}
	if got := c.Time(now); !got.Equal(coordNow) {
		t.Fatalf("Time(now) = %s, want %s", got, coordNow)
	}
	if withOffset(base, 0) != Clock(base) {
		t.Fatal("a zero offset must leave the clock as it is")
	}
}
