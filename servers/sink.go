package servers

// sink is a connection the hub writes to itself, from the publishing
// goroutine, instead of waking a writer goroutine per connection: a broadcast
// to 10,000 connections is then 10,000 non-blocking writes, not 10,000
// goroutine wake-ups, and an idle connection needs no writer goroutine at all.
// Only when a write would block does the connection fall back to a queue,
// which a flusher goroutine of its own drains with blocking writes under the
// write timeout; the queue's bounds and the slow policy apply to it as to any
// subscriber.
//
// The subscriber's mu serialises the hub's direct writes with the flusher:
// tryWrite is only called with mu held, nothing queued and no flusher busy, so
// a connection's messages are written in publish order by one writer at a time.
type sink interface {
	// tryWrite writes m to the connection without blocking. Called with the
	// subscriber's mu held. wrotePart means the sink kept the rest of m to
	// write first when its flusher runs.
	tryWrite(m *Message) writeResult
	// wake starts the flusher: the subscriber has just been marked busy.
	// Called without mu.
	wake()
	// kicked ends the connection the way its transport ends a kicked
	// subscriber. Called without mu, possibly more than once.
	kicked()
}

// writeResult is how much of a message a non-blocking write took.
type writeResult int

const (
	wroteAll  writeResult = iota // written, or nothing to write
	wroteNone                    // the socket is full: queue it
	wrotePart                    // part of it: the sink keeps the rest
)

// attach makes sk the subscriber's sink: the hub writes to it from now on. A
// message queued before is handed to sk's flusher; a kick that came before
// is passed on.
func (s *Subscriber) attach(sk sink) {
	s.mu.Lock()
	s.sink = sk
	wake := s.head < len(s.queue) && !s.busy
	if wake {
		s.busy = true
	}
	s.mu.Unlock()
	if wake {
		sk.wake()
	}
	select {
	case <-s.kicked:
		sk.kicked()
	default:
	}
}

// takeLocked moves queued messages into dst until their size (by size)
// reaches limit. Called with mu held by the flusher, which clears busy when
// it finds nothing left, so the hub writes to the sink directly again.
func (s *Subscriber) takeLocked(dst []*Message, limit int, size func(*Message) int) []*Message {
	for n := 0; n < limit; {
		m := s.popLocked()
		if m == nil {
			break
		}
		dst = append(dst, m)
		n += size(m)
	}
	return dst
}
