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

// engineIO is the server's Engine.IO transport.
func (s *Server) engineIO() *socketioTransport {
	for _, t := range s.transports {
		if sio, ok := t.(*socketioTransport); ok {
			return sio
		}
	}
	return nil
}

// EngineIOSessions is how many Engine.IO sessions are open.
func (s *Server) EngineIOSessions() int { return s.engineIO().Sessions() }

// EngineIOPending is the bytes queued for the Engine.IO session sid and not
// yet written: its replies and its hub subscription's messages.
func (s *Server) EngineIOPending(sid string) int64 {
	sess := s.engineIO().lookup(sid)
	if sess == nil {
		return 0
	}
	n := sess.pending.Load()
	if sub := sess.subscription(); sub != nil {
		n += sub.QueuedBytes()
	}
	return n
}
