package target

import (
	"strings"
	"testing"
)

func TestParseAnnouncement(t *testing.T) {
	for _, tc := range []struct {
		line, want, wantErr string
	}{
		{line: "listening on http://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{line: "listening on http://127.0.0.1:8080/ ", want: "http://127.0.0.1:8080"},
		{line: "listening on https://[::1]:443", want: "https://[::1]:443"},
		{line: "serving at http://127.0.0.1:8080", wantErr: `"serving at http://127.0.0.1:8080" does not start with "listening on "`},
		{line: "listening on 127.0.0.1:8080", wantErr: "want listening on http://host:port"},
		{line: "listening on ws://127.0.0.1:8080", wantErr: "want listening on http://host:port"},
		{line: "", wantErr: `"" does not start with`},
	} {
		t.Run(tc.line, func(t *testing.T) {
			got, err := parseAnnouncement(tc.line)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestAnnounceWriterKeepsTheFirstLine(t *testing.T) {
	long := strings.Repeat("x", maxAnnounce+10)
	for _, tc := range []struct {
		name   string
		writes []string
		want   string // "" when no line is complete
		sent   bool
	}{
		{"one write", []string{"listening on http://a:1\nmore\n"}, "listening on http://a:1", true},
		{"split writes", []string{"listen", "ing on http://a:1", "\r\nrest"}, "listening on http://a:1", true},
		{"no newline yet", []string{"partial"}, "", false},
		{"overlong line is cut", []string{long}, long[:maxAnnounce], true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newAnnounceWriter()
			for _, s := range tc.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("write %q: %d, %v", s, n, err)
				}
			}
			select {
			case got := <-w.first:
				if !tc.sent || got != tc.want {
					t.Errorf("first line %q, want %q (sent %v)", got, tc.want, tc.sent)
				}
			default:
				if tc.sent {
					t.Errorf("no first line, want %q", tc.want)
				}
				if w.printed() != strings.Join(tc.writes, "") {
					t.Errorf("printed %q", w.printed())
				}
			}
		})
	}
}
