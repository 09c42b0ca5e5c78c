package wire

import "unicode/utf8"

// EnvelopeStamp is what a receiver counts a message by: its sequence number,
// its scheduled send time and its topic. Topic may alias the bytes it was
// scanned from.
type EnvelopeStamp struct {
	Seq   uint64
	TS    int64
	Topic []byte
}

// ScanEnvelope is DecodeEnvelope for the receive hot path: it accepts and
// rejects exactly what DecodeEnvelope does and finds the same seq, ts and
// topic, but reads the envelope pushbench servers send (a flat object with
// plain keys) without allocating; Topic then aliases b. Anything else (escaped
// keys or topic, nested values, odd spellings) goes to DecodeEnvelope.
func ScanEnvelope(b []byte) (EnvelopeStamp, error) {
	if f, ok := scanEnvelope(b); ok && f.hasSeq && f.hasTS {
		return EnvelopeStamp{Seq: f.seq, TS: f.ts, Topic: f.topic}, nil
	}
	env, err := DecodeEnvelope(b)
	if err != nil {
		return EnvelopeStamp{}, err
	}
	return EnvelopeStamp{Seq: env.Seq, TS: env.TS, Topic: []byte(env.Topic)}, nil
}

// scannedEnvelope is what scanEnvelope found: the numbers, and the string
// fields as the bytes between their quotes (which need no unescaping).
type scannedEnvelope struct {
	seq           uint64
	ts            int64
	hasSeq, hasTS bool
	topic, event  []byte
	data          []byte
}

// scanEnvelope is the allocation-free fast path of envelope decoding. ok is
// false when b is not in the subset it handles; the caller then decodes b in
// full. When ok, the result is what encoding/json makes of b (ParseEnvelope,
// not strict): FuzzScanEnvelope checks that on every input it accepts.
//
// The subset: one JSON object and nothing but whitespace after it; keys of
// plain ASCII without escapes, none matching a field's name in another case
// (encoding/json matches names case-insensitively); seq a non-negative
// integer, ts an integer; topic, event and data strings of valid UTF-8 without
// escapes, or null; other fields' values strings, numbers, true, false or null.
func scanEnvelope(b []byte) (f scannedEnvelope, ok bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return f, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return f, skipSpace(b, i+1) == len(b)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return f, false
		}
		keyStart := i + 1
		i = keyStart
		for i < len(b) && b[i] != '"' {
			if c := b[i]; c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
				return f, false
			}
			i++
		}
		if i >= len(b) {
			return f, false
		}
		key := b[keyStart:i]
		i = skipSpace(b, i+1)
		if i >= len(b) || b[i] != ':' {
			return f, false
		}
		i = skipSpace(b, i+1)
		var good bool
		switch string(key) {
		case "seq":
			f.seq, i, good = scanUint(b, i)
			f.hasSeq = true
		case "ts":
			f.ts, i, good = scanInt(b, i)
			f.hasTS = true
		case "topic":
			i, good = scanPlainString(b, i, &f.topic)
		case "event":
			i, good = scanPlainString(b, i, &f.event)
		case "data":
			i, good = scanPlainString(b, i, &f.data)
		default:
			if foldsToField(key) {
				return f, false
			}
			i, good = skipScalar(b, i)
		}
		if !good {
			return f, false
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return f, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return f, skipSpace(b, i+1) == len(b)
		default:
			return f, false
		}
	}
}

// envelopeFields are the JSON names ParseEnvelope decodes.
var envelopeFields = [...]string{"seq", "ts", "topic", "event", "data"}

// foldsToField reports whether an ASCII key other than a field's exact name
// is one in another case, which encoding/json would decode into the field.
func foldsToField(key []byte) bool {
	for _, name := range envelopeFields {
		if len(key) != len(name) {
			continue
		}
		same := true
		for j := range key {
			c := key[j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != name[j] {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// endsValue reports whether b[i] may follow a number or literal: the end of
// b, whitespace, a comma or a closing brace.
func endsValue(b []byte, i int) bool {
	if i >= len(b) {
		return true
	}
	switch b[i] {
	case ' ', '\t', '\n', '\r', ',', '}':
		return true
	}
	return false
}

// scanUint reads a JSON integer without sign, fraction or exponent that fits
// a uint64.
func scanUint(b []byte, i int) (uint64, int, bool) {
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == start || (b[start] == '0' && i-start > 1) || !endsValue(b, i) {
		return 0, i, false
	}
	var n uint64
	for _, c := range b[start:i] {
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, i, false
		}
		n = n*10 + d
	}
	return n, i, true
}

// scanInt reads a JSON integer without fraction or exponent that fits an
// int64.
func scanInt(b []byte, i int) (int64, int, bool) {
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	u, end, ok := scanUint(b, i)
	if !ok {
		return 0, end, false
	}
	if neg {
		if u > 1<<63 {
			return 0, end, false
		}
		return int64(-u), end, true
	}
	if u > 1<<63-1 {
		return 0, end, false
	}
	return int64(u), end, true
}

// scanPlainString reads a string field's value: null (which leaves *dst as
// it is, as encoding/json does) or a string without escapes or control
// characters whose bytes are valid UTF-8, so they are its value.
func scanPlainString(b []byte, i int, dst *[]byte) (int, bool) {
	if i < len(b) && b[i] == 'n' {
		return skipScalar(b, i)
	}
	if i >= len(b) || b[i] != '"' {
		return i, false
	}
	start := i + 1
	ascii := true
	for i = start; i < len(b) && b[i] != '"'; i++ {
		switch c := b[i]; {
		case c == '\\' || c < 0x20:
			return i, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	if i >= len(b) || (!ascii && !utf8.Valid(b[start:i])) {
		return i, false
	}
	*dst = b[start:i]
	return i + 1, true
}

// skipScalar skips a string (escapes checked), number, true, false or null.
func skipScalar(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	switch c := b[i]; {
	case c == '"':
		return skipString(b, i+1)
	case c == '-' || ('0' <= c && c <= '9'):
		return skipNumber(b, i)
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
			return i + len(lit), endsValue(b, i+len(lit))
		}
	}
	return i, false
}

// skipString skips a string's body after its opening quote, checking its
// escapes; any other byte but a control character is accepted, as
// encoding/json does (it replaces invalid UTF-8).
func skipString(b []byte, i int) (int, bool) {
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return i, false
		case c == '\\':
			if i+1 >= len(b) {
				return i, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(b)-i < 6 {
					return i, false
				}
				for _, h := range b[i+2 : i+6] {
					if !isHex(h) {
						return i, false
					}
				}
				i += 6
			default:
				return i, false
			}
		default:
			i++
		}
	}
	return i, false
}

// skipNumber skips a number by the JSON grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func skipNumber(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == start || (b[start] == '0' && i-start > 1) {
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		fs := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == fs {
			return i, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		es := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == es {
			return i, false
		}
	}
	return i, endsValue(b, i)
}
