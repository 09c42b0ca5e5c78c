package servers

import "log/slog"

// FakeClock is the fake clock for the external tests of this package.
type FakeClock = fakeClock

// NewFakeClock returns a fake clock that moves only when advanced.
func NewFakeClock() *FakeClock { return newFakeClock() }

// NewWithClock is New with the server's timers on clk.
func NewWithClock(cfg Config, log *slog.Logger, clk *FakeClock) *Server {
	return newServer(cfg, log, clk)
}

// PollWaiting reports whether the Engine.IO session sid has a long-polling
// GET waiting on the server.
func (s *Server) PollWaiting(sid string) bool {
	for _, t := range s.transports {
		if sio, ok := t.(*socketioTransport); ok {
			if sess := sio.lookup(sid); sess != nil {
				return sess.isPolling()
			}
		}
	}
	return false
}
