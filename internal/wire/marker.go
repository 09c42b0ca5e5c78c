package wire

import (
	"bytes"
	"strconv"
)

// Marker is the compact token pushbench puts into a message body it sends
// through a server it did not write: pb1:<tag>:<seq>:<ts>, where tag names the
// run (lowercase hex), seq is the sequence number and ts the scheduled send
// time in Unix nanoseconds. It uses only characters that need no escaping in
// JSON, SSE or Socket.IO, so a receiver finds it verbatim wherever a relay put
// the body: inside a JSON string (escaped or not), SSE data or an event's
// arguments.
type Marker struct {
	Tag string
	Seq uint64
	TS  int64
}

// markerPrefix starts every marker.
const markerPrefix = "pb1:"

// AppendMarker appends m's token to dst.
func AppendMarker(dst []byte, m Marker) []byte {
	dst = append(dst, markerPrefix...)
	dst = append(dst, m.Tag...)
	dst = append(dst, ':')
	dst = strconv.AppendUint(dst, m.Seq, 10)
	dst = append(dst, ':')
	return strconv.AppendInt(dst, m.TS, 10)
}

// FindMarker returns the first well-formed marker with the given tag in b.
// Tokens of other runs (another tag) and malformed ones are skipped.
func FindMarker(b []byte, tag string) (Marker, bool) {
	for {
		i := bytes.Index(b, []byte(markerPrefix))
		if i < 0 {
			return Marker{}, false
		}
		b = b[i+len(markerPrefix):]
		if m, ok := parseMarkerBody(b); ok && m.Tag == tag {
			return m, true
		}
	}
}

// parseMarkerBody reads tag:seq:ts at the start of b.
func parseMarkerBody(b []byte) (Marker, bool) {
	tagEnd := 0
	for tagEnd < len(b) && isHexLower(b[tagEnd]) {
		tagEnd++
	}
	if tagEnd == 0 || tagEnd >= len(b) || b[tagEnd] != ':' {
		return Marker{}, false
	}
	m := Marker{Tag: string(b[:tagEnd])}
	rest := b[tagEnd+1:]
	seqEnd := digits(rest)
	if seqEnd == 0 || seqEnd >= len(rest) || rest[seqEnd] != ':' {
		return Marker{}, false
	}
	seq, err := strconv.ParseUint(string(rest[:seqEnd]), 10, 64)
	if err != nil {
		return Marker{}, false
	}
	rest = rest[seqEnd+1:]
	tsStart := 0
	if len(rest) > 0 && rest[0] == '-' {
		tsStart = 1
	}
	tsEnd := tsStart + digits(rest[tsStart:])
	if tsEnd == tsStart {
		return Marker{}, false
	}
	ts, err := strconv.ParseInt(string(rest[:tsEnd]), 10, 64)
	if err != nil {
		return Marker{}, false
	}
	m.Seq, m.TS = seq, ts
	return m, true
}

func digits(b []byte) int {
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	return n
}

func isHexLower(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }
