package target

import (
	"maps"
	"strings"
	"testing"
)

func TestParseAnnouncement(t *testing.T) {
	for _, tc := range []struct {
		line, want, tcp, wantErr string
	}{
		{line: "listening on http://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{line: "listening on http://127.0.0.1:8080/ ", want: "http://127.0.0.1:8080"},
		{line: "listening on https://[::1]:443", want: "https://[::1]:443"},
		{line: "serving at http://127.0.0.1:8080", wantErr: `"serving at http://127.0.0.1:8080" does not start with "listening on "`},
		{line: "listening on 127.0.0.1:8080", wantErr: "want listening on http://host:port"},
		{line: "listening on ws://127.0.0.1:8080", wantErr: "want listening on http://host:port"},
		{line: "", wantErr: `"" does not start with`},
		{line: "listening on ", wantErr: "want listening on http://host:port"},
		{line: "listening on http://127.0.0.1:8080 tcp=tcp://127.0.0.1:9000", want: "http://127.0.0.1:8080", tcp: "tcp://127.0.0.1:9000"},
		{line: "listening on http://127.0.0.1:8080 tcp", wantErr: `"tcp" is not NAME=SCHEME://host:port`},
		{line: "listening on http://127.0.0.1:8080 tcp=127.0.0.1:9000", wantErr: "is not NAME=SCHEME://host:port"},
		{line: "listening on http://127.0.0.1:8080 =tcp://127.0.0.1:9000", wantErr: "is not NAME=SCHEME://host:port"},
	} {
		t.Run(tc.line, func(t *testing.T) {
			got, err := parseAnnouncement(tc.line)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got.Base != tc.want || got.Transports["tcp"] != tc.tcp {
				t.Fatalf("got %+v, %v; want %q and tcp %q", got, err, tc.want, tc.tcp)
			}
			if tc.tcp == "" && got.Transports != nil {
				t.Fatalf("transports %v from a line that names none", got.Transports)
			}
		})
	}
}

func TestAnnouncementRoundTrips(t *testing.T) {
	for _, urls := range []URLs{
		{Base: "http://127.0.0.1:8080"},
		{Base: "http://127.0.0.1:8080", Transports: map[string]string{"tcp": "tcp://127.0.0.1:9000", "quic": "quic://127.0.0.1:9001"}},
	} {
		line := Announcement(urls)
		got, err := parseAnnouncement(line)
		if err != nil || got.Base != urls.Base || !maps.Equal(got.Transports, urls.Transports) {
			t.Fatalf("%q read back as %+v, %v; want %+v", line, got, err, urls)
		}
	}
	if got := Announcement(URLs{Base: "http://a:1", Transports: map[string]string{"tcp": "tcp://a:2"}}); got != "listening on http://a:1 tcp=tcp://a:2" {
		t.Fatalf("announcement %q", got)
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
