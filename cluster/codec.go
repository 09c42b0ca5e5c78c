package cluster

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// MaxLine bounds one message line. The largest message is a worker's
// Result: every histogram of one transport, exactly encoded, and the
// per-second series: a few MB at most for a long run with many error
// classes; 64 MiB leaves room and still bounds what a peer can make the
// other buffer.
const MaxLine = 64 << 20

// ErrLineTooLong is the error of a line over the reader's bound; the stream
// cannot be resynchronised after it, so the connection must end.
var ErrLineTooLong = errors.New("protocol line longer than the limit")

// AppendMessage appends m as one line: a JSON object whose first key is
// "type", then m's own fields, then a newline.
func AppendMessage(buf []byte, m Message) ([]byte, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return buf, fmt.Errorf("encode %s message: %w", m.messageType(), err)
	}
	if len(body) < 2 || body[0] != '{' {
		return buf, fmt.Errorf("encode %s message: not a JSON object", m.messageType())
	}
	buf = append(buf, `{"type":`...)
	buf = append(buf, '"')
	buf = append(buf, m.messageType()...)
	buf = append(buf, '"')
	if len(body) > 2 { // more than {}
		buf = append(buf, ',')
	}
	buf = append(buf, body[1:]...)
	return append(buf, '\n'), nil
}

// ParseMessage decodes one line (without or with its newline) into the
// message its "type" names.
func ParseMessage(line []byte) (Message, error) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	var head struct {
		Type *string `json:"type"`
	}
	if err := json.Unmarshal(line, &head); err != nil {
		return nil, fmt.Errorf("protocol: not a JSON object: %w", err)
	}
	if head.Type == nil {
		return nil, errors.New(`protocol: message without "type"`)
	}
	m := newMessage(*head.Type)
	if m == nil {
		return nil, fmt.Errorf("protocol: unknown message type %q", *head.Type)
	}
	if err := json.Unmarshal(line, m); err != nil {
		return nil, fmt.Errorf("protocol: %s message: %w", *head.Type, err)
	}
	if c, ok := m.(interface{ check() error }); ok {
		if err := c.check(); err != nil {
			return nil, fmt.Errorf("protocol: %s message: %w", *head.Type, err)
		}
	}
	return m, nil
}

// LineReader reads newline-terminated lines of at most max bytes (newline
// excluded) and decodes each into a Message.
type LineReader struct {
	r   *bufio.Reader
	max int
	buf []byte
}

// NewLineReader reads messages from r, refusing lines longer than max.
func NewLineReader(r io.Reader, max int) *LineReader {
	return &LineReader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// Next reads and decodes the next line. A line over the bound is
// ErrLineTooLong (named with the bound); the end of the stream is io.EOF,
// or io.ErrUnexpectedEOF inside a line.
func (lr *LineReader) Next() (Message, error) {
	line, err := lr.line()
	if err != nil {
		return nil, err
	}
	return ParseMessage(line)
}

// line is the next line without its newline, valid until the next call.
func (lr *LineReader) line() ([]byte, error) {
	lr.buf = lr.buf[:0]
	for {
		chunk, err := lr.r.ReadSlice('\n')
		n := len(chunk)
		if err == nil {
			n-- // the newline
		}
		if len(lr.buf)+n > lr.max {
			return nil, fmt.Errorf("%w (%d bytes)", ErrLineTooLong, lr.max)
		}
		switch {
		case err == nil:
			if len(lr.buf) == 0 {
				return chunk[:n], nil // the whole line was in the buffer
			}
			lr.buf = append(lr.buf, chunk[:n]...)
			return lr.buf, nil
		case errors.Is(err, bufio.ErrBufferFull):
			lr.buf = append(lr.buf, chunk...)
		case errors.Is(err, io.EOF) && len(lr.buf)+len(chunk) > 0:
			return nil, io.ErrUnexpectedEOF
		default:
			return nil, err
		}
	}
}
