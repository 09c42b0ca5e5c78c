package wire

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// ChunkDecoder decodes the HTTP/1.1 chunked transfer coding (RFC 9112 §7.1)
// keeping chunk boundaries: each chunk is one message, which is what a
// browser's XMLHttpRequest readyState-3 handler sees of a server that writes
// one message per flush. Go's net/http client de-chunks transparently and
// hides the boundaries, hence this decoder.
//
// It accepts chunk extensions (";name=value", ignored), trailer fields
// (ignored), and bare LF where CRLF is due, as lenient parsers do; it bounds
// the size line, each trailer line and the chunk size.
type ChunkDecoder struct {
	// MaxChunk bounds one chunk's size; zero means DefaultMaxLine.
	MaxChunk int
	// MaxLine bounds a size line or trailer line; zero means DefaultMaxChunkLine.
	MaxLine int
	// Pieces makes Feed emit chunk data as it arrives, without buffering:
	// the body de-chunked, chunk boundaries lost, for a reader that frames
	// the body itself (NDJSON lines, SSE events), which bounds what it
	// buffers. MaxChunk does not apply.
	Pieces bool

	state     chunkState
	line      []byte // size or trailer line so far
	data      []byte // current chunk's data so far
	remaining int    // data bytes still due in the current chunk
	trailers  int    // trailer bytes so far
}

// DefaultMaxChunkLine bounds a chunk-size line or a trailer line when
// ChunkDecoder.MaxLine is zero: far above any real extension list.
const DefaultMaxChunkLine = 4096

// maxTrailerLines bounds the whole trailer section, in lines of MaxLine.
const maxTrailerLines = 16

type chunkState uint8

const (
	chunkSize    chunkState = iota // reading "<hex>[;ext]\r\n"
	chunkData                      // reading data
	chunkDataEnd                   // reading the CRLF after the data
	chunkTrailer                   // reading trailer lines up to the empty one
	chunkDone                      // the last chunk and trailers were read
)

// ErrChunked reports bytes that are not the chunked transfer coding.
var ErrChunked = errors.New("chunked coding")

// Feed decodes p and calls emit with the data of each complete chunk (never
// empty: a zero-size chunk is the last one). The slice passed to emit is
// only valid during the call. Once the last chunk and its trailers have been
// read, Feed returns io.EOF and ignores the rest of p (bytes after a body
// belong to the next response on the connection).
func (d *ChunkDecoder) Feed(p []byte, emit func(chunk []byte)) error {
	maxLine := d.MaxLine
	if maxLine <= 0 {
		maxLine = DefaultMaxChunkLine
	}
	for len(p) > 0 {
		switch d.state {
		case chunkDone:
			return io.EOF
		case chunkSize, chunkTrailer:
			line, rest, complete, err := d.takeLine(p, maxLine)
			if err != nil {
				return err
			}
			p = rest
			if !complete {
				return nil
			}
			if err := d.endLine(line, maxLine); err != nil {
				return err
			}
		case chunkData:
			n := min(d.remaining, len(p))
			if d.Pieces {
				d.remaining -= n
				emit(p[:n])
				p = p[n:]
				if d.remaining == 0 {
					d.state = chunkDataEnd
				}
				continue
			}
			d.data = append(d.data, p[:n]...)
			d.remaining -= n
			p = p[n:]
			if d.remaining == 0 {
				d.state = chunkDataEnd
				emit(d.data)
				d.data = d.data[:0]
			}
		case chunkDataEnd:
			// CRLF, or a bare LF; a CR alone is kept in line until its LF.
			switch {
			case p[0] == '\r' && len(d.line) == 0:
				d.line = append(d.line, '\r')
				p = p[1:]
			case p[0] == '\n':
				d.line = d.line[:0]
				d.state = chunkSize
				p = p[1:]
			default:
				return fmt.Errorf("%w: expected CRLF after chunk data, got %q", ErrChunked, p[0])
			}
		}
	}
	if d.state == chunkDone {
		return io.EOF
	}
	return nil
}

// takeLine appends p up to and including the next LF to d.line. It reports
// whether the line is complete and returns the rest of p.
func (d *ChunkDecoder) takeLine(p []byte, maxLine int) (line, rest []byte, complete bool, err error) {
	i := 0
	for i < len(p) && p[i] != '\n' {
		i++
	}
	if len(d.line)+i > maxLine {
		what := "chunk-size line"
		if d.state == chunkTrailer {
			what = "trailer line"
		}
		return nil, nil, false, fmt.Errorf("%w: %s longer than %d bytes", ErrChunked, what, maxLine)
	}
	d.line = append(d.line, p[:i]...)
	if i == len(p) {
		return nil, nil, false, nil
	}
	line = d.line
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, p[i+1:], true, nil
}

// endLine acts on one complete size or trailer line.
func (d *ChunkDecoder) endLine(line []byte, maxLine int) error {
	defer func() { d.line = d.line[:0] }()
	if d.state == chunkTrailer {
		if len(line) == 0 {
			d.state = chunkDone
			return nil
		}
		d.trailers += len(line)
		if d.trailers > maxTrailerLines*maxLine {
			return fmt.Errorf("%w: trailer section longer than %d bytes", ErrChunked, maxTrailerLines*maxLine)
		}
		return nil
	}
	size, err := d.parseSize(line)
	if err != nil {
		return err
	}
	if size == 0 {
		d.state = chunkTrailer
		return nil
	}
	d.remaining = size
	d.state = chunkData
	return nil
}

// parseSize reads "<hex>[BWS][;ext...]" and checks the size bound.
func (d *ChunkDecoder) parseSize(line []byte) (int, error) {
	maxChunk := d.MaxChunk
	if maxChunk <= 0 {
		maxChunk = DefaultMaxLine
	}
	if d.Pieces {
		maxChunk = 1<<63 - 1
	}
	i := 0
	for i < len(line) && isHex(line[i]) {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("%w: bad chunk-size line %.40q", ErrChunked, line)
	}
	rest := line[i:]
	for len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t') {
		rest = rest[1:]
	}
	if len(rest) > 0 && rest[0] != ';' {
		return 0, fmt.Errorf("%w: bad chunk-size line %.40q", ErrChunked, line)
	}
	digits := line[:i]
	for len(digits) > 1 && digits[0] == '0' {
		digits = digits[1:]
	}
	size, err := strconv.ParseUint(string(digits), 16, 63)
	if err != nil || size > uint64(maxChunk) {
		return 0, fmt.Errorf("%w: chunk of 0x%.20s bytes exceeds the limit of %d", ErrChunked, digits, maxChunk)
	}
	return int(size), nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// Pending reports how many bytes of an unfinished chunk are buffered (its
// data so far, or a partial size line); a stream that ends with Pending() > 0
// was cut inside a message.
func (d *ChunkDecoder) Pending() int {
	if d.state == chunkData || d.state == chunkSize {
		return len(d.data) + len(d.line)
	}
	return 0
}

// Done reports whether the last chunk and its trailers have been read: the
// body ended as the server meant it to.
func (d *ChunkDecoder) Done() bool { return d.state == chunkDone }

// AppendChunk appends data as one chunk of the chunked transfer coding; empty
// data appends nothing (a zero-size chunk would end the body).
func AppendChunk(dst, data []byte) []byte {
	if len(data) == 0 {
		return dst
	}
	dst = strconv.AppendUint(dst, uint64(len(data)), 16)
	dst = append(dst, '\r', '\n')
	dst = append(dst, data...)
	return append(dst, '\r', '\n')
}

// AppendLastChunk appends the zero-size chunk and the empty trailer section
// that end a chunked body.
func AppendLastChunk(dst []byte) []byte { return append(dst, "0\r\n\r\n"...) }
