package servers

import "sort"

// replayEntryOverhead is what one buffered message costs besides its
// encodings: the Message struct, its once-guards and the ring slot. It keeps
// the byte bound honest for tiny messages.
const replayEntryOverhead = 256

// replayRing keeps the most recent broadcast messages, in id order, bounded
// both by count and by bytes; the oldest are evicted first. It is not safe
// for concurrent use: replayLog guards it.
type replayRing struct {
	maxLen   int   // <= 0: keeps nothing
	maxBytes int64 // <= 0: keeps nothing
	entries  []replayEntry
	head     int // entries[head:] are live; the prefix awaits compaction
	bytes    int64
}

type replayEntry struct {
	msg  *Message
	size int64
}

func newReplayRing(maxLen int, maxBytes int64) *replayRing {
	return &replayRing{maxLen: maxLen, maxBytes: maxBytes}
}

// replaySize is what m counts against the ring's byte bound: its JSON, its
// SSE frame (both kept while buffered) and the fixed overhead.
func replaySize(m *Message) int64 {
	return int64(len(m.JSON)+len(m.SSEFrame())) + replayEntryOverhead
}

// push appends m (whose ID must exceed every buffered one) and evicts the
// oldest entries until both bounds hold again; a message larger than the
// byte bound on its own is therefore not kept.
func (r *replayRing) push(m *Message) {
	if r.maxLen <= 0 || r.maxBytes <= 0 {
		return
	}
	e := replayEntry{msg: m, size: replaySize(m)}
	r.entries = append(r.entries, e)
	r.bytes += e.size
	for r.len() > r.maxLen || r.bytes > r.maxBytes {
		r.bytes -= r.entries[r.head].size
		r.entries[r.head] = replayEntry{}
		r.head++
	}
	if r.head > 0 && r.head >= len(r.entries)/2 {
		n := copy(r.entries, r.entries[r.head:])
		clear(r.entries[n:])
		r.entries = r.entries[:n]
		r.head = 0
	}
}

// len is how many messages are buffered.
func (r *replayRing) len() int { return len(r.entries) - r.head }

// oldest is the id of the oldest buffered message, 0 when empty.
func (r *replayRing) oldest() uint64 {
	if r.len() == 0 {
		return 0
	}
	return r.entries[r.head].msg.ID
}

// after returns the buffered messages whose id exceeds id, oldest first, as
// a new slice.
func (r *replayRing) after(id uint64) []*Message {
	live := r.entries[r.head:]
	i := sort.Search(len(live), func(i int) bool { return live[i].msg.ID > id })
	out := make([]*Message, 0, len(live)-i)
	for _, e := range live[i:] {
		out = append(out, e.msg)
	}
	return out
}

// all returns every buffered message, oldest first.
func (r *replayRing) all() []*Message { return r.after(0) }

// newest is the id of the newest buffered message, 0 when empty.
func (r *replayRing) newest() uint64 {
	if r.len() == 0 {
		return 0
	}
	return r.entries[len(r.entries)-1].msg.ID
}
