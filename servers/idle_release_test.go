package servers

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMemoryReturnedOnceIdle: the server returns memory to the OS once, when
// its last subscriber has gone, not while it has any nor again while it
// stays idle.
func TestMemoryReturnedOnceIdle(t *testing.T) {
	var logBuf lockedWriter
	clk := newFakeClock()
	s := newServer(Config{}, slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug})), clk)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.releaseWhenIdle(ctx) }()
	defer func() { cancel(); <-done }()

	releases := func() int { return strings.Count(logBuf.String(), "memory returned") }
	tick := func() {
		clk.Advance(idleReleaseEvery)
		time.Sleep(20 * time.Millisecond) // let the loop look
	}
	clk.WaitTimer(t, idleReleaseEvery)
	tick() // idle from the start: nothing to return
	sub := s.hub.Subscribe()
	tick()
	if n := releases(); n != 0 {
		t.Fatalf("%d releases before any subscriber left", n)
	}
	s.hub.Unsubscribe(sub)
	deadline := time.Now().Add(5 * time.Second)
	for releases() == 0 && time.Now().Before(deadline) {
		tick()
	}
	tick()
	tick()
	if n := releases(); n != 1 {
		t.Fatalf("%d releases after the last subscriber left, want exactly 1", n)
	}
}

// lockedWriter is a log the loop writes while the test reads it.
type lockedWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
