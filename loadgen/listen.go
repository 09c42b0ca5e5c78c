package loadgen

import (
	"context"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/results"
)

// listen holds connections and measures what the server pushes on its own:
// messages and bytes received, time to the first message, the gap between
// messages on each connection, and, when Payload says where to find them,
// latency from the message's own timestamp (on the server's clock) and loss,
// duplicates and reordering from its sequence numbers.
type listen struct{}

func (listen) prepare(context.Context, *run) error { return nil }

// drive has nothing to send: the connections' read loops do the work while
// the runner holds the measured window.
func (listen) drive(ctx context.Context, r *run) {
	r.clock.SleepUntil(ctx, r.sched.windowEnd)
}

func (listen) collect(r *run, res *results.TransportResult) {
	c := &res.Counters
	for _, cs := range r.conns {
		l := &cs.listen
		c.Received += l.received
		c.Duplicated += l.seq.duplicated
		c.OutOfOrder += l.seq.outOfOrder
		c.Lost += l.seq.lost()
	}
	c.Expected = c.Received + c.Lost
	if r.extract.tsPath != nil {
		res.LatencyClock = results.ClockServer
	}
	if res.Histograms[results.HistGap] == nil {
		res.Histograms[results.HistGap] = results.NewHistogram()
	}
}

func (listen) close() {}

// listenCounts are one connection's listen numbers, owned by its reader.
type listenCounts struct {
	received int64
	lastAt   time.Duration
	seq      seqSpan
}

// observeListen counts one message of a listen run. Messages outside the
// measured window (during warm-up or after it) are not counted.
func (r *run) observeListen(cs *connState, f clients.Frame) {
	s := r.sched
	if f.At < s.windowStart || f.At >= s.windowEnd {
		return
	}
	l := &cs.listen
	fl, err := r.extract.extract(f)
	if err != nil {
		r.rec.errs.add("payload", err)
	}
	if fl.hasSeq && !l.seq.observe(fl.seq) {
		return // a duplicate: counted, not received again
	}
	l.received++
	if l.lastAt > 0 {
		cs.shard.record(results.HistGap, f.At-l.lastAt)
	}
	l.lastAt = f.At
	if fl.hasTS {
		cs.shard.delivered(f.At-r.clock.FromUnixNano(fl.ts), f.At-s.windowStart)
	} else {
		cs.shard.arrived(f.At - s.windowStart)
	}
}

// seqSpan follows the sequence numbers one listening connection sees, from
// the first one in the window: a number seen again is a duplicate, one below
// the highest so far is out of order, and the numbers between the first and
// the highest that never came are lost. Memory is one bit per number spanned,
// at most maxSeqSpan.
type seqSpan struct {
	started    bool
	base, max  uint64
	bits       []uint64
	unique     int64
	duplicated int64
	outOfOrder int64
	beyond     int64 // numbers below the first or too far past it: not tracked
}

// maxSeqSpan bounds a connection's tracked span (128 KiB of bits).
const maxSeqSpan = 1 << 20

// observe records seq and reports whether it is new.
func (t *seqSpan) observe(seq uint64) bool {
	if !t.started {
		t.started, t.base, t.max = true, seq, seq
	}
	if seq < t.base || seq-t.base >= maxSeqSpan {
		t.beyond++
		return true
	}
	i := seq - t.base
	for uint64(len(t.bits))*64 <= i {
		t.bits = append(t.bits, 0)
	}
	word, bit := i/64, uint64(1)<<(i%64)
	if t.bits[word]&bit != 0 {
		t.duplicated++
		return false
	}
	if seq < t.max {
		t.outOfOrder++
	}
	t.max = max(t.max, seq)
	t.bits[word] |= bit
	t.unique++
	return true
}

// lost is how many numbers between the first and the highest never came.
func (t *seqSpan) lost() int64 {
	if !t.started {
		return 0
	}
	return int64(t.max-t.base+1) - t.unique
}
