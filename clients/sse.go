package clients

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pushbench/pushbench/internal/wire"
)

// SSEGapEvent is wire.SSEGapEvent, the event a pushbench server sends before
// replaying when a client's Last-Event-ID is older than its replay buffer:
// what was missed cannot be replayed. It reaches Read whatever
// Receive.SSEEvent keeps, so the load generator can count it; other servers
// never send it.
const SSEGapEvent = wire.SSEGapEvent

// sseClient reads a text/event-stream with the WHATWG parsing rules: each
// event is one frame carrying its data (any text), its type ("message" when
// absent) and the last event ID; comments are heartbeats, not frames. With
// Receive.SSEEvent set, events of other types are skipped. A redial with
// opts.Resume sends Last-Event-ID as a browser's EventSource does, and the
// connection exposes the last event ID and the server's retry
// (ResumeState).
type sseClient struct{}

var _ Transport = sseClient{}

func (sseClient) Dial(ctx context.Context, url string, opts DialOptions) (Conn, Timings, error) {
	rcv, err := opts.Receive.resolve()
	if err != nil {
		return nil, Timings{}, &DialError{URL: url, Phase: PhaseRequest, Err: err}
	}
	if id := opts.Resume.LastEventID; id != "" {
		h := opts.Receive.Headers.Clone()
		if h == nil {
			h = http.Header{}
		}
		h.Set("Last-Event-ID", id)
		opts.Receive.Headers = h
	}
	s, tm, err := dialRawStream(ctx, url, "text/event-stream", []string{"text/event-stream"}, opts)
	if err != nil {
		var de *DialError
		if errors.As(err, &de) && (de.Phase == PhaseStatus || de.Phase == PhaseContentType) {
			// WHATWG: a wrong status (204 is the conventional "stop") or
			// media type fails the EventSource without reconnecting.
			return nil, tm, noReconnect{err}
		}
		return nil, tm, err
	}
	max := rcv.maxMessage()
	// A line may be a little longer than the message limit: a data line
	// carries "data: " and its line break, a comment or another field a few
	// bytes of its own. The event's data is held to max exactly (feed).
	f := &sseFramer{only: rcv.SSEEvent, max: max, parser: wire.SSEParser{MaxLine: max + sseLineSlack}, retry: opts.Resume.Retry}
	f.parser.OnRetry = func(ms int64) { f.retry = time.Duration(ms) * time.Millisecond }
	f.parser.ResumeFrom(opts.Resume.LastEventID)
	var framer streamFramer = f
	if s.chunked {
		framer = newDechunkFramer(f)
	}
	return &sseConn{streamConn: newStreamConn(s.body, opts.Clock, framer), framer: f}, tm, nil
}

// sseConn is an event stream that says what a reconnect needs.
type sseConn struct {
	*streamConn
	framer *sseFramer
}

var _ Resumable = (*sseConn)(nil)

// ResumeState is the last event ID and the retry delay in force: this
// connection's, or those it was dialled with when it learnt none.
func (c *sseConn) ResumeState() Resume {
	return Resume{LastEventID: c.framer.parser.LastEventID(), Retry: c.framer.retry}
}

// sseLineSlack is how much longer than the message limit an SSE line may be.
const sseLineSlack = 64

// sseFramer frames SSE events, keeping those of type only (all when empty)
// and SSEGapEvent. An event is bounded as a whole by max, not line by line:
// a server that sends data lines without ever ending the event cannot grow
// the buffer.
type sseFramer struct {
	parser wire.SSEParser
	only   string
	max    int
	retry  time.Duration // the server's last valid retry, else the one dialled with
}

func (f *sseFramer) feed(p []byte, emit func(Frame)) error {
	tooLarge := false
	err := f.parser.FeedBytes(p, func(ev wire.SSEEventBytes) {
		if len(ev.Data) > f.max {
			tooLarge = true
			return
		}
		if f.only == "" || ev.Type == f.only || ev.Type == SSEGapEvent {
			emit(Frame{Data: ev.Data, ID: ev.ID, Event: ev.Type})
		}
	})
	if errors.Is(err, wire.ErrLineTooLong) {
		return fmt.Errorf("%w: %w", errTooLarge(f.max), err)
	}
	if err != nil {
		return err
	}
	// The data so far must fit; a partial line is bounded by the parser's
	// MaxLine. Checked on the data, not the bytes buffered, so the verdict
	// does not depend on where reads happen to split an event.
	if data, _ := f.parser.PendingParts(); tooLarge || data > f.max {
		return errTooLarge(f.max)
	}
	return nil
}

// atEOF: an event without its blank line is dropped by the WHATWG rules, but
// the stream was cut inside it.
func (f *sseFramer) atEOF() error { return endOfStream(f.parser.Pending()) }
