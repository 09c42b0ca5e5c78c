package loadgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/pushbench/pushbench/clients"
)

// Payload says how to read numbers out of a foreign server's messages, for
// the listen pattern: where its send time is (latency on the server's clock)
// and where its sequence number is (loss, duplicates, reordering).
type Payload struct {
	// Timestamp is PATH[:UNIT]: a dotted path into the JSON message ("." is
	// the whole message; for Socket.IO, the event's first argument) and the
	// unit of a number there: s, ms, us or ns (default: guessed from the
	// magnitude). An RFC 3339 string is read as it is.
	Timestamp string `yaml:"timestamp" json:"timestamp,omitempty"`
	// Seq is a dotted path to an integer sequence number, or "sse-id" for
	// the SSE event id.
	Seq string `yaml:"seq" json:"seq,omitempty"`
}

// SeqFromSSEID is the Seq value that reads sequence numbers from SSE ids.
const SeqFromSSEID = "sse-id"

// extractor is a parsed Payload.
type extractor struct {
	tsPath  []string // nil: no timestamp
	tsUnit  time.Duration
	seqPath []string // nil: no sequence number
	seqID   bool
}

// Check reports what is wrong with p, for scenario and flag checks before a
// run.
func (p Payload) Check() error {
	_, err := newExtractor(p)
	return err
}

func newExtractor(p Payload) (extractor, error) {
	var e extractor
	if p.Timestamp != "" {
		path, unit, _ := strings.Cut(p.Timestamp, ":")
		e.tsPath = splitPath(path)
		switch unit {
		case "":
		case "s":
			e.tsUnit = time.Second
		case "ms":
			e.tsUnit = time.Millisecond
		case "us":
			e.tsUnit = time.Microsecond
		case "ns":
			e.tsUnit = time.Nanosecond
		default:
			return e, fmt.Errorf("timestamp %q: unit %q: want s, ms, us or ns (or none to guess from the magnitude)", p.Timestamp, unit)
		}
	}
	switch p.Seq {
	case "":
	case SeqFromSSEID:
		e.seqID = true
	default:
		e.seqPath = splitPath(p.Seq)
	}
	return e, nil
}

// splitPath turns "data.sent_at" into its keys; "." (or "") is the whole
// message, an empty list.
func splitPath(p string) []string {
	if p == "." || p == "" {
		return []string{}
	}
	return strings.Split(p, ".")
}

func (e extractor) wantsJSON() bool { return e.tsPath != nil || e.seqPath != nil }

// fields are what extract found in one message.
type fields struct {
	ts     int64 // Unix nanoseconds
	hasTS  bool
	seq    uint64
	hasSeq bool
}

// extract reads the configured fields of f; a field configured but absent or
// malformed is an error that quotes the message.
func (e extractor) extract(f clients.Frame) (fields, error) {
	var out fields
	if e.seqID {
		n, err := strconv.ParseUint(f.ID, 10, 64)
		if err != nil {
			return out, fmt.Errorf("seq: SSE id %q is not an unsigned integer", f.ID)
		}
		out.seq, out.hasSeq = n, true
	}
	if !e.wantsJSON() {
		return out, nil
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(f.Data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return out, fmt.Errorf("not JSON: %s", quote(f.Data))
	}
	if e.tsPath != nil {
		v, err := lookup(doc, e.tsPath)
		if err == nil {
			out.ts, err = toUnixNano(v, e.tsUnit)
		}
		if err != nil {
			return out, fmt.Errorf("timestamp %s: %w in %s", pathText(e.tsPath), err, quote(f.Data))
		}
		out.hasTS = true
	}
	if e.seqPath != nil {
		v, err := lookup(doc, e.seqPath)
		if err == nil {
			out.seq, err = toUint(v)
		}
		if err != nil {
			return out, fmt.Errorf("seq %s: %w in %s", pathText(e.seqPath), err, quote(f.Data))
		}
		out.hasSeq = true
	}
	return out, nil
}

func pathText(p []string) string {
	if len(p) == 0 {
		return "."
	}
	return strings.Join(p, ".")
}

func lookup(doc any, path []string) (any, error) {
	v := doc
	for i, key := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s is not an object", pathText(path[:i]))
		}
		if v, ok = m[key]; !ok {
			return nil, fmt.Errorf("no field %q", pathText(path[:i+1]))
		}
	}
	return v, nil
}

// toUnixNano reads a timestamp: an RFC 3339 string, or a number in unit
// (guessed from its magnitude when unit is 0: seconds, milliseconds,
// microseconds or nanoseconds since 1970 around today's date).
func toUnixNano(v any, unit time.Duration) (int64, error) {
	switch x := v.(type) {
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			if n, nerr := strconv.ParseFloat(x, 64); nerr == nil {
				return numberToNano(n, unit)
			}
			return 0, fmt.Errorf("%q is neither a number nor an RFC 3339 time", x)
		}
		return t.UnixNano(), nil
	case json.Number:
		n, err := x.Float64()
		if err != nil {
			return 0, fmt.Errorf("%s is not a number", x)
		}
		if i, err := x.Int64(); err == nil && (unit == time.Nanosecond || (unit == 0 && i > 1e17)) {
			return i, nil // exact for nanoseconds
		}
		return numberToNano(n, unit)
	}
	return 0, fmt.Errorf("%v is not a number or time string", v)
}

func numberToNano(n float64, unit time.Duration) (int64, error) {
	if unit == 0 {
		switch a := math.Abs(n); {
		case a < 1e11:
			unit = time.Second
		case a < 1e14:
			unit = time.Millisecond
		case a < 1e17:
			unit = time.Microsecond
		default:
			unit = time.Nanosecond
		}
	}
	ns := n * float64(unit)
	if math.IsNaN(ns) || math.Abs(ns) > math.MaxInt64 {
		return 0, fmt.Errorf("%g is out of range", n)
	}
	return int64(ns), nil
}

func toUint(v any) (uint64, error) {
	switch x := v.(type) {
	case json.Number:
		n, err := strconv.ParseUint(string(x), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s is not an unsigned integer", x)
		}
		return n, nil
	case string:
		n, err := strconv.ParseUint(x, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not an unsigned integer", x)
		}
		return n, nil
	}
	return 0, fmt.Errorf("%v is not an unsigned integer", v)
}

// quote shows the start of a message in errors: at most 80 bytes, quoted,
// saying how much was cut.
func quote(b []byte) string {
	const max = 80
	if len(b) <= max {
		return strconv.Quote(string(b))
	}
	return fmt.Sprintf("%s (+%d bytes)", strconv.Quote(string(b[:max])), len(b)-max)
}
