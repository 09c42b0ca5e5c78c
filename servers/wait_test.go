package servers_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/pushbench/pushbench/servers"
)

// waitLimit bounds every wait of these tests: a broken server fails a test
// instead of hanging it.
const waitLimit = 5 * time.Second

// client is http.DefaultClient with a time limit on every request, streams
// included.
var client = &http.Client{Timeout: 2 * waitLimit}

// recv receives from c, failing the test if nothing arrives within waitLimit.
func recv[T any](t testing.TB, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(waitLimit):
		t.Fatalf("%s: nothing within %v", what, waitLimit)
		panic("unreachable")
	}
}

// next takes s's oldest queued message, waiting for one up to waitLimit.
func next(t testing.TB, s *servers.Subscriber, what string) *servers.Message {
	t.Helper()
	deadline := time.After(waitLimit)
	for {
		if m := s.Next(); m != nil {
			return m
		}
		select {
		case <-s.Ready():
		case <-deadline:
			t.Fatalf("%s: nothing within %v", what, waitLimit)
		}
	}
}

// eventually polls cond until it holds, failing the test after waitLimit.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(waitLimit); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, waitLimit)
		}
	}
}
