package servers

import (
	"sync"
	"sync/atomic"
)

// Subscriber is one connection's queue of messages to write, bounded in
// messages and in bytes. The queue is a slice that grows with what is queued
// and is let go once empty, not a channel of the bound's capacity: an idle
// connection holds no queue storage at all (a channel of 1024 pointers was
// 8 KiB per connection, a third of an idle connection's cost).
type Subscriber struct {
	// Kicked is closed when the hub disconnects the subscriber for being slow,
	// or when the hub shuts down.
	Kicked <-chan struct{}

	kicked chan struct{}
	once   sync.Once
	queued atomic.Int64 // bytes enqueued and not yet released
	// dropped marks a kick by the admin drop endpoint (fault injection), so
	// the connection ends as a dropped one, not as a slow one.
	dropped atomic.Bool

	mu    sync.Mutex
	queue []*Message    // queue[head:] wait to be written, in publish order
	head  int           // guarded by mu
	ready chan struct{} // holds a token once a message was queued, for a waiting writer
	// sink, when set, is the connection the hub writes to itself (see sink);
	// busy says the sink's flusher owns the connection's writes: a direct
	// write now would overtake what it is writing. Both guarded by mu.
	sink sink
	busy bool
}

// newSubscriber returns an empty subscriber.
func newSubscriber() *Subscriber {
	k := make(chan struct{})
	return &Subscriber{Kicked: k, kicked: k, ready: make(chan struct{}, 1)}
}

// Ready holds a token once a message was queued since the last one was taken;
// a writer waits on it, then takes messages with Next until none is left.
func (s *Subscriber) Ready() <-chan struct{} { return s.ready }

// Next takes the oldest queued message, or nil when none is queued.
func (s *Subscriber) Next() *Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.popLocked()
}

// Len is how many messages are queued.
func (s *Subscriber) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue) - s.head
}

// popLocked takes the oldest queued message (nil: none). Called with mu held.
func (s *Subscriber) popLocked() *Message {
	if s.head == len(s.queue) {
		return nil
	}
	m := s.queue[s.head]
	s.queue[s.head] = nil
	s.head++
	if s.head == len(s.queue) {
		s.head = 0
		s.queue = s.queue[:0]
		if cap(s.queue) > idleQueueCap {
			s.queue = nil // a burst's storage is not kept by an idle connection
		}
	}
	return m
}

// idleQueueCap is the queue storage an emptied queue keeps for the next burst.
const idleQueueCap = 16

// pushLocked queues m if fewer than limit messages are queued. Called with
// mu held.
func (s *Subscriber) pushLocked(m *Message, limit int) bool {
	n := len(s.queue) - s.head
	if n >= limit {
		return false
	}
	if s.head > 0 && len(s.queue) == cap(s.queue) {
		// Slide the waiting messages down rather than grow past the bound.
		copy(s.queue, s.queue[s.head:])
		clear(s.queue[n:])
		s.queue, s.head = s.queue[:n], 0
	}
	s.queue = append(s.queue, m)
	return true
}

func (s *Subscriber) kick() {
	s.once.Do(func() { close(s.kicked) })
	s.mu.Lock()
	sk := s.sink
	s.mu.Unlock()
	if sk != nil {
		sk.kicked()
	}
}

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
