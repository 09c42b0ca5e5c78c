package loadgen

import (
	"context"
	"fmt"

	"github.com/pushbench/pushbench/internal/wire"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

// sendSchedule sends event i of the run's schedule, shifted by p (a pacer with
// the plan's rate and its own start), at p.At(i), stamped with that scheduled
// time. When a sender falls behind it sends at once: the lateness shows in
// send_lag and in the latency of the message, never as a slower schedule.
// Measured sends are counted in counts and timed in sh. onErr says whether an
// error ends the schedule.
func (r *run) sendSchedule(ctx context.Context, p Pacer, m mark, sh *shard, counts *sendCounts, send func([]byte) error, onErr func(error) (stop bool)) {
	s := r.sched
	payload := wire.Payload(int(r.cfg.Workload.Payload))
	var buf []byte
	for i := int64(0); i < s.total(); i++ {
		at := p.At(i)
		if !r.clock.SleepUntil(ctx, at) {
			return
		}
		seq := s.seq(i)
		if r.tmpl != nil {
			buf = r.tmpl.render(buf[:0], wire.Marker{Tag: m.tag, Seq: seq, TS: r.clock.UnixNano(at)}, payload)
		} else {
			buf = wire.Envelope{Seq: seq, TS: r.clock.UnixNano(at), Topic: m.topic, Data: payload}.AppendJSON(buf[:0])
		}
		err := send(buf)
		if i >= s.first {
			sh.record(results.HistSendLag, r.clock.Now()-at)
			if err != nil {
				counts.errors++
			} else {
				counts.sent++
				counts.bytes += int64(len(buf))
			}
		}
		if err != nil && onErr(err) {
			return
		}
	}
}

// mark is what makes a message this run's, and for echo this connection's:
// the envelope topic, or the marker tag in a body template.
type mark struct {
	topic, tag string
}

// markFor is the mark of messages sent or received on connection id. Echo
// gives every connection its own, so a server that sends each echo to every
// connection (a chat room) shows the others' copies as foreign rather than
// as duplicates of this connection's replies.
func (r *run) markFor(id int) mark {
	if r.cfg.Workload.Pattern != workload.Echo {
		return mark{topic: r.plan.Topic, tag: r.tag}
	}
	return mark{topic: fmt.Sprintf("%s/%d", r.plan.Topic, id), tag: fmt.Sprintf("%s%06x", r.tag, id)}
}
