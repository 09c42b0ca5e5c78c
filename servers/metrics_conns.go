package servers

import "sync/atomic"

// openConns counts the open subscriber connections of the transports that do
// not keep a registry of them; one atomic add when a connection starts and
// one when it ends, never per message.
type openConns struct {
	chunked, sse, ws, tcp atomic.Int64
}

// connectionsByTransport is the open subscriber connections per transport
// name as /metrics labels them. Engine.IO sessions are counted from the
// session table by their current transport.
func (s *Server) connectionsByTransport() map[string]int64 {
	m := map[string]int64{
		"chunked":          s.live.chunked.Load(),
		"sse":              s.live.sse.Load(),
		"ws":               s.live.ws.Load(),
		"tcp":              s.live.tcp.Load(),
		"socketio-ws":      0,
		"socketio-polling": 0,
	}
	for _, t := range s.transports {
		if sio, ok := t.(*socketioTransport); ok {
			m["socketio-ws"], m["socketio-polling"] = sio.sessionsByTransport()
		}
	}
	return m
}

// sessionsByTransport counts the open Engine.IO sessions upgraded to
// WebSocket and those still on long-polling.
func (t *socketioTransport) sessionsByTransport() (ws, polling int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range t.sessions {
		if s.isUpgraded() {
			ws++
		} else {
			polling++
		}
	}
	return ws, polling
}
