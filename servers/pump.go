package servers

import (
	"context"
	"time"
)

// stopReason says why a pump stopped waiting; notStopped means it did not.
type stopReason int

const (
	notStopped    stopReason = iota
	clientGone               // the caller's context ended: the client left
	connEnded                // the connection's own end channel closed
	serverClosing            // the server is shutting down
	tooSlow                  // the hub dropped the subscriber: its queue was full
	adminDrop                // POST /admin/drop closed the connection (fault injection)
)

func (r stopReason) String() string {
	switch r {
	case clientGone:
		return "client gone"
	case connEnded:
		return "connection ended"
	case serverClosing:
		return "server shutting down"
	case tooSlow:
		return "subscriber too slow"
	case adminDrop:
		return "dropped by the admin endpoint (fault injection)"
	}
	return "running"
}

// pumpItem is one thing a connection writes: a hub message, or (msg nil) an
// item of the connection's own queue of type T (replies, control packets).
type pumpItem[T any] struct {
	msg     *Message
	control T
}

// pump is the one subscriber loop every push transport shares: wait for the
// next hub message or queued item, take whatever else is already queued into
// the same batch (fewer syscalls under load, and no message waits for a later
// one), or report a heartbeat tick or why the connection must stop. Each
// transport only encodes and writes what the pump hands it.
type pump[T any] struct {
	done    <-chan struct{}  // the server's shutdown
	sub     *Subscriber      // the hub subscription; nil when not subscribed
	ready   <-chan struct{}  // sub's token for queued messages
	kicked  <-chan struct{}  // the subscription's kick; nil when not subscribed
	control <-chan T         // the connection's own queue; nil when none
	ended   <-chan struct{}  // closed when the connection ends on its own; nil when never
	tick    <-chan time.Time // heartbeat ticks; nil when none
	limit   int              // a batch stops growing at this many bytes
	size    func(pumpItem[T]) int
}

// wake is what one wait of the pump brought: a batch, a tick, or a stop.
type wake[T any] struct {
	items []pumpItem[T]
	tick  bool
	stop  stopReason
}

// newPump returns a pump on the server's shutdown and sub (nil: not
// subscribed) whose batches grow to limit bytes as measured by size.
func newPump[T any](s *Server, sub *Subscriber, limit int, size func(pumpItem[T]) int) pump[T] {
	p := pump[T]{done: s.done, limit: limit, size: size}
	p.subscribe(sub)
	return p
}

// subscribe points the pump at sub's messages; nil unsubscribes it.
func (p *pump[T]) subscribe(sub *Subscriber) {
	p.sub, p.ready, p.kicked = sub, nil, nil
	if sub != nil {
		p.ready, p.kicked = sub.Ready(), sub.Kicked
	}
}

// written gives the hub messages of a batch back to the subscription's byte
// budget once the transport has written them, or given up on them.
func (p *pump[T]) written(items []pumpItem[T]) {
	releaseAll(p.sub, items)
}

// releaseAll releases the hub messages among items from sub (nil: none).
func releaseAll[T any](sub *Subscriber, items []pumpItem[T]) {
	if sub == nil {
		return
	}
	for _, it := range items {
		if it.msg != nil {
			sub.Release(it.msg)
		}
	}
}

// next waits until there is something to do, reusing items' storage for the
// batch. A kick during shutdown reports serverClosing: the hub kicks every
// subscriber when it closes. A stop is seen before queued messages are
// written, as a kicked subscriber's queue is what made it too slow.
func (p *pump[T]) next(ctx context.Context, items []pumpItem[T]) wake[T] {
	w := wake[T]{items: items[:0]}
	for len(w.items) == 0 {
		if m := p.pop(); m != nil {
			if w.stop = p.stopped(ctx); w.stop != notStopped {
				p.sub.Release(m)
				return w
			}
			w.items = append(w.items, pumpItem[T]{msg: m})
			break
		}
		select {
		case <-ctx.Done():
			w.stop = clientGone
		case <-p.ended:
			w.stop = connEnded
		case <-p.done:
			w.stop = serverClosing
		case <-p.kicked:
			w.stop = p.kickReason()
		case <-p.tick:
			w.tick = true
		case c := <-p.control:
			w.items = append(w.items, pumpItem[T]{control: c})
		case <-p.ready:
			continue // a message is queued: pop it
		}
		if w.stop != notStopped || w.tick {
			return w
		}
	}
	for size := p.size(w.items[0]); size < p.limit; size += p.size(w.items[len(w.items)-1]) {
		if m := p.pop(); m != nil {
			w.items = append(w.items, pumpItem[T]{msg: m})
			continue
		}
		select {
		case c := <-p.control:
			w.items = append(w.items, pumpItem[T]{control: c})
		default:
			return w
		}
	}
	return w
}

// pop takes the subscription's oldest queued message; nil when none.
func (p *pump[T]) pop() *Message {
	if p.sub == nil {
		return nil
	}
	return p.sub.Next()
}

// stopped reports, without waiting, a reason to stop.
func (p *pump[T]) stopped(ctx context.Context) stopReason {
	select {
	case <-ctx.Done():
		return clientGone
	case <-p.ended:
		return connEnded
	case <-p.done:
		return serverClosing
	case <-p.kicked:
		return p.kickReason()
	default:
		return notStopped
	}
}

// kickReason is why the hub kicked the subscription: the admin endpoint, the
// slow policy, or the shutdown.
func (p *pump[T]) kickReason() stopReason {
	select {
	case <-p.done:
		return serverClosing
	default:
	}
	if p.sub.Dropped() {
		return adminDrop
	}
	return tooSlow
}
