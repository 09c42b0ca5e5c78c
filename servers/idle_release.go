package servers

import (
	"context"
	"runtime"
	"runtime/debug"
	"time"
)

// idleReleaseEvery is how often the server looks whether it has become idle.
const idleReleaseEvery = 5 * time.Second

// releaseWhenIdle returns the memory of connections that are gone to the
// operating system once the server has no subscribers left after having had
// some. The Go runtime would return it by itself only over minutes, so a
// server that held thousands of connections and then none would keep looking
// thousands of connections big: a soak's leak check and the next run's
// "server RSS before" read its resident memory.
func (s *Server) releaseWhenIdle(ctx context.Context) {
	t := s.clock.NewTicker(idleReleaseEvery)
	defer t.Stop()
	busy := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
		st := s.Stats()
		if st.Subscribers > 0 || st.EIOSessions > 0 {
			busy = true
			continue
		}
		if busy {
			busy = false
			// Two collections: the first moves sync.Pool contents (buffers of
			// the closed connections) to the victim cache, the second frees them.
			runtime.GC()
			debug.FreeOSMemory()
			s.log.Debug("idle: memory returned to the OS")
		}
	}
}
