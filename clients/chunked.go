package clients

import (
	"context"

	"github.com/pushbench/pushbench/internal/wire"
)

// chunkedClient reads newline-delimited JSON from a chunked HTTP response, as a
// browser's XMLHttpRequest does at readyState 3, whatever the chunk boundaries.
type chunkedClient struct{}

var _ Transport = chunkedClient{}

// chunkedTypes are the media types accepted for an NDJSON stream; the first is
// what the error names.
var chunkedTypes = []string{"application/x-ndjson", "application/jsonl", "application/json", "application/stream+json", "text/plain"}

func (chunkedClient) Dial(ctx context.Context, url string, opts DialOptions) (Conn, Timings, error) {
	resp, tm, err := dialStream(ctx, url, "application/x-ndjson, application/json", chunkedTypes, opts)
	if err != nil {
		return nil, tm, err
	}
	var lines wire.LineSplitter
	return newStreamConn(resp.Body, opts.Clock, func(p []byte, emit func([]byte)) error {
		return lines.Feed(p, emit)
	}), tm, nil
}
