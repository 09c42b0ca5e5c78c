package servers

import (
	"strings"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/internal/wire"
)

// WebSocketFrameBytes is m as one unmasked server text frame, framed once for
// every connection the hub writes it to directly.
func (m *Message) WebSocketFrameBytes() []byte {
	m.wsRawOnce.Do(func() { m.wsRaw = wire.AppendServerFrame(nil, wire.WSText, m.JSON) })
	return m.wsRaw
}

// wsCloseFrame is a close frame with code and reason, cut to the 123 bytes a
// control frame allows; code 0 sends a close frame without a status.
func wsCloseFrame(code int, reason string) []byte {
	if code == 0 {
		return wire.AppendServerFrame(nil, wire.WSClose, nil)
	}
	if len(reason) > 123 {
		reason = strings.ToValidUTF8(reason[:123], "")
	}
	return wire.AppendServerFrame(nil, wire.WSClose, websocket.FormatCloseMessage(code, reason))
}
