package wire

import (
	"reflect"
	"strings"
	"testing"
)

func splitLines(t *testing.T, s *LineSplitter, input string, cuts ...int) []string {
	t.Helper()
	var got []string
	prev := 0
	for _, c := range append(cuts, len(input)) {
		if err := s.Feed([]byte(input[prev:c]), func(l []byte) { got = append(got, string(l)) }); err != nil {
			t.Fatalf("Feed: %v", err)
		}
		prev = c
	}
	return got
}

func TestLineSplitter(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    []string
		pending int
	}{
		{"one", "{\"a\":1}\n", []string{`{"a":1}`}, 0},
		{"two", "a\nb\n", []string{"a", "b"}, 0},
		{"crlf", "a\r\nb\r\n", []string{"a", "b"}, 0},
		{"heartbeat blank lines skipped", "\n\na\n\n", []string{"a"}, 0},
		{"partial tail kept", "a\nbc", []string{"a"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for cut := 0; cut <= len(tt.input); cut++ {
				var s LineSplitter
				got := splitLines(t, &s, tt.input, cut)
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("cut %d: got %q, want %q", cut, got, tt.want)
				}
				if s.Pending() != tt.pending {
					t.Fatalf("cut %d: pending %d, want %d", cut, s.Pending(), tt.pending)
				}
			}
		})
	}
}

func TestLineSplitterLimit(t *testing.T) {
	s := LineSplitter{MaxLine: 4}
	if err := s.Feed([]byte("abc"), func([]byte) {}); err != nil {
		t.Fatal(err)
	}
	if err := s.Feed([]byte("de\n"), func([]byte) {}); err == nil || !strings.Contains(err.Error(), "longer than 4") {
		t.Fatalf("err = %v, want limit error", err)
	}
	s = LineSplitter{MaxLine: 4}
	if err := s.Feed([]byte("abcdef\n"), func([]byte) {}); err == nil {
		t.Fatal("an over-long line in one read was accepted")
	}
}

func FuzzLineSplitter(f *testing.F) {
	f.Add("{\"seq\":1}\n{\"seq\":2}\r\n\n", 3, 7)
	f.Fuzz(func(t *testing.T, input string, a, b int) {
		if a < 0 {
			a = -a
		}
		if b < 0 {
			b = -b
		}
		a %= len(input) + 1
		b %= len(input) + 1
		if a > b {
			a, b = b, a
		}
		var whole, split LineSplitter
		w := splitLines(t, &whole, input)
		s := splitLines(t, &split, input, a, b)
		if !reflect.DeepEqual(w, s) || whole.Pending() != split.Pending() {
			t.Fatalf("cuts %d,%d changed lines: %q vs %q", a, b, s, w)
		}
	})
}
