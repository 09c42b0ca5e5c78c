package clients

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/pushbench/pushbench/internal/wire"
)

// FuzzSSEFramer feeds the SSE client's framer what a hostile server could
// send: it never panics, never hands over an event over its limit, frames
// the same events however the bytes are split.
func FuzzSSEFramer(f *testing.F) {
	f.Add([]byte("retry: 10\n\nid: 1\nevent: tick\ndata: a\ndata: b\n\n"), 7)
	f.Add([]byte("data: "+string(make([]byte, 80))+"\n\n"), 3)
	f.Fuzz(func(t *testing.T, input []byte, cut int) {
		const max = 64
		if cut < 0 {
			cut = -cut
		}
		cut %= len(input) + 1
		frame := func(parts ...[]byte) ([]Frame, error) {
			fr := &sseFramer{max: max, parser: wire.SSEParser{MaxLine: max + sseLineSlack}}
			var got []Frame
			for _, p := range parts {
				err := fr.feed(p, func(f Frame) {
					f.Data = append([]byte(nil), f.Data...)
					got = append(got, f)
				})
				if err != nil {
					return got, err
				}
			}
			return got, nil
		}
		whole, werr := frame(input)
		split, serr := frame(input[:cut], input[cut:])
		for _, f := range append(whole, split...) {
			if len(f.Data) > max {
				t.Fatalf("framed an event of %d bytes over the %d-byte limit", len(f.Data), max)
			}
		}
		// Where reads split the stream changes neither the events nor the
		// verdict: the limit is on an event's data, not on what is buffered.
		if (werr == nil) != (serr == nil) {
			t.Fatalf("split at %d changed the verdict: %v vs %v", cut, serr, werr)
		}
		if werr == nil && !reflect.DeepEqual(whole, split) {
			t.Fatalf("split at %d changed the events: %q vs %q", cut, split, whole)
		}
	})
}

// FuzzParseOpen: any Engine.IO open packet a server sends is parsed or
// refused with an error, never a panic; a parsed one has a session id.
func FuzzParseOpen(f *testing.F) {
	f.Add([]byte(`0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`))
	f.Add([]byte(`0{"sid":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := wire.ParseEIOText(b)
		if err != nil {
			return
		}
		hs, err := parseOpen(p)
		if err == nil && hs.SID == "" {
			t.Fatalf("%q opened a session without a sid", b)
		}
	})
}

// TestSSELimitIsOnTheEventNotTheBuffer: an event whose data is within the
// limit passes whatever the reads, even when a read ends inside its last
// line (the buffer then holds "data: " and a line break besides); one over
// the limit fails however it arrives.
func TestSSELimitIsOnTheEventNotTheBuffer(t *testing.T) {
	const max = 64
	within := "data: " + strings.Repeat("x", 30) + "\ndata: " + strings.Repeat("y", 33) + "\n\n" // 30+1+33 = 64
	over := "data: " + strings.Repeat("x", 30) + "\ndata: " + strings.Repeat("y", 34) + "\n\n"
	for _, tt := range []struct {
		name, stream string
		ok           bool
	}{{"within", within, true}, {"over", over, false}} {
		for cut := 1; cut < len(tt.stream); cut++ {
			fr := &sseFramer{max: max}
			n := 0
			err := fr.feed([]byte(tt.stream[:cut]), func(Frame) { n++ })
			if err == nil {
				err = fr.feed([]byte(tt.stream[cut:]), func(Frame) { n++ })
			}
			if tt.ok && (err != nil || n != 1) {
				t.Fatalf("%s split at %d: %d events, %v; want the event", tt.name, cut, n, err)
			}
			if !tt.ok && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("%s split at %d: %v, want ErrTooLarge", tt.name, cut, err)
			}
		}
	}
}

// TestTooLongLinesAreTooLarge: a line past the limit is a message over
// --max-message (ErrTooLarge, class read/too-large) on SSE and NDJSON alike,
// and an SSE event whose data fits passes even though its line, with
// "data: ", is longer than the limit.
func TestTooLongLinesAreTooLarge(t *testing.T) {
	const max = 4
	sse := &sseFramer{max: max, parser: wire.SSEParser{MaxLine: max + sseLineSlack}}
	n := 0
	if err := sse.feed([]byte("data: 0.42\n\n"), func(Frame) { n++ }); err != nil || n != 1 {
		t.Fatalf("a 4-byte event with a 4-byte limit: %d events, %v", n, err)
	}
	if err := sse.feed([]byte("data: "+strings.Repeat("x", 100)), func(Frame) {}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a 100-byte SSE line: %v, want ErrTooLarge", err)
	}
	lines := &linesFramer{lines: wire.LineSplitter{MaxLine: max}}
	if err := lines.feed([]byte("123456"), func(Frame) {}); !errors.Is(err, ErrTooLarge) || IOErrorClass("read", err) != "read/too-large" {
		t.Fatalf("a 6-byte NDJSON line: %v (class %s), want ErrTooLarge", err, IOErrorClass("read", err))
	}
}
