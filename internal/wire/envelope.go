package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Envelope is the one message format every transport carries. TS is the message's
// SCHEDULED publish time in Unix nanoseconds: a load generator that stamps the
// schedule (not the moment it got round to sending) keeps stalls visible in the
// latency tail instead of hiding them (coordinated omission).
type Envelope struct {
	Seq   uint64 `json:"seq"`
	TS    int64  `json:"ts"`
	Topic string `json:"topic,omitempty"`
	Event string `json:"event,omitempty"`
	Data  string `json:"data"`
}

// ErrNotEnvelope reports JSON that is not an envelope object.
var ErrNotEnvelope = errors.New("not an envelope")

// AppendJSON appends the compact JSON encoding of e to dst. It never emits a raw
// newline, so the result is a valid NDJSON line and a single SSE data line.
func (e Envelope) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"seq":`...)
	dst = strconv.AppendUint(dst, e.Seq, 10)
	dst = append(dst, `,"ts":`...)
	dst = strconv.AppendInt(dst, e.TS, 10)
	if e.Topic != "" {
		dst = append(dst, `,"topic":`...)
		dst = appendJSONString(dst, e.Topic)
	}
	if e.Event != "" {
		dst = append(dst, `,"event":`...)
		dst = appendJSONString(dst, e.Event)
	}
	dst = append(dst, `,"data":`...)
	dst = appendJSONString(dst, e.Data)
	return append(dst, '}')
}

// DecodeEnvelope parses one JSON envelope as a receiver sees it. Unknown fields
// are ignored so servers that add their own fields still work; a missing seq or
// ts is an error because neither loss nor latency can be measured without them.
func DecodeEnvelope(b []byte) (Envelope, error) {
	if f, ok := scanEnvelope(b); ok && f.hasSeq && f.hasTS {
		return Envelope{Seq: f.seq, TS: f.ts, Topic: string(f.topic), Event: string(f.event), Data: string(f.data)}, nil
	}
	env, hasSeq, hasTS, err := ParseEnvelope(b, false)
	if err != nil {
		return Envelope{}, err
	}
	if !hasSeq || !hasTS {
		return Envelope{}, fmt.Errorf("%w: missing seq or ts in %.64q", ErrNotEnvelope, b)
	}
	return env, nil
}

// ParseEnvelope parses an envelope whose seq and ts may be absent (a publish
// request the server numbers and stamps itself) and reports which were present.
// strict rejects unknown fields, so a misspelt key in a publish request is an
// error instead of a silently empty field.
func ParseEnvelope(b []byte, strict bool) (env Envelope, hasSeq, hasTS bool, err error) {
	var raw struct {
		Seq   *uint64 `json:"seq"`
		TS    *int64  `json:"ts"`
		Topic string  `json:"topic"`
		Event string  `json:"event"`
		Data  string  `json:"data"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(&raw); err != nil {
		return Envelope{}, false, false, fmt.Errorf("%w: %w", ErrNotEnvelope, err)
	}
	if dec.More() {
		return Envelope{}, false, false, fmt.Errorf("%w: trailing data after the object", ErrNotEnvelope)
	}
	env = Envelope{Topic: raw.Topic, Event: raw.Event, Data: raw.Data}
	if raw.Seq != nil {
		env.Seq = *raw.Seq
	}
	if raw.TS != nil {
		env.TS = *raw.TS
	}
	return env, raw.Seq != nil, raw.TS != nil, nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 is replaced with
// U+FFFD, as encoding/json does, so the output always decodes.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r == '\n':
			dst = append(dst, '\\', 'n')
		case r == '\r':
			dst = append(dst, '\\', 'r')
		case r == '\t':
			dst = append(dst, '\\', 't')
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			dst = append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
		default:
			dst = append(dst, string(r)...)
		}
	}
	return append(dst, '"')
}

// Payload returns an n-byte ASCII filler for an envelope's data field, so a
// configured payload size is the size on the wire (no escaping).
func Payload(n int) string {
	const pattern = "pushbench-"
	b := make([]byte, n)
	for i := range b {
		b[i] = pattern[i%len(pattern)]
	}
	return string(b)
}
