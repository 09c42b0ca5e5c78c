package clients

// frameQueue holds frames delivered and not yet returned by Read, their data
// copied into one arena that is reused once every queued frame was returned:
// a reader pays no allocation per message. A frame popped from it is valid
// until the next push after the queue ran empty, that is until the next Read.
type frameQueue struct {
	frames []queuedFrame
	next   int // frames[next:] are not returned yet
	arena  []byte
}

// queuedFrame is a frame whose Data lives in the arena at [start, end).
type queuedFrame struct {
	f          Frame
	start, end int
}

// maxKeptArena is the largest arena kept between messages; a larger one (a
// burst, a big message) is dropped once drained, so one large message does
// not pin its memory for the connection's life.
const maxKeptArena = 64 << 10

// push queues f with a copy of its data.
func (q *frameQueue) push(f Frame) {
	if q.next == len(q.frames) {
		q.reset()
	}
	start := len(q.arena)
	q.arena = append(q.arena, f.Data...)
	f.Data = nil
	q.frames = append(q.frames, queuedFrame{f: f, start: start, end: len(q.arena)})
}

// reset forgets the returned frames: their data may be overwritten.
func (q *frameQueue) reset() {
	q.frames, q.next = q.frames[:0], 0
	if cap(q.arena) > maxKeptArena {
		q.arena = nil
	}
	q.arena = q.arena[:0]
}

// pop returns the oldest queued frame, if any.
func (q *frameQueue) pop() (Frame, bool) {
	if q.next == len(q.frames) {
		return Frame{}, false
	}
	qf := q.frames[q.next]
	q.next++
	f := qf.f
	f.Data = q.arena[qf.start:qf.end:qf.end]
	if f.Data == nil {
		f.Data = []byte{}
	}
	return f, true
}

// empty reports whether every queued frame was returned.
func (q *frameQueue) empty() bool { return q.next == len(q.frames) }
