package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/results"
)

// redialState is one held connection's reconnect history, owned by its
// reader goroutine.
type redialState struct {
	// resume is what the last connection learnt for the next (SSE's last
	// event ID and retry, Socket.IO's recovery id and offset).
	resume clients.Resume
	// gaps are the sequence numbers that may be missing across each loss:
	// from the one after the highest seen before the loss to the first seen
	// at or above it after the redial (exclusive).
	gaps       []seqGap
	reconnects int64
	failed     int64 // 1 once the connection gave up
	resumeGaps int64
}

// seqGap is [from, to) of the sequence numbers around one loss; open until a
// number at or above from arrives after the redial (then to is that number).
// redialled says the connection came back after the loss: a gap that never
// got a redial is a dead connection, not one lost across a reconnect.
type seqGap struct {
	from, to  uint64
	open      bool
	redialled bool
}

// lost notes a loss at the tracker's highest number so far. Losses in a row
// with nothing received between them are one gap.
func (s *redialState) lost(t *seqTracker) {
	if n := len(s.gaps); n > 0 && s.gaps[n-1].open {
		return
	}
	from := uint64(0)
	if t.seenAny {
		from = t.maxSeen + 1
	}
	s.gaps = append(s.gaps, seqGap{from: from, open: true})
}

// observed closes the open gap at the first number at or above its start.
func (s *redialState) observed(seq uint64) {
	if n := len(s.gaps); n > 0 && s.gaps[n-1].open && seq >= s.gaps[n-1].from {
		s.gaps[n-1].to, s.gaps[n-1].open = seq, false
	}
}

// lostAcross counts the measured numbers among the first due that were
// never received inside a gap that had a redial.
func (s *redialState) lostAcross(t *seqTracker, due uint64) int64 {
	var n int64
	for _, g := range s.gaps {
		if !g.redialled {
			continue
		}
		to := g.to
		if g.open {
			to = math.MaxUint64
		}
		n += t.missingIn(g.from, to, due)
	}
	return n
}

// reconnect dials a lost connection again under the workload's reconnect
// policy and returns the new one, or nil when there is no policy, the run
// ended, the connection used up its attempts, or the server said not to
// come back (SSE: 204, or an answer that is not an event stream). Each wait
// is the policy's backoff, or the retry an SSE server asked for, as a
// browser waits. The time from the loss to ready again is the reconnect
// histogram.
func (r *run) reconnect(ctx context.Context, cs *connState, old clients.Conn, lostAt time.Duration) clients.Conn {
	policy := r.cfg.Workload.Reconnect
	if policy == nil {
		return nil
	}
	rt := r.routes.of(cs.id)
	st := &cs.redial
	st.lost(&cs.tracker)
	st.resume = clients.ResumeOf(old, st.resume)
	for attempt := 0; ; attempt++ {
		if policy.Exhausted(attempt) {
			st.failed = 1
			r.rec.errs.add("reconnect", fmt.Errorf("%s: gave up after %d attempts in a row", rt.url, attempt))
			return nil
		}
		wait := policy.Delay(attempt, rand.Float64())
		if st.resume.Retry > 0 {
			wait = st.resume.Retry
		}
		if !r.clock.SleepUntil(ctx, r.clock.Now()+wait) {
			return nil
		}
		opts := r.dialFor(rt)
		opts.Resume = st.resume
		conn, _, err := r.tr.Dial(ctx, rt.url, opts)
		if ctx.Err() != nil {
			if err == nil {
				conn.Close()
			}
			return nil
		}
		if err != nil {
			r.rec.errs.add("re"+clients.ErrorClass(err), err)
			if errors.Is(err, clients.ErrNoReconnect) {
				st.failed = 1
				return nil
			}
			continue
		}
		st.reconnects++
		st.gaps[len(st.gaps)-1].redialled = true
		cs.shard.record(results.HistReconnect, r.clock.Now()-lostAt)
		return conn
	}
}
