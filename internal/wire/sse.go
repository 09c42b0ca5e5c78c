package wire

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SSEEvent is one dispatched Server-Sent Event, as the WHATWG EventSource would
// fire it. ID is the last-event-id in force at dispatch time (it persists across
// events until a later id field changes it).
type SSEEvent struct {
	Type string
	Data string
	ID   string
}

// SSEParser is a push parser for a text/event-stream body following the WHATWG
// HTML rules: one leading BOM stripped, CR, LF and CRLF line ends (a CR at the end
// of one read and an LF at the start of the next are one terminator), comments,
// field parsing with one leading space removed, id without NUL, digit-only retry,
// and the unterminated final block dropped.
type SSEParser struct {
	// MaxLine bounds one line's length; zero means DefaultMaxLine.
	MaxLine int
	// OnComment, when set, is called with each comment line's text after ':'.
	OnComment func(text string)
	// OnRetry, when set, is called with each valid retry value in milliseconds.
	OnRetry func(ms int64)

	started   bool   // the BOM check is done
	bomBuf    []byte // leading bytes held until the BOM check can decide
	afterCR   bool   // the previous byte ended a line with CR
	line      []byte
	data      []byte
	eventType string
	lastID    string
	// dispatchedID is the event source's last event ID: the id buffer as of
	// the last dispatch, even of a block without data (WHATWG).
	dispatchedID string
}

// LastEventID is the last event ID as the WHATWG EventSource keeps it: set
// at each dispatch (an id-only block included), not by an id line of a block
// that never ended. A reconnecting client sends it as Last-Event-ID.
func (p *SSEParser) LastEventID() string { return p.dispatchedID }

// ResumeFrom starts the parser with the last event ID of the connection it
// replaces: events without an id field carry it, as on a reconnected
// EventSource.
func (p *SSEParser) ResumeFrom(id string) { p.lastID, p.dispatchedID = id, id }

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// SSEEventBytes is a dispatched event whose Data is the parser's own buffer,
// valid only during the emit call: what a reader that copies or decodes the
// data at once takes, without a string allocated per event.
type SSEEventBytes struct {
	Type string
	Data []byte
	ID   string
}

// Feed parses the next bytes of the stream and calls emit for each dispatched
// event.
func (p *SSEParser) Feed(b []byte, emit func(SSEEvent)) error {
	return p.FeedBytes(b, func(ev SSEEventBytes) {
		emit(SSEEvent{Type: ev.Type, Data: string(ev.Data), ID: ev.ID})
	})
}

// FeedBytes is Feed with each event's data lent, not copied.
func (p *SSEParser) FeedBytes(b []byte, emit func(SSEEventBytes)) error {
	if !p.started {
		p.bomBuf = append(p.bomBuf, b...)
		if len(p.bomBuf) < len(utf8BOM) && bytes.HasPrefix(utf8BOM, p.bomBuf) {
			return nil
		}
		p.started = true
		b = bytes.TrimPrefix(p.bomBuf, utf8BOM)
		p.bomBuf = nil
	}
	max := p.MaxLine
	if max <= 0 {
		max = DefaultMaxLine
	}
	for len(b) > 0 {
		if p.afterCR {
			p.afterCR = false
			if b[0] == '\n' {
				b = b[1:]
				continue
			}
		}
		i := bytes.IndexAny(b, "\r\n")
		if i < 0 {
			if len(p.line)+len(b) > max {
				return fmt.Errorf("sse: %w: longer than %d bytes", ErrLineTooLong, max)
			}
			p.line = append(p.line, b...)
			return nil
		}
		if len(p.line)+i > max {
			return fmt.Errorf("sse: %w: longer than %d bytes", ErrLineTooLong, max)
		}
		line := b[:i]
		if len(p.line) > 0 {
			p.line = append(p.line, line...)
			line = p.line
		}
		p.afterCR = b[i] == '\r'
		b = b[i+1:]
		p.processLine(line, emit)
		p.line = p.line[:0]
	}
	return nil
}

// Pending reports how many bytes of an event not yet dispatched are buffered
// (a partial line and data lines without their blank line); a stream that
// ends with Pending() > 0 was cut inside an event, which the WHATWG rules drop.
func (p *SSEParser) Pending() int { return len(p.line) + len(p.data) + len(p.bomBuf) }

// PendingParts splits Pending for a size limit on events: data is the length
// the event's data would have if dispatched now (its complete data lines,
// without the last line break; 0 when none), line the partial line not yet
// ended, whatever field it turns out to be.
func (p *SSEParser) PendingParts() (data, line int) {
	return max(len(p.data)-1, 0), len(p.line) + len(p.bomBuf)
}

func (p *SSEParser) processLine(line []byte, emit func(SSEEventBytes)) {
	if len(line) == 0 {
		p.dispatch(emit)
		return
	}
	if line[0] == ':' {
		if p.OnComment != nil {
			p.OnComment(string(line[1:]))
		}
		return
	}
	field, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		field, value = line[:i], line[i+1:]
		value = bytes.TrimPrefix(value, []byte{' '})
	}
	switch string(field) {
	case "event":
		if string(value) != p.eventType {
			p.eventType = string(value)
		}
	case "data":
		p.data = append(p.data, value...)
		p.data = append(p.data, '\n')
	case "id":
		if bytes.IndexByte(value, 0) < 0 && string(value) != p.lastID {
			p.lastID = string(value)
		}
	case "retry":
		if ms, ok := parseRetry(value); ok && p.OnRetry != nil {
			p.OnRetry(ms)
		}
	}
}

func parseRetry(v []byte) (int64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	ms, err := strconv.ParseInt(string(v), 10, 64)
	return ms, err == nil
}

func (p *SSEParser) dispatch(emit func(SSEEventBytes)) {
	p.dispatchedID = p.lastID
	if len(p.data) == 0 {
		p.eventType = ""
		return
	}
	ev := SSEEventBytes{Type: p.eventType, Data: p.data[:len(p.data)-1], ID: p.lastID}
	if ev.Type == "" {
		ev.Type = "message"
	}
	p.data = p.data[:0]
	p.eventType = ""
	emit(ev)
}

// ErrSSEField reports an id or event name that cannot be written on one line.
var ErrSSEField = errors.New("sse: field contains a line break or NUL")

// AppendSSE appends ev in text/event-stream form: optional id and event lines, one
// data line per line of Data (CR, LF and CRLF all split lines, as a parser would),
// and the blank line that dispatches it. A Type of "message" is left implicit.
func AppendSSE(dst []byte, ev SSEEvent) ([]byte, error) {
	if strings.ContainsAny(ev.ID, "\r\n\x00") || strings.ContainsAny(ev.Type, "\r\n") {
		return dst, ErrSSEField
	}
	if ev.ID != "" {
		dst = append(dst, "id: "...)
		dst = append(dst, ev.ID...)
		dst = append(dst, '\n')
	}
	if ev.Type != "" && ev.Type != "message" {
		dst = append(dst, "event: "...)
		dst = append(dst, ev.Type...)
		dst = append(dst, '\n')
	}
	data := ev.Data
	for {
		i := strings.IndexAny(data, "\r\n")
		dst = append(dst, "data: "...)
		if i < 0 {
			dst = append(dst, data...)
			dst = append(dst, '\n')
			break
		}
		dst = append(dst, data[:i]...)
		dst = append(dst, '\n')
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		data = data[i+1:]
	}
	return append(dst, '\n'), nil
}

// AppendSSEComment appends a comment line, the heartbeat form that keeps proxies
// from closing an idle stream without firing an event.
func AppendSSEComment(dst []byte, text string) []byte {
	dst = append(dst, ':')
	dst = append(dst, text...)
	return append(dst, '\n', '\n')
}

// AppendSSERetry appends a retry field telling clients how long to wait before
// reconnecting.
func AppendSSERetry(dst []byte, ms int64) []byte {
	dst = append(dst, "retry: "...)
	dst = strconv.AppendInt(dst, ms, 10)
	return append(dst, '\n', '\n')
}
