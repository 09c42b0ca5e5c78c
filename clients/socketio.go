package clients

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pushbench/pushbench/internal/wire"
)

// Socket.IO clients speak Engine.IO v4 + Socket.IO v5 as socket.io-client 4.x
// does: they join the "/" namespace, answer every server ping with a pong
// (real servers drop clients that do not), take the event "msg" as a fan-out
// message and send echo messages as events with acks, whose answers are the
// replies. socketio_ws.go connects over WebSocket directly; socketio_polling.go
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

// errSIODisconnected reports the server ending the Socket.IO session.
var errSIODisconnected = errors.New("socket.io: server disconnected the socket")

// sioInbound interprets one Engine.IO message from the server. A "msg" event
// or an ack yields the envelope it carries; other events yield nothing; a
// CONNECT answer reports whether the socket was accepted.
func sioInbound(data []byte) (msg []byte, connected bool, err error) {
	p, err := wire.ParseSIO(data)
	if err != nil {
		return nil, false, err
	}
	if p.Namespace != "/" {
		return nil, false, nil
	}
	switch p.Type {
	case wire.SIOConnect:
		var ok struct {
			SID string `json:"sid"`
		}
		if json.Unmarshal(p.Data, &ok) != nil || ok.SID == "" {
			return nil, false, fmt.Errorf("socket.io: CONNECT answer without sid: %q", data)
		}
		return nil, true, nil
	case wire.SIOConnectError:
		var e struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(p.Data, &e) != nil {
			e.Message = string(p.Data)
		}
		return nil, false, fmt.Errorf("socket.io: connect refused: %s", e.Message)
	case wire.SIODisconnect:
		return nil, false, errSIODisconnected
	case wire.SIOEvent:
		name, args, err := wire.SIOEventArgs(p.Data)
		if err != nil || name != "msg" || len(args) == 0 {
			return nil, false, nil
		}
		return args[0], false, nil
	case wire.SIOAck:
		var args []json.RawMessage
		if json.Unmarshal(p.Data, &args) != nil || len(args) == 0 {
			return nil, false, fmt.Errorf("socket.io: empty ack %q", data)
		}
		return args[0], false, nil
	}
	return nil, false, nil
}

// echoEvent is the Engine.IO message data of 2<id>["echo",msg].
func echoEvent(dst []byte, id uint64, msg []byte) []byte {
	return wire.AppendSIO(dst, wire.SIOPacket{Type: wire.SIOEvent, ID: id, HasID: true, Data: wire.AppendSIOArray(nil, "echo", msg)})
}
