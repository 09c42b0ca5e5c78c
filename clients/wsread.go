package clients

import (
	"io"

	"github.com/gorilla/websocket"
)

// msgBuffer holds one WebSocket message at a time in a buffer reused from
// message to message, where gorilla's ReadMessage allocates each one anew.
type msgBuffer struct{ b []byte }

// Bounds of a msgBuffer: it starts at minMsgBuf when the first message
// arrives and is dropped after a message that grew it past maxKeptMsgBuf,
// so one large message does not pin its memory for the connection's life.
const (
	minMsgBuf     = 512
	maxKeptMsgBuf = 64 << 10
)

// readMessage reads conn's next data message (gorilla answers control
// frames meanwhile); the result is valid until the next call.
func (m *msgBuffer) readMessage(conn *websocket.Conn) ([]byte, error) {
	_, b, err := m.next(conn)
	return b, err
}

// next is readMessage with the message's type.
func (m *msgBuffer) next(conn *websocket.Conn) (int, []byte, error) {
	kind, r, err := conn.NextReader()
	if err != nil {
		return kind, nil, err
	}
	if cap(m.b) > maxKeptMsgBuf {
		m.b = nil
	}
	if m.b == nil {
		m.b = make([]byte, 0, minMsgBuf)
	}
	b := m.b[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			m.b = b
			return kind, b, nil
		}
		if err != nil {
			m.b = b
			return kind, nil, err
		}
	}
}
