package servers_test

import (
	"testing"
	"time"

	"github.com/pushbench/pushbench/servers"
)

// publishUntilDropped publishes 64 KiB messages until the hub drops one for
// srv's single subscriber, a client that does not read, and checks the slow
// policy the same way for every direct-write transport: the queue stays
// within queueBytes plus one message, and the subscriber is kept under
// SlowDrop and kicked once under SlowDisconnect. It reports whether the
// subscriber was kicked, so the caller checks how its transport ended it.
func publishUntilDropped(t *testing.T, srv *servers.Server, policy servers.SlowPolicy, queueBytes int64) bool {
	t.Helper()
	for i := 1; srv.Hub().Stats().Dropped == 0; i++ {
		if i > 500 {
			t.Fatalf("no drop after %d publishes: %+v", i, srv.Hub().Stats())
		}
		srv.Hub().Publish(bigMessage(i, 64<<10))
	}
	st := srv.Hub().Stats()
	if st.QueuedBytes > queueBytes+64<<10+1024 {
		t.Fatalf("queued %d bytes, want at most the budget %d plus one message", st.QueuedBytes, queueBytes)
	}
	if policy == servers.SlowDrop {
		if st.Kicked != 0 || st.Subscribers != 1 {
			t.Fatalf("drop policy: %+v, want the subscriber kept", st)
		}
		return false
	}
	if st.Kicked != 1 {
		t.Fatalf("disconnect policy: %+v, want one kick", st)
	}
	return true
}

// publishInBursts publishes total 8 KiB messages in bursts of 300 with a
// pause after each (so the socket fills, the flusher drains it and direct
// writes resume), then waits up to wait for the reader's verdict on got and
// checks that every message was enqueued and none dropped.
func publishInBursts(t *testing.T, srv *servers.Server, total int, got <-chan error, wait time.Duration) {
	t.Helper()
	for i := 1; i <= total; i++ {
		srv.Hub().Publish(bigMessage(i, 8<<10))
		if i%300 == 0 {
			time.Sleep(20 * time.Millisecond) // and let it drain: direct writes again
		}
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(wait):
		t.Fatal("the client did not get every message in time")
	}
	if st := srv.Hub().Stats(); st.Dropped != 0 || st.Enqueued != int64(total) {
		t.Fatalf("stats %+v, want %d enqueued and none dropped", st, total)
	}
}
