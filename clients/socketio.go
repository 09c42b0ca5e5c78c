package clients

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pushbench/pushbench/internal/wire"
)

// Socket.IO clients speak Engine.IO v4 + Socket.IO v5 as socket.io-client 4.x
// does: they join Receive.SIONamespace ("/" by default) with Receive.SIOAuth,
// answer every server ping with a pong (real servers drop clients that do
// not), take the event Receive.SIOEvent ("msg" by default) as a message and
// send echo messages as events with acks, whose answers are the replies. socketio_ws.go connects over WebSocket directly; socketio_polling.go
// long-polls, what real deployments fall back to. Both share eioSession.

// Histograms of the Socket.IO connect steps (Timings.Phases).
const (
	histUpgrade    = "upgrade"     // WebSocket upgraded
	histEIOOpen    = "eio_open"    // Engine.IO open packet received
	histSIOConnect = "sio_connect" // Socket.IO namespace connect answered
)

// eioURL adds the Engine.IO query to a Socket.IO endpoint URL.
func eioURL(endpoint, transport, sid string) string {
	sep := "?"
	if strings.Contains(endpoint, "?") {
		sep = "&"
	}
	u := endpoint + sep + "EIO=4&transport=" + transport
	if sid != "" {
		u += "&sid=" + sid
	}
	return u
}

// parseOpen reads the Engine.IO open packet.
func parseOpen(p wire.EIOPacket) (wire.EIOHandshake, error) {
	var hs wire.EIOHandshake
	if p.Type != wire.EIOOpen || p.Binary {
		return hs, fmt.Errorf("expected the Engine.IO open packet, got %q", wire.AppendEIOText(nil, p))
	}
	if err := json.Unmarshal(p.Data, &hs); err != nil || hs.SID == "" {
		return hs, fmt.Errorf("bad Engine.IO handshake %q", p.Data)
	}
	return hs, nil
}

// ErrPingTimeout reports an Engine.IO server that stopped pinging: no ping
// within its own pingInterval + pingTimeout, the bound socket.io-client
// closes a connection on ("ping timeout"). A stalled or vanished server is
// found by it even when the TCP connection stays open.
var ErrPingTimeout = errors.New("ping timeout")

// pingWait is how long a client waits for the server's next ping, from the
// handshake's pingInterval + pingTimeout; 0 when the server gave neither.
func pingWait(hs wire.EIOHandshake) time.Duration {
	return time.Duration(hs.PingInterval+hs.PingTimeout) * time.Millisecond
}

// errNoPing is ErrPingTimeout with the bound that passed.
func errNoPing(wait time.Duration) error {
	return fmt.Errorf("%w: no ping from the server within %s (its pingInterval + pingTimeout)", ErrPingTimeout, wait)
}

// errSIODisconnected reports the server ending the Socket.IO socket of the
// session's namespace: a clean end.
var errSIODisconnected = fmt.Errorf("%w: socket.io disconnect", ErrEnded)

// inbound interprets one Engine.IO message from the server. Only packets of
// the session's namespace count. An event named s.event yields a frame
// whose Event is that name and whose Data is the first argument's JSON text
// (for a string argument the JSON string, quotes and escapes included; empty
// when the event has no argument; for a binary event the placeholder
// object). An ack yields its first argument (the echo reply), with Event
// empty. Other events yield nothing; a CONNECT answer reports whether the
// socket was accepted; a DISCONNECT ends the socket cleanly.
func (s *eioSession) inbound(data []byte) (f Frame, ok, connected bool, err error) {
	p, err := wire.ParseSIO(data)
	if err != nil {
		return Frame{}, false, false, err
	}
	if p.Namespace != s.namespace {
		return Frame{}, false, false, nil
	}
	switch p.Type {
	case wire.SIOConnect:
		var ok struct {
			SID string `json:"sid"`
			PID string `json:"pid"` // connection-state recovery offered
		}
		if json.Unmarshal(p.Data, &ok) != nil || ok.SID == "" {
			return Frame{}, false, false, fmt.Errorf("socket.io: CONNECT answer without sid: %q", data)
		}
		s.pid = ok.PID
		return Frame{}, false, true, nil
	case wire.SIOConnectError:
		var e struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(p.Data, &e) != nil {
			e.Message = string(p.Data)
		}
		return Frame{}, false, false, fmt.Errorf("socket.io: connect to namespace %s refused: %s", s.namespace, e.Message)
	case wire.SIODisconnect:
		return Frame{}, false, false, fmt.Errorf("%w from namespace %s", errSIODisconnected, s.namespace)
	case wire.SIOEvent, wire.SIOBinaryEvent:
		ev, err := wire.ViewSIOEvent(p.Data)
		if err == nil && s.pid != "" && ev.Args > 0 {
			// Under connection-state recovery the server appends each
			// event's offset as its last argument, a string:
			// 2["msg",{"seq":1},"Q8S9_6s"].
			var offset string
			if json.Unmarshal(ev.Last, &offset) == nil {
				s.offset = offset
			}
		}
		if err != nil || string(ev.Name) != s.event {
			return Frame{}, false, false, nil
		}
		// Data aliases the packet: the link copies it (deliver) before
		// reading the next.
		f := Frame{Data: []byte{}, Event: s.event}
		if ev.Args > 0 {
			f.Data = ev.First
		}
		return f, true, false, nil
	case wire.SIOAck:
		var args []json.RawMessage
		if json.Unmarshal(p.Data, &args) != nil || len(args) == 0 {
			return Frame{}, false, false, fmt.Errorf("socket.io: empty ack %q", data)
		}
		return Frame{Data: args[0]}, true, false, nil
	}
	return Frame{}, false, false, nil
}

// echoEvent is the Engine.IO message data of 2[<namespace>,]<id>[<event>,msg].
func echoEvent(dst []byte, namespace, event string, id uint64, msg []byte) []byte {
	return wire.AppendSIO(dst, wire.SIOPacket{Type: wire.SIOEvent, Namespace: namespace, ID: id, HasID: true, Data: wire.AppendSIOArray(nil, event, sioArg(msg))})
}

// sioArg is msg as one Socket.IO event argument: itself when it is JSON (an
// envelope, a body template in the server's JSON format), else a JSON string.
func sioArg(msg []byte) json.RawMessage {
	if json.Valid(msg) {
		return msg
	}
	b, _ := json.Marshal(string(msg))
	return b
}
