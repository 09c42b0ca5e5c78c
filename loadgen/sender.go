package loadgen

import (
	"context"

	"github.com/pushbench/pushbench/internal/wire"
	"github.com/pushbench/pushbench/results"
)

// sendSchedule sends event i of the run's schedule, shifted by p (a pacer with
// the plan's rate and its own start), at p.At(i), stamped with that scheduled
// time. When a sender falls behind it sends at once: the lateness shows in
// send_lag and in the latency of the message, never as a slower schedule.
// Measured sends are counted in counts and timed in sh. onErr says whether an
// error ends the schedule.
func (r *run) sendSchedule(ctx context.Context, p Pacer, sh *shard, counts *sendCounts, send func([]byte) error, onErr func(error) (stop bool)) {
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
			buf = r.tmpl.render(buf[:0], wire.Marker{Tag: r.tag, Seq: seq, TS: r.clock.UnixNano(at)}, payload)
		} else {
			buf = wire.Envelope{Seq: seq, TS: r.clock.UnixNano(at), Topic: r.plan.Topic, Data: payload}.AppendJSON(buf[:0])
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
