package servers

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
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

	sseOnce       sync.Once
	sse           []byte
	sseChunkOnce  sync.Once
	sseChunk      []byte
	lineOne       sync.Once
	line          []byte
	lineChunkOnce sync.Once
	lineChunk     []byte
	wsOnce        sync.Once
	ws            *websocket.PreparedMessage
	wsErr         error
	wsRawOnce     sync.Once
	wsRaw         []byte
	sioOnce       sync.Once
	sio           []byte
	sioWSOnce     sync.Once
	sioWS         *websocket.PreparedMessage
	sioWSErr      error
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

// SSEChunk is SSEFrame as one chunk of the chunked transfer coding, what a
// raw stream writes (see rawStream), framed once for every connection.
func (m *Message) SSEChunk() []byte {
	m.sseChunkOnce.Do(func() { m.sseChunk = wire.AppendChunk(nil, m.SSEFrame()) })
	return m.sseChunk
}

// NDJSONChunk is NDJSONLine as one chunk of the chunked transfer coding.
func (m *Message) NDJSONChunk() []byte {
	m.lineChunkOnce.Do(func() { m.lineChunk = wire.AppendChunk(nil, m.NDJSONLine()) })
	return m.lineChunk
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

	mu sync.RWMutex
	// subs indexes list, the subscribers in the order a broadcast visits
	// them (a slice, so a broadcast can split it across goroutines).
	subs   map[*Subscriber]int
	list   []*Subscriber
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
	return &Hub{queueLen: queueLen, queueBytes: queueBytes, policy: policy, subs: map[*Subscriber]int{}}
}

// Subscribe adds a subscriber. It returns nil once the hub is closed.
func (h *Hub) Subscribe() *Subscriber {
	s := newSubscriber()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	h.subs[s] = len(h.list)
	h.list = append(h.list, s)
	return s
}

// Unsubscribe removes s; it is safe to call more than once.
func (h *Hub) Unsubscribe(s *Subscriber) {
	h.mu.Lock()
	h.removeLocked(s)
	h.mu.Unlock()
}

// removeLocked drops s from the set and the list (the last subscriber takes
// its place). Called with mu held.
func (h *Hub) removeLocked(s *Subscriber) {
	i, ok := h.subs[s]
	if !ok {
		return
	}
	last := len(h.list) - 1
	h.list[i] = h.list[last]
	h.subs[h.list[i]] = i
	h.list[last] = nil
	h.list = h.list[:last]
	delete(h.subs, s)
}

// Publish hands m to every subscriber without blocking and applies the slow
// policy to those whose queue is full, in messages or in bytes. Subscribers
// with a sink are written to directly (see sink); a large broadcast is split
// across the CPUs. Publish returns once every subscriber has m written or
// queued, so successive broadcasts reach each subscriber in order.
func (h *Hub) Publish(m *Message) {
	h.published.Add(1)
	h.mu.RLock()
	slow := h.fanOut(h.list, m)
	h.mu.RUnlock()
	for _, s := range slow {
		h.kicked.Add(1)
		h.Unsubscribe(s)
		s.kick()
	}
}

// fanOutShard is the fewest subscribers worth a goroutine of their own in a
// broadcast: direct writes are system calls, cheap ones are not worth a
// goroutine.
const fanOutShard = 256

// fanOut delivers m to subs, in up to GOMAXPROCS goroutines, and returns the
// subscribers the slow policy disconnects.
func (h *Hub) fanOut(subs []*Subscriber, m *Message) []*Subscriber {
	shards := min(runtime.GOMAXPROCS(0), len(subs)/fanOutShard)
	if shards <= 1 {
		return h.deliver(subs, m, nil)
	}
	per := (len(subs) + shards - 1) / shards
	slow := make([][]*Subscriber, shards)
	var wg sync.WaitGroup
	for i := 1; i < shards; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slow[i] = h.deliver(subs[i*per:min((i+1)*per, len(subs))], m, nil)
		}()
	}
	slow[0] = h.deliver(subs[:per], m, nil)
	wg.Wait()
	return slices.Concat(slow...)
}

// deliver hands m to each of subs and appends to slow those the slow policy
// disconnects.
func (h *Hub) deliver(subs []*Subscriber, m *Message, slow []*Subscriber) []*Subscriber {
	size := m.Size()
	for _, s := range subs {
		if h.enqueue(s, m, size) {
			continue
		}
		h.dropped.Add(1)
		if h.policy == SlowDisconnect {
			slow = append(slow, s)
		}
	}
	return slow
}

// enqueue writes m to s's sink at once when it can, else queues m for s if
// both its budgets have room.
func (h *Hub) enqueue(s *Subscriber, m *Message, size int64) bool {
	s.mu.Lock()
	sk := s.sink
	wake := false
	if sk != nil && !s.busy && s.head == len(s.queue) {
		switch sk.tryWrite(m) {
		case wroteAll:
			s.mu.Unlock()
			h.enqueued.Add(1)
			return true
		case wrotePart:
			s.queued.Add(size) // the flusher releases it with the rest
			s.busy = true
			s.mu.Unlock()
			h.enqueued.Add(1)
			sk.wake()
			return true
		}
		s.busy, wake = true, true
	}
	ok := s.reserve(size, h.queueBytes)
	if !ok {
		h.overBytes.Add(1)
	} else if ok = s.pushLocked(m, h.queueLen); !ok {
		s.queued.Add(-size)
	}
	if ok && sk == nil {
		select {
		case s.ready <- struct{}{}:
		default:
		}
	}
	s.mu.Unlock()
	if wake {
		sk.wake()
	}
	if ok {
		h.enqueued.Add(1)
	}
	return ok
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
	subs := h.list
	h.subs, h.list = map[*Subscriber]int{}, nil
	h.mu.Unlock()
	for _, s := range subs {
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
