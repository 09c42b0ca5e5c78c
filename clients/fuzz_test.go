package clients

import (
	"reflect"
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
			fr := &sseFramer{max: max, parser: wire.SSEParser{MaxLine: max}}
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
		// Only the events are compared: near the limit the verdict may depend
		// on the split, as the framer's bound counts a partial line and the
		// data's trailing line feed.
		if werr == nil && serr == nil && !reflect.DeepEqual(whole, split) {
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
