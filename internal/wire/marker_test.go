package wire

import (
	"encoding/json"
	"testing"
)

func TestFindMarker(t *testing.T) {
	tok := string(AppendMarker(nil, Marker{Tag: "a1b2", Seq: 42, TS: 1700000000123456789}))
	escaped, _ := json.Marshal(map[string]string{"text": `said "` + tok + `"`})
	tests := []struct {
		name, in string
		tag      string
		want     Marker
		ok       bool
	}{
		{"bare", tok, "a1b2", Marker{"a1b2", 42, 1700000000123456789}, true},
		{"inside chat relay JSON", `{"from":3,"text":"` + tok + `"}`, "a1b2", Marker{"a1b2", 42, 1700000000123456789}, true},
		{"inside escaped JSON", string(escaped), "a1b2", Marker{"a1b2", 42, 1700000000123456789}, true},
		{"SSE data", "data: hello " + tok + " world", "a1b2", Marker{"a1b2", 42, 1700000000123456789}, true},
		{"socket.io args", `["chat",{"msg":"` + tok + `"}]`, "a1b2", Marker{"a1b2", 42, 1700000000123456789}, true},
		{"other run first", "pb1:ffff:1:2 " + tok, "a1b2", Marker{"a1b2", 42, 1700000000123456789}, true},
		{"other run only", "pb1:ffff:1:2", "a1b2", Marker{}, false},
		{"malformed then good", "pb1:a1b2:x:1 pb1:a1b2:7:-5", "a1b2", Marker{"a1b2", 7, -5}, true},
		{"no ts", "pb1:a1b2:7:", "a1b2", Marker{}, false},
		{"none", `{"t":1}`, "a1b2", Marker{}, false},
		{"seq overflow", "pb1:a1b2:99999999999999999999:1", "a1b2", Marker{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := FindMarker([]byte(tt.in), tt.tag)
			if ok != tt.ok || got != tt.want {
				t.Fatalf("FindMarker(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func FuzzMarkerRoundTrip(f *testing.F) {
	f.Add("a1b2", uint64(1), int64(2), "prefix ", " suffix")
	f.Add("0", uint64(0), int64(-1), `{"x":"`, `"}`)
	f.Fuzz(func(t *testing.T, tag string, seq uint64, ts int64, before, after string) {
		if tag == "" {
			return
		}
		for i := 0; i < len(tag); i++ {
			if !isHexLower(tag[i]) {
				return
			}
		}
		if len(after) > 0 && after[0] >= '0' && after[0] <= '9' {
			return // a digit right after the token would extend it: templates put a separator there
		}
		m := Marker{Tag: tag, Seq: seq, TS: ts}
		b := append([]byte(before), AppendMarker(nil, m)...)
		b = append(b, after...)
		got, ok := FindMarker(b, tag)
		// A marker of the same tag in before may be found first; otherwise the
		// one written must come back exactly.
		if _, early := FindMarker([]byte(before), tag); early {
			return
		}
		if !ok || got != m {
			t.Fatalf("FindMarker(%q) = %+v, %v; want %+v", b, got, ok, m)
		}
	})
}
