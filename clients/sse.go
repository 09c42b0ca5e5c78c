package clients

import (
	"context"

	"github.com/pushbench/pushbench/internal/wire"
)

// sseClient reads a text/event-stream with the WHATWG parsing rules: each
// event is one frame carrying its data (any text), its type ("message" when
// absent) and the last event ID; comments are heartbeats, not frames. With
// Receive.SSEEvent set, events of other types are skipped.
type sseClient struct{}

var _ Transport = sseClient{}

func (sseClient) Dial(ctx context.Context, url string, opts DialOptions) (Conn, Timings, error) {
	rcv, err := opts.Receive.resolve()
	if err != nil {
		return nil, Timings{}, &DialError{URL: url, Phase: PhaseRequest, Err: err}
	}
	resp, tm, err := dialStream(ctx, url, "text/event-stream", []string{"text/event-stream"}, opts)
	if err != nil {
		return nil, tm, err
	}
	max := rcv.maxMessage()
	return newStreamConn(resp.Body, opts.Clock, &sseFramer{only: rcv.SSEEvent, max: max, parser: wire.SSEParser{MaxLine: max}}), tm, nil
}

// sseFramer frames SSE events, keeping those of type only (all when empty).
// An event is bounded as a whole by max, not line by line: a server that
// sends data lines without ever ending the event cannot grow the buffer.
type sseFramer struct {
	parser wire.SSEParser
	only   string
	max    int
}

func (f *sseFramer) feed(p []byte, emit func(Frame)) error {
	tooLarge := false
	err := f.parser.Feed(p, func(ev wire.SSEEvent) {
		if len(ev.Data) > f.max {
			tooLarge = true
			return
		}
		if f.only == "" || ev.Type == f.only {
			emit(Frame{Data: []byte(ev.Data), ID: ev.ID, Event: ev.Type})
		}
	})
	if err != nil {
		return err
	}
	if tooLarge || f.parser.Pending() > f.max {
		return errTooLarge(f.max)
	}
	return nil
}

// atEOF: an event without its blank line is dropped by the WHATWG rules, but
// the stream was cut inside it.
func (f *sseFramer) atEOF() error { return endOfStream(f.parser.Pending()) }
