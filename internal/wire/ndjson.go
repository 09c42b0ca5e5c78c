package wire

import (
	"bytes"
	"errors"
	"fmt"
)

// LineSplitter frames newline-delimited JSON read from a chunked HTTP stream. Chunk
// boundaries are not message boundaries (proxies and TCP merge and split them), so
// it keeps the partial tail of each read until its newline arrives.
type LineSplitter struct {
	// MaxLine bounds the bytes buffered for one line; zero means DefaultMaxLine.
	MaxLine int
	tail    []byte
}

// ErrLineTooLong reports a line past a splitter's or parser's MaxLine: the
// peer sent more than the reader agreed to buffer.
var ErrLineTooLong = errors.New("line too long")

// DefaultMaxLine is the longest line a LineSplitter or SSEParser buffers when no
// limit is set: far above any benchmark payload, low enough to bound memory.
const DefaultMaxLine = 1 << 20

// Feed splits p into complete lines and calls emit for each non-empty one, without
// its terminator ("\n" or "\r\n"). Empty lines are heartbeats and are skipped. The
// slice passed to emit is only valid during the call.
func (s *LineSplitter) Feed(p []byte, emit func(line []byte)) error {
	max := s.MaxLine
	if max <= 0 {
		max = DefaultMaxLine
	}
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if len(s.tail)+len(p) > max {
				return fmt.Errorf("ndjson: %w: longer than %d bytes", ErrLineTooLong, max)
			}
			s.tail = append(s.tail, p...)
			return nil
		}
		line := p[:i]
		if len(s.tail) > 0 {
			if len(s.tail)+len(line) > max {
				return fmt.Errorf("ndjson: %w: longer than %d bytes", ErrLineTooLong, max)
			}
			s.tail = append(s.tail, line...)
			line = s.tail
		} else if len(line) > max {
			return fmt.Errorf("ndjson: %w: longer than %d bytes", ErrLineTooLong, max)
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) > 0 {
			emit(line)
		}
		s.tail = s.tail[:0]
		p = p[i+1:]
	}
	return nil
}

// Pending reports how many bytes of an unterminated line are buffered; a stream
// that ends with Pending() > 0 was cut mid-message.
func (s *LineSplitter) Pending() int { return len(s.tail) }

// AppendNDJSON appends one NDJSON line holding the already encoded JSON value.
func AppendNDJSON(dst, json []byte) []byte {
	dst = append(dst, json...)
	return append(dst, '\n')
}
