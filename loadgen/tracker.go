package loadgen

// seqTracker follows the sequence numbers one receiver sees. Sequence numbers in
// [lo, lo+n) are the measured messages: each is counted once; a repeat is a
// duplicate (and only that); any other seq below the highest seen so far is out
// of order. Warm-up messages only move the highest seen. Memory
// is one bit per measured message.
type seqTracker struct {
	lo, n      uint64
	bits       []uint64
	received   int64
	duplicated int64
	outOfOrder int64
	maxSeen    uint64
	seenAny    bool
}

func newSeqTracker(lo, n uint64) seqTracker {
	return seqTracker{lo: lo, n: n, bits: make([]uint64, (n+63)/64)}
}

// observe records one delivery and reports whether it is a first delivery of a
// measured message, the only kind whose latency is recorded.
func (t *seqTracker) observe(seq uint64) bool {
	ooo := t.seenAny && seq < t.maxSeen
	if !t.seenAny || seq > t.maxSeen {
		t.maxSeen, t.seenAny = seq, true
	}
	if seq < t.lo || seq-t.lo >= t.n {
		return false // warm-up or after the window: not measured
	}
	i := seq - t.lo
	word, bit := i/64, uint64(1)<<(i%64)
	if t.bits[word]&bit != 0 {
		t.duplicated++
		return false
	}
	if ooo {
		t.outOfOrder++
	}
	t.bits[word] |= bit
	t.received++
	return true
}

// complete reports whether every measured message has arrived.
func (t *seqTracker) complete() bool { return uint64(t.received) == t.n }

// lost is the number of measured messages not (yet) received.
func (t *seqTracker) lost() int64 { return int64(t.n) - t.received }

// receivedBelow counts the measured messages received among the first n: a
// run interrupted early owes only the messages that were due.
func (t *seqTracker) receivedBelow(n uint64) int64 {
	if n >= t.n {
		return t.received
	}
	var count int64
	for i := uint64(0); i < n; i++ {
		if t.bits[i/64]&(1<<(i%64)) != 0 {
			count++
		}
	}
	return count
}

// missingIn counts the measured numbers in [from, to) among the first due
// that were not received.
func (t *seqTracker) missingIn(from, to, due uint64) int64 {
	lo, hi := max(from, t.lo), min(to, t.lo+min(due, t.n))
	var n int64
	for seq := lo; seq < hi; seq++ {
		i := seq - t.lo
		if t.bits[i/64]&(1<<(i%64)) == 0 {
			n++
		}
	}
	return n
}
