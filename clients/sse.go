package clients

import (
	"context"

	"github.com/pushbench/pushbench/internal/wire"
)

// sseClient reads a text/event-stream with the WHATWG parsing rules; each
// event's data is one message, whatever its event type.
type sseClient struct{}

var _ Transport = sseClient{}

func (sseClient) Dial(ctx context.Context, url string, opts DialOptions) (Conn, Timings, error) {
	resp, tm, err := dialStream(ctx, url, "text/event-stream", []string{"text/event-stream"}, opts)
	if err != nil {
		return nil, tm, err
	}
	var parser wire.SSEParser
	return newStreamConn(resp.Body, opts.Clock, func(p []byte, emit func([]byte)) error {
		return parser.Feed(p, func(ev wire.SSEEvent) { emit([]byte(ev.Data)) })
	}), tm, nil
}
