package servers

import "sort"

// replayEntryOverhead is what one buffered message costs besides its two
// encodings: the ring slot and the slices' allocation rounding. It keeps the
// byte bound honest for tiny messages.
const replayEntryOverhead = 128

// replayRing keeps the most recent broadcast messages, in id order, bounded
// both by count and by bytes; the oldest are evicted first. It is not safe
// for concurrent use: replayLog guards it.
type replayRing struct {
	maxLen   int   // <= 0: keeps nothing
	maxBytes int64 // <= 0: keeps nothing
	entries  []replayEntry
	head     int // entries[head:] are live; the prefix awaits compaction
	bytes    int64
	// evicted is the newest id evicted (0: none): a client whose last id
	// is below it missed at least that message.
	evicted uint64
}

// replayEntry is a buffered message: only what a replay and the replay file
// need, so the other transports' encodings of the message are not kept.
type replayEntry struct {
	id   uint64
	json []byte // the envelope, for the replay file
	sse  []byte // the SSE frame, for a replay
	size int64
}

// newReplayEntry is the entry of m, whose ID is set.
func newReplayEntry(m *Message) replayEntry {
	e := replayEntry{id: m.ID, json: m.JSON, sse: m.SSEFrame()}
	e.size = int64(len(e.json)+len(e.sse)) + replayEntryOverhead
	return e
}

func newReplayRing(maxLen int, maxBytes int64) *replayRing {
	return &replayRing{maxLen: maxLen, maxBytes: maxBytes}
}

// push appends m (whose ID must exceed every buffered one) and evicts the
// oldest entries until both bounds hold again; a message larger than the
// byte bound on its own is therefore not kept.
func (r *replayRing) push(m *Message) {
	if r.maxLen <= 0 || r.maxBytes <= 0 {
		r.evicted = max(r.evicted, m.ID) // kept nothing: missed for good
		return
	}
	e := newReplayEntry(m)
	r.entries = append(r.entries, e)
	r.bytes += e.size
	for r.len() > r.maxLen || r.bytes > r.maxBytes {
		r.evicted = max(r.evicted, r.entries[r.head].id)
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
	return r.entries[r.head].id
}

// after returns the buffered entries whose id exceeds id, oldest first, as
// a new slice.
func (r *replayRing) after(id uint64) []replayEntry {
	live := r.entries[r.head:]
	i := sort.Search(len(live), func(i int) bool { return live[i].id > id })
	return append([]replayEntry(nil), live[i:]...)
}

// all returns every buffered entry, oldest first.
func (r *replayRing) all() []replayEntry { return r.after(0) }

// newest is the id of the newest buffered message, 0 when empty.
func (r *replayRing) newest() uint64 {
	if r.len() == 0 {
		return 0
	}
	return r.entries[len(r.entries)-1].id
}
