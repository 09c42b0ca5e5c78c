package clients

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/pushbench/pushbench/internal/wire"
)

// chunkedClient reads a chunked HTTP response as a browser's XMLHttpRequest
// does at readyState 3. Receive.ChunkedFraming says what a message is:
// FramingLines (newline-delimited, whatever the chunk boundaries; blank lines
// are heartbeats) or FramingChunks (each HTTP chunk, which needs the client's
// own HTTP/1.1 connection: see rawstream.go); in both, whitespace-only
// lines or chunks are heartbeats, not messages. Frames carry the bytes as sent,
// JSON or not: decoding them is the load generator's business.
type chunkedClient struct{}

var _ Transport = chunkedClient{}

// chunkedTypes are the media types accepted for a chunked stream; the first is
// what the error names.
var chunkedTypes = []string{"application/x-ndjson", "application/jsonl", "application/json", "application/stream+json", "text/plain"}

const chunkedAccept = "application/x-ndjson, application/json"

func (chunkedClient) Dial(ctx context.Context, url string, opts DialOptions) (Conn, Timings, error) {
	rcv, err := opts.Receive.resolve()
	if err != nil {
		return nil, Timings{}, &DialError{URL: url, Phase: PhaseRequest, Err: err}
	}
	// Both framings read the stream on the client's own connection: no
	// transport goroutines or buffers per held connection.
	s, tm, err := dialRawStream(ctx, url, chunkedAccept, chunkedTypes, opts)
	if err != nil {
		return nil, tm, err
	}
	if rcv.ChunkedFraming == FramingChunks {
		if s.chunked {
			return newStreamConn(s.body, opts.Clock, &chunksFramer{chunks: wire.ChunkDecoder{MaxChunk: rcv.maxMessage()}}), tm, nil
		}
		return newStreamConn(s.body, opts.Clock, readsFramer{}), tm, nil
	}
	var lines streamFramer = &linesFramer{lines: wire.LineSplitter{MaxLine: rcv.maxMessage()}}
	if s.chunked {
		lines = newDechunkFramer(lines)
	}
	return newStreamConn(s.body, opts.Clock, lines), tm, nil
}

// linesFramer frames newline-delimited messages; blank lines are skipped.
type linesFramer struct{ lines wire.LineSplitter }

func (f *linesFramer) feed(p []byte, emit func(Frame)) error {
	err := f.lines.Feed(p, func(line []byte) { emit(Frame{Data: line}) })
	if errors.Is(err, wire.ErrLineTooLong) {
		return fmt.Errorf("%w: %w", errTooLarge(f.lines.MaxLine), err)
	}
	return err
}

func (f *linesFramer) atEOF() error { return endOfStream(f.lines.Pending()) }

// chunksFramer frames each HTTP chunk of a still transfer-coded body. A
// chunk of whitespace alone (a "\n" heartbeat, as blank lines are in
// FramingLines) is not a message.
type chunksFramer struct{ chunks wire.ChunkDecoder }

func (f *chunksFramer) feed(p []byte, emit func(Frame)) error {
	return f.chunks.Feed(p, func(chunk []byte) {
		if len(bytes.TrimSpace(chunk)) > 0 {
			emit(Frame{Data: chunk})
		}
	})
}

// atEOF: the connection closed before the last chunk, so the body was cut,
// even between chunks (net/http says the same of such a body).
func (f *chunksFramer) atEOF() error {
	if n := f.chunks.Pending(); n > 0 {
		return endOfStream(n)
	}
	return fmt.Errorf("connection closed before the last chunk: %w", io.ErrUnexpectedEOF)
}

// readsFramer is FramingChunks for a body that is not chunked (a
// Content-Length or close-delimited response, as HTTP/1.0 servers send):
// there are no chunk boundaries, so each read is one message, as a browser
// fires one progress event per read. The boundaries then depend on TCP: on
// loopback they usually match the server's writes, elsewhere they need not.
type readsFramer struct{}

func (readsFramer) feed(p []byte, emit func(Frame)) error {
	if len(bytes.TrimSpace(p)) > 0 {
		emit(Frame{Data: p})
	}
	return nil
}

func (readsFramer) atEOF() error { return endOfStream(0) }
