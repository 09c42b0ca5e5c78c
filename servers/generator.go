package servers

import (
	"context"
	"time"

	"github.com/pushbench/pushbench/internal/wire"
)

// generate is the built-in publisher (--rate): the classic "send something every
// second" demo, on a fixed schedule so its ts field is the scheduled time.
func (s *Server) generate(ctx context.Context) {
	interval := time.Duration(float64(time.Second) / s.cfg.Rate)
	payload := wire.Payload(s.cfg.PayloadBytes)
	start := s.clock.Now()
	for i := 0; ; i++ {
		at := start.Add(time.Duration(i) * interval)
		t := s.clock.NewTimer(at.Sub(s.clock.Now()))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.done:
			t.Stop()
			return
		case <-t.C():
		}
		s.Broadcast(NewMessage(wire.Envelope{Seq: s.hub.NextSeq(), TS: at.UnixNano(), Topic: "demo", Data: payload}))
	}
}
