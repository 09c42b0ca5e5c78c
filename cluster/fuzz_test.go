package cluster

import (
	"bytes"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the protocol reader: it never panics
// or reads past its bound, and every message it accepts encodes to a line
// that decodes and encodes again to the same bytes.
func FuzzDecode(f *testing.F) {
	for _, m := range sampleMessages() {
		line, err := AppendMessage(nil, m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(line)
	}
	f.Add([]byte(`{"type":"result","job":1,"result":{"histograms":{"latency":{"unit":"us","count":1,"hdr":"HISTFAAAAB"}}}}` + "\n"))
	f.Add([]byte("{\"type\":\"hello\"}\n{\"type\":\"done\"}\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		const bound = 4 << 10
		r := NewLineReader(bytes.NewReader(in), bound)
		for range 8 {
			m, err := r.Next()
			if err != nil {
				if _, ok := err.(interface{ Unwrap() error }); !ok && m != nil {
					t.Fatalf("message %v with error %v", m, err)
				}
				continue
			}
			line, err := AppendMessage(nil, m)
			if err != nil {
				continue // e.g. a result whose histogram cannot be encoded again
			}
			again, err := ParseMessage(line)
			if err != nil {
				t.Fatalf("re-encoded %q does not decode: %v", line, err)
			}
			line2, err := AppendMessage(nil, again)
			if err != nil || !bytes.Equal(line, line2) {
				t.Fatalf("not stable:\n%q\n%q (%v)", line, line2, err)
			}
		}
	})
}
