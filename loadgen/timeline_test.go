package loadgen

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

func TestTimelineRunsActionsAtTheirOffsets(t *testing.T) {
	clock := newFakeClock()
	windowStart := 2 * time.Second
	ran := make(chan string, 3)
	record := func(name string, err error) func(context.Context) error {
		return func(context.Context) error {
			ran <- name + "@" + clock.Now().String()
			return err
		}
	}
	expectRan := func(want string) {
		t.Helper()
		select {
		case got := <-ran:
			if got != want {
				t.Fatalf("action ran: %s, want %s", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("action %s did not run", want)
		}
	}
	actions := []Action{
		{At: time.Second, Name: "kill", Do: record("kill", nil)},
		{At: -500 * time.Millisecond, Name: "stall", Do: record("stall", errors.New("SIGSTOP refused"))},
		{At: 3 * time.Second, Name: "resume", Do: record("resume", nil)},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan []results.Event, 1)
	go func() { done <- runTimeline(ctx, clock, windowStart, actions) }()

	clock.waitSleepers(t, 3)
	clock.advanceTo(1500 * time.Millisecond) // stall is due (window start - 500ms)
	expectRan("stall@1.5s")
	clock.advanceTo(3 * time.Second) // kill is due
	expectRan("kill@3s")
	cancel() // the run ends before resume is due
	var events []results.Event
	select {
	case events = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("timeline did not end after its context was cancelled")
	}
	want := []results.Event{
		{Name: "kill", At: results.Duration(time.Second)},
		{Name: "stall", At: results.Duration(-500 * time.Millisecond), Error: "SIGSTOP refused"},
		{Name: "resume", At: results.Duration(3 * time.Second), Error: "skipped: the run ended first"},
	}
	if len(events) != len(want) {
		t.Fatalf("events %+v", events)
	}
	for i := range want {
		if events[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, events[i], want[i])
		}
	}
}

func TestPlanOnClock(t *testing.T) {
	clock := newFakeClock()
	start := clock.epoch.Add(time.Second)
	p := Plan{Start: start, Rate: 10, Warmup: 500 * time.Millisecond, Duration: 2 * time.Second, FirstSeq: 101, Topic: "t"}
	s := p.on(clock)
	if s.pacer.Start != time.Second || s.windowStart != 1500*time.Millisecond || s.windowEnd != 3500*time.Millisecond {
		t.Fatalf("schedule %+v", s)
	}
	// Events at 1.0, 1.1, ... s: five in the warm-up, twenty measured.
	if s.first != 5 || s.measured != 20 || s.total() != 25 {
		t.Fatalf("first %d measured %d total %d", s.first, s.measured, s.total())
	}
	if s.seq(0) != 101 || s.firstSeq() != 106 {
		t.Fatalf("seq(0) %d firstSeq %d", s.seq(0), s.firstSeq())
	}
	// A plan from elsewhere that says nothing of sequence numbers starts at 1.
	if got := (Plan{Start: start, Rate: 1}).on(clock).seq0; got != 1 {
		t.Fatalf("default first sequence %d", got)
	}
}

func TestDrainEndsAtItsDeadline(t *testing.T) {
	clock := newFakeClock()
	r := &run{clock: clock, sched: schedule{windowEnd: 10 * time.Second}}
	r.cfg.Workload.Drain = workload.Duration(2 * time.Second).Ptr()
	r.ready.Store(3)
	r.settled.Store(2) // one connection still owed messages
	clock.advanceTo(10 * time.Second)
	done := make(chan struct{})
	go func() { defer close(done); r.drain(context.Background()) }()
	clock.waitSleepers(t, 1)
	clock.advanceTo(11 * time.Second)
	select {
	case <-done:
		t.Fatal("drain ended before its deadline with a connection unsettled")
	case <-time.After(20 * time.Millisecond):
	}
	clock.waitSleepers(t, 1)
	clock.advanceTo(12 * time.Second)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("drain did not end at windowEnd + drain")
	}

	// Once every connection has settled, drain returns at once.
	r.settled.Store(3)
	clock.advanceTo(10 * time.Second)
	finished := make(chan struct{})
	go func() { defer close(finished); r.drain(context.Background()) }()
	select {
	case <-finished:
	case <-time.After(5 * time.Second):
		t.Fatal("drain waited although every connection had settled")
	}
}

// TestSetPlanStartsOnTheRunsClock: a plan the runner makes starts a short
// lead after the run's own clock reads now, so a fake clock drives it too.
func TestSetPlanStartsOnTheRunsClock(t *testing.T) {
	clock := newFakeClock()
	clock.advanceTo(time.Hour)
	r := &run{clock: clock, planned: make(chan struct{})}
	r.cfg.Workload = workload.Workload{Rate: 10, Warmup: workload.Duration(time.Second).Ptr(), Duration: workload.Duration(2 * time.Second)}.WithDefaults()
	r.setPlan(true)
	if r.sched.pacer.Start != time.Hour+planLead || r.sched.windowStart != time.Hour+planLead+time.Second {
		t.Fatalf("schedule %+v, want event 0 at %s", r.sched, time.Hour+planLead)
	}
	if r.expected != 20 || r.plan.Topic == "" {
		t.Fatalf("expected %d per connection, topic %q", r.expected, r.plan.Topic)
	}
	select {
	case <-r.planned:
	default:
		t.Fatal("setPlan did not release the connections waiting for the plan")
	}
}
