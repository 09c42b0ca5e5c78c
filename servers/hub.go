package servers

import (
	"cmp"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/internal/wire"
)

// SlowPolicy is what the hub does with a subscriber whose queue is full.
type SlowPolicy string

// Slow-subscriber policies. Either way memory stays bounded and the event is
// counted; the hub never blocks a broadcast on one slow client.
const (
	SlowDrop       SlowPolicy = "drop"       // drop the message for that subscriber
	SlowDisconnect SlowPolicy = "disconnect" // end that subscriber's connection
)

// ParseSlowPolicy validates a policy name.
func ParseSlowPolicy(s string) (SlowPolicy, error) {
	switch p := SlowPolicy(s); p {
	case SlowDrop, SlowDisconnect:
		return p, nil
	}
	return "", fmt.Errorf("slow-subscriber policy %q: want drop or disconnect", s)
}

// Message is one published envelope with its encodings, each computed once per
// broadcast however many subscribers write it.
type Message struct {
	Env  wire.Envelope
	JSON []byte
	// ID is the server's event id (the SSE id: line), assigned when the
	// message is broadcast (see replayLog); zero falls back to Env.Seq.
	ID uint64

	sseOnce   sync.Once
	sse       []byte
	lineOne   sync.Once
	line      []byte
	wsOnce    sync.Once
	ws        *websocket.PreparedMessage
	wsErr     error
	sioOnce   sync.Once
	sio       []byte
	sioWSOnce sync.Once
	sioWS     *websocket.PreparedMessage
	sioWSErr  error
}

// NewMessage encodes env once.
func NewMessage(env wire.Envelope) *Message {
	return &Message{Env: env, JSON: env.AppendJSON(nil)}
}

// SSEFrame is the text/event-stream form: id, optional event, data.
func (m *Message) SSEFrame() []byte {
	m.sseOnce.Do(func() {
		// The JSON has no line breaks and the id is digits, so this cannot fail;
		// the event name is checked when the message is published.
		m.sse, _ = wire.AppendSSE(nil, wire.SSEEvent{ID: fmt.Sprint(cmp.Or(m.ID, m.Env.Seq)), Type: m.Env.Event, Data: string(m.JSON)})
	})
	return m.sse
}

// NDJSONLine is the chunked-stream form: one JSON line.
func (m *Message) NDJSONLine() []byte {
	m.lineOne.Do(func() { m.line = wire.AppendNDJSON(nil, m.JSON) })
	return m.line
}

// WebSocketFrame is the text frame, framed once for all connections.
func (m *Message) WebSocketFrame() (*websocket.PreparedMessage, error) {
	m.wsOnce.Do(func() { m.ws, m.wsErr = websocket.NewPreparedMessage(websocket.TextMessage, m.JSON) })
	return m.ws, m.wsErr
}

// SocketIOEvent is the Engine.IO message data of the Socket.IO event
// 2["msg",<envelope>] that carries m to sockets of the "/" namespace.
func (m *Message) SocketIOEvent() []byte {
	m.sioOnce.Do(func() {
		m.sio = wire.AppendSIO(nil, wire.SIOPacket{Type: wire.SIOEvent, Data: wire.AppendSIOArray(nil, "msg", m.JSON)})
	})
	return m.sio
}

// SocketIOFrame is the WebSocket text frame 42["msg",<envelope>], framed once
// for all Socket.IO sessions on WebSocket.
func (m *Message) SocketIOFrame() (*websocket.PreparedMessage, error) {
	m.sioWSOnce.Do(func() {
		frame := append([]byte{wire.EIOMessage}, m.SocketIOEvent()...)
		m.sioWS, m.sioWSErr = websocket.NewPreparedMessage(websocket.TextMessage, frame)
	})
	return m.sioWS, m.sioWSErr
}

// Subscriber is one connection's bounded queue of messages to write.
type Subscriber struct {
	// C delivers messages in publish order.
	C <-chan *Message
	// Kicked is closed when the hub disconnects the subscriber for being slow,
	// or when the hub shuts down.
	Kicked <-chan struct{}

	c      chan *Message
	kicked chan struct{}
	once   sync.Once
}

func (s *Subscriber) kick() { s.once.Do(func() { close(s.kicked) }) }

// HubStats are the hub's counters.
type HubStats struct {
	Subscribers int64 `json:"subscribers"`
	Published   int64 `json:"published"`
	Enqueued    int64 `json:"enqueued"`
	Dropped     int64 `json:"dropped"`
	Kicked      int64 `json:"kicked"`
}

// Hub broadcasts every published message to every subscriber of every transport.
type Hub struct {
	queueLen int
	policy   SlowPolicy

	mu     sync.RWMutex
	subs   map[*Subscriber]struct{}
	closed bool

	published, enqueued, dropped, kicked atomic.Int64
	seq                                  atomic.Uint64
}

// NextSeq hands out the server's own sequence numbers, for messages whose
// publisher did not number them (the built-in generator, bare POSTs), so they
// never collide with each other.
func (h *Hub) NextSeq() uint64 { return h.seq.Add(1) }

// NewHub returns a hub whose subscribers each queue at most queueLen messages.
func NewHub(queueLen int, policy SlowPolicy) *Hub {
	if queueLen <= 0 {
		queueLen = 1
	}
	return &Hub{queueLen: queueLen, policy: policy, subs: map[*Subscriber]struct{}{}}
}

// Subscribe adds a subscriber. It returns nil once the hub is closed.
func (h *Hub) Subscribe() *Subscriber {
	c := make(chan *Message, h.queueLen)
	k := make(chan struct{})
	s := &Subscriber{C: c, Kicked: k, c: c, kicked: k}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	h.subs[s] = struct{}{}
	return s
}

// Unsubscribe removes s; it is safe to call more than once.
func (h *Hub) Unsubscribe(s *Subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

// Publish hands m to every subscriber without blocking and applies the slow
// policy to those whose queue is full.
func (h *Hub) Publish(m *Message) {
	h.published.Add(1)
	var slow []*Subscriber
	h.mu.RLock()
	for s := range h.subs {
		select {
		case s.c <- m:
			h.enqueued.Add(1)
		default:
			h.dropped.Add(1)
			if h.policy == SlowDisconnect {
				slow = append(slow, s)
			}
		}
	}
	h.mu.RUnlock()
	for _, s := range slow {
		h.kicked.Add(1)
		h.Unsubscribe(s)
		s.kick()
	}
}

// Close disconnects every subscriber and refuses new ones.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	subs := h.subs
	h.subs = map[*Subscriber]struct{}{}
	h.mu.Unlock()
	for s := range subs {
		s.kick()
	}
}

// Stats returns a snapshot of the counters.
func (h *Hub) Stats() HubStats {
	h.mu.RLock()
	n := len(h.subs)
	h.mu.RUnlock()
	return HubStats{
		Subscribers: int64(n),
		Published:   h.published.Load(),
		Enqueued:    h.enqueued.Load(),
		Dropped:     h.dropped.Load(),
		Kicked:      h.kicked.Load(),
	}
}
