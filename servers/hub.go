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

// Size is what m counts against a subscriber's byte budget: its JSON
// envelope. The encodings a queued message pins besides (one per transport in
// use, each about as large) grow with it, so bounding this bounds them.
func (m *Message) Size() int64 { return int64(len(m.JSON)) }

// Subscriber is one connection's queue of messages to write, bounded in
// messages and in bytes.
type Subscriber struct {
	// C delivers messages in publish order.
	C <-chan *Message
	// Kicked is closed when the hub disconnects the subscriber for being slow,
	// or when the hub shuts down.
	Kicked <-chan struct{}

	c      chan *Message
	kicked chan struct{}
	once   sync.Once
	queued atomic.Int64 // bytes enqueued and not yet released
	// dropped marks a kick by the admin drop endpoint (fault injection), so
	// the connection ends as a dropped one, not as a slow one.
	dropped atomic.Bool
}

func (s *Subscriber) kick() { s.once.Do(func() { close(s.kicked) }) }

// Dropped reports whether the admin drop endpoint, not the slow policy,
// ended the subscription.
func (s *Subscriber) Dropped() bool { return s != nil && s.dropped.Load() }

// Release gives m's bytes back to the subscriber's byte budget. A transport
// calls it once it has written m (or given up on it): until then m stays in
// memory and counts as queued.
func (s *Subscriber) Release(m *Message) { s.queued.Add(-m.Size()) }

// QueuedBytes is how many bytes of messages are enqueued and not yet released.
func (s *Subscriber) QueuedBytes() int64 { return s.queued.Load() }

// reserve claims n bytes of a budget of limit. A queue holding nothing takes
// any one message, so a message larger than the budget is still delivered to a
// subscriber that keeps up: the bound is limit plus one message.
func (s *Subscriber) reserve(n, limit int64) bool {
	for {
		q := s.queued.Load()
		if q > 0 && q+n > limit {
			return false
		}
		if s.queued.CompareAndSwap(q, q+n) {
			return true
		}
	}
}

// HubStats are the hub's counters.
type HubStats struct {
	Subscribers int64 `json:"subscribers"`
	Published   int64 `json:"published"`
	Enqueued    int64 `json:"enqueued"`
	// QueuedBytes is what every subscriber holds now, enqueued and not written.
	QueuedBytes int64 `json:"queued_bytes"`
	// Dropped counts messages not delivered to a slow client (hub queues and
	// Engine.IO reply queues); OverBytes is the part of them that met a full
	// byte budget rather than a full message count.
	Dropped   int64 `json:"dropped"`
	OverBytes int64 `json:"over_queue_bytes"`
	// Kicked counts clients disconnected by the slow policy; WriteTimeouts
	// those ended because a write to them did not finish within WriteTimeout
	// (a client that stopped reading).
	Kicked        int64 `json:"kicked"`
	WriteTimeouts int64 `json:"write_timeouts"`
	// AdminDropped counts connections closed by POST /admin/drop.
	AdminDropped int64 `json:"admin_dropped"`
}

// Hub broadcasts every published message to every subscriber of every transport.
type Hub struct {
	queueLen   int
	queueBytes int64
	policy     SlowPolicy

	mu     sync.RWMutex
	subs   map[*Subscriber]struct{}
	closed bool

	published, enqueued, dropped, overBytes, kicked, writeTimeouts, adminDropped atomic.Int64
	seq                                                                          atomic.Uint64
}

// NextSeq hands out the server's own sequence numbers, for messages whose
// publisher did not number them (the built-in generator, bare POSTs), so they
// never collide with each other.
func (h *Hub) NextSeq() uint64 { return h.seq.Add(1) }

// NewHub returns a hub whose subscribers each queue at most queueLen messages
// and queueBytes bytes of them (plus one message, see Subscriber.reserve).
func NewHub(queueLen int, queueBytes int64, policy SlowPolicy) *Hub {
	if queueLen <= 0 {
		queueLen = 1
	}
	if queueBytes <= 0 {
		queueBytes = 1
	}
	return &Hub{queueLen: queueLen, queueBytes: queueBytes, policy: policy, subs: map[*Subscriber]struct{}{}}
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
// policy to those whose queue is full, in messages or in bytes.
func (h *Hub) Publish(m *Message) {
	h.published.Add(1)
	size := m.Size()
	var slow []*Subscriber
	h.mu.RLock()
	for s := range h.subs {
		if h.enqueue(s, m, size) {
			continue
		}
		h.dropped.Add(1)
		if h.policy == SlowDisconnect {
			slow = append(slow, s)
		}
	}
	h.mu.RUnlock()
	for _, s := range slow {
		h.kicked.Add(1)
		h.Unsubscribe(s)
		s.kick()
	}
}

// enqueue queues m for s if both its budgets have room.
func (h *Hub) enqueue(s *Subscriber, m *Message, size int64) bool {
	if !s.reserve(size, h.queueBytes) {
		h.overBytes.Add(1)
		return false
	}
	select {
	case s.c <- m:
		h.enqueued.Add(1)
		return true
	default:
		s.queued.Add(-size)
		return false
	}
}

// countDropped counts a message a slow client did not get outside the hub's
// queues (an Engine.IO reply); overBytes when a byte budget was full.
func (h *Hub) countDropped(overBytes bool) {
	h.dropped.Add(1)
	if overBytes {
		h.overBytes.Add(1)
	}
}

// countKicked counts a client disconnected by the slow policy outside the
// hub's queues (an Engine.IO session whose replies piled up).
func (h *Hub) countKicked() { h.kicked.Add(1) }

// countWriteTimeout counts a client ended because a write to it did not
// finish within WriteTimeout.
func (h *Hub) countWriteTimeout() { h.writeTimeouts.Add(1) }

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
	var queued int64
	for s := range h.subs {
		queued += s.queued.Load()
	}
	h.mu.RUnlock()
	return HubStats{
		Subscribers:   int64(n),
		Published:     h.published.Load(),
		Enqueued:      h.enqueued.Load(),
		QueuedBytes:   queued,
		Dropped:       h.dropped.Load(),
		OverBytes:     h.overBytes.Load(),
		Kicked:        h.kicked.Load(),
		WriteTimeouts: h.writeTimeouts.Load(),
		AdminDropped:  h.adminDropped.Load(),
	}
}
