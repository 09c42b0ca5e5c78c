package clients

import (
	"errors"
	"fmt"
	"io"

	"github.com/pushbench/pushbench/internal/wire"
)

// dechunkFramer frames a body that is still chunk-coded (a stream on the
// client's own connection, rawstream.go) by its content: it de-chunks as
// net/http would and hands the bytes to inner (NDJSON lines, SSE events),
// whatever the chunk boundaries.
type dechunkFramer struct {
	chunks wire.ChunkDecoder // Pieces set
	inner  streamFramer
}

func newDechunkFramer(inner streamFramer) *dechunkFramer {
	return &dechunkFramer{chunks: wire.ChunkDecoder{Pieces: true}, inner: inner}
}

// feed returns io.EOF once the last chunk came and the body ended at a
// frame boundary, else why the end was not clean.
func (f *dechunkFramer) feed(p []byte, emit func(Frame)) error {
	var innerErr error
	err := f.chunks.Feed(p, func(part []byte) {
		if innerErr == nil {
			innerErr = f.inner.feed(part, emit)
		}
	})
	if innerErr != nil {
		return innerErr
	}
	if err == io.EOF {
		if end := f.inner.atEOF(); !errors.Is(end, ErrEnded) {
			return end
		}
	}
	return err
}

// atEOF: the connection closed before the last chunk, so the body was cut,
// as net/http reports such a body.
func (f *dechunkFramer) atEOF() error {
	if end := f.inner.atEOF(); !errors.Is(end, ErrEnded) {
		return end
	}
	return fmt.Errorf("connection closed before the last chunk: %w", io.ErrUnexpectedEOF)
}
