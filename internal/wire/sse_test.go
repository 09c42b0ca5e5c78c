package wire

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// parseAll feeds input to a fresh parser in pieces cut at the given offsets and
// returns every dispatched event and retry value.
func parseAll(t *testing.T, input string, cuts ...int) ([]SSEEvent, []int64, []string) {
	t.Helper()
	var p SSEParser
	var events []SSEEvent
	var retries []int64
	var comments []string
	p.OnRetry = func(ms int64) { retries = append(retries, ms) }
	p.OnComment = func(c string) { comments = append(comments, c) }
	emit := func(ev SSEEvent) { events = append(events, ev) }
	prev := 0
	for _, c := range append(cuts, len(input)) {
		if err := p.Feed([]byte(input[prev:c]), emit); err != nil {
			t.Fatalf("Feed: %v", err)
		}
		prev = c
	}
	return events, retries, comments
}

func TestSSEParserCases(t *testing.T) {
	msg := func(data, id string) SSEEvent { return SSEEvent{Type: "message", Data: data, ID: id} }
	tests := []struct {
		name     string
		input    string
		want     []SSEEvent
		retries  []int64
		comments []string
	}{
		{"LF", "data: a\n\n", []SSEEvent{msg("a", "")}, nil, nil},
		{"CRLF", "data: a\r\n\r\n", []SSEEvent{msg("a", "")}, nil, nil},
		{"CR", "data: a\r\r", []SSEEvent{msg("a", "")}, nil, nil},
		{"mixed CR LF CRLF", "data: a\rdata: b\ndata: c\r\n\r\ndata: d\n\r", []SSEEvent{msg("a\nb\nc", ""), msg("d", "")}, nil, nil},
		{"single BOM stripped", "\xEF\xBB\xBFdata: a\n\n", []SSEEvent{msg("a", "")}, nil, nil},
		{"double BOM: second is part of the field name", "\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\ndata: b\n\n", []SSEEvent{msg("b", "")}, nil, nil},
		{"empty data fires empty string", "data:\n\n", []SSEEvent{msg("", "")}, nil, nil},
		{"data with no colon is empty value", "data\n\n", []SSEEvent{msg("", "")}, nil, nil},
		{"two empty data lines give one newline", "data\ndata\n\n", []SSEEvent{msg("\n", "")}, nil, nil},
		{"two data lines join with newline", "data: x\ndata: y\n\n", []SSEEvent{msg("x\ny", "")}, nil, nil},
		{"only one leading space removed", "data:  x\n\n", []SSEEvent{msg(" x", "")}, nil, nil},
		{"no space after colon", "data:x\n\n", []SSEEvent{msg("x", "")}, nil, nil},
		{"named event", "event: tick\ndata: 1\n\n", []SSEEvent{{Type: "tick", Data: "1"}}, nil, nil},
		{"empty event name is message", "event:\ndata: 1\n\n", []SSEEvent{msg("1", "")}, nil, nil},
		{"event type resets after dispatch", "event: a\ndata: 1\n\ndata: 2\n\n", []SSEEvent{{Type: "a", Data: "1"}, msg("2", "")}, nil, nil},
		{"field names are case-sensitive", "Data: x\ndata: y\n\n", []SSEEvent{msg("y", "")}, nil, nil},
		{"id persists across events", "id: 7\ndata: a\n\ndata: b\n\n", []SSEEvent{msg("a", "7"), msg("b", "7")}, nil, nil},
		{"id with NUL is ignored", "id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n", []SSEEvent{msg("a", "1"), msg("b", "1")}, nil, nil},
		{"empty id resets", "id: 1\ndata: a\n\nid\ndata: b\n\n", []SSEEvent{msg("a", "1"), msg("b", "")}, nil, nil},
		{"id-only block fires nothing but sets id", "id: 5\n\ndata: a\n\n", []SSEEvent{msg("a", "5")}, nil, nil},
		{"event-only block fires nothing and resets type", "event: x\n\ndata: a\n\n", []SSEEvent{msg("a", "")}, nil, nil},
		{"retry accepted", "retry: 1500\n\n", nil, []int64{1500}, nil},
		{"bogus retry ignored", "retry: 15x\nretry: -1\nretry:\nretry: 1.5\n\n", nil, nil, nil},
		{"comments", ": hello\n:\ndata: a\n\n", []SSEEvent{msg("a", "")}, nil, []string{" hello", ""}},
		{"unknown field ignored", "foo: bar\ndata: a\n\n", []SSEEvent{msg("a", "")}, nil, nil},
		{"unterminated tail dropped", "data: a\n\ndata: b\n", []SSEEvent{msg("a", "")}, nil, nil},
		{"unterminated line dropped", "data: a\n\ndata: b", []SSEEvent{msg("a", "")}, nil, nil},
		{"colon in value kept", "data: a:b\n\n", []SSEEvent{msg("a:b", "")}, nil, nil},
		{"utf-8 passes through", "data: héllo ✓\n\n", []SSEEvent{msg("héllo ✓", "")}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check := func(label string, cuts ...int) {
				t.Helper()
				events, retries, comments := parseAll(t, tt.input, cuts...)
				if !reflect.DeepEqual(events, tt.want) {
					t.Errorf("%s: events = %#v, want %#v", label, events, tt.want)
				}
				if !reflect.DeepEqual(retries, tt.retries) {
					t.Errorf("%s: retries = %v, want %v", label, retries, tt.retries)
				}
				if !reflect.DeepEqual(comments, tt.comments) {
					t.Errorf("%s: comments = %q, want %q", label, comments, tt.comments)
				}
			}
			check("whole")
			// Every single cut point, which covers a CR|LF pair split across reads
			// and a BOM split across reads.
			for i := 1; i < len(tt.input); i++ {
				check("cut at "+itoa(i), i)
			}
			var all []int
			for i := 1; i < len(tt.input); i++ {
				all = append(all, i)
			}
			check("byte by byte", all...)
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestSSEParserCRLFSplitAcrossReadsIsOneTerminator(t *testing.T) {
	// "data: a\r" then "\ndata: b\r\n\r\n": if the LF after the split were a second
	// terminator it would dispatch "a" alone.
	events, _, _ := parseAll(t, "data: a\r\ndata: b\r\n\r\n", len("data: a\r"))
	want := []SSEEvent{{Type: "message", Data: "a\nb"}}
	if !reflect.DeepEqual(events, want) {
		t.Fatalf("events = %#v, want %#v", events, want)
	}
}

func TestSSEParserLineLimit(t *testing.T) {
	p := SSEParser{MaxLine: 8}
	err := p.Feed([]byte("data: 0123456789\n\n"), func(SSEEvent) {})
	if err == nil || !strings.Contains(err.Error(), "longer than 8") {
		t.Fatalf("err = %v, want line limit error", err)
	}
	p = SSEParser{MaxLine: 8}
	if err := p.Feed([]byte("data: 01"), func(SSEEvent) {}); err != nil {
		t.Fatal(err)
	}
	if err := p.Feed([]byte("23456789"), func(SSEEvent) {}); err == nil {
		t.Fatal("a line growing past the limit across reads was accepted")
	}
}

func TestAppendSSE(t *testing.T) {
	tests := []struct {
		name string
		ev   SSEEvent
		want string
	}{
		{"plain", SSEEvent{Data: "x"}, "data: x\n\n"},
		{"id and type", SSEEvent{ID: "3", Type: "tick", Data: "x"}, "id: 3\nevent: tick\ndata: x\n\n"},
		{"message type implicit", SSEEvent{Type: "message", Data: "x"}, "data: x\n\n"},
		{"multi-line", SSEEvent{Data: "a\nb\r\nc\rd"}, "data: a\ndata: b\ndata: c\ndata: d\n\n"},
		{"empty", SSEEvent{}, "data: \n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendSSE(nil, tt.ev)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	for _, bad := range []SSEEvent{{ID: "a\nb"}, {ID: "a\x00"}, {Type: "x\ry"}} {
		if _, err := AppendSSE(nil, bad); err == nil {
			t.Errorf("AppendSSE(%q) accepted a field with a line break or NUL", bad)
		}
	}
}

// normalizeLines maps CRLF and CR to LF, what any SSE round trip does to data.
func normalizeLines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

func FuzzSSERoundTrip(f *testing.F) {
	f.Add("7", "tick", "hello\nworld", 3)
	f.Add("", "", "", 0)
	f.Add("1", "message", "a\r\nb\rc", 1)
	f.Fuzz(func(t *testing.T, id, typ, data string, cut int) {
		ev := SSEEvent{ID: id, Type: typ, Data: data}
		frame, err := AppendSSE(nil, ev)
		if err != nil {
			return
		}
		// Prefix a comment so a leading BOM in data cannot be mistaken for the stream's.
		input := ": x\n" + string(frame)
		if cut < 0 {
			cut = -cut
		}
		cut %= len(input) + 1
		events, _, _ := parseAll(t, input, cut)
		wantType := typ
		if wantType == "" {
			wantType = "message"
		}
		want := []SSEEvent{{ID: id, Type: wantType, Data: normalizeLines(data)}}
		if !reflect.DeepEqual(events, want) {
			t.Fatalf("round trip of %#v gave %#v via %q", ev, events, input)
		}
	})
}

func FuzzSSEParser(f *testing.F) {
	f.Add([]byte("data: a\r\n\r\nid: 1\ndata\n\n"), 5)
	f.Add([]byte("\xEF\xBB\xBF:c\rretry: 10\r\r"), 2)
	f.Fuzz(func(t *testing.T, input []byte, cut int) {
		// Any input in any split must give the same events as in one piece, and
		// never panic.
		if cut < 0 {
			cut = -cut
		}
		cut %= len(input) + 1
		whole, _, _ := parseAll(t, string(input))
		split, _, _ := parseAll(t, string(input), cut)
		if !reflect.DeepEqual(whole, split) {
			t.Fatalf("split at %d changed events: %#v vs %#v", cut, split, whole)
		}
	})
}

func TestSSEParserPending(t *testing.T) {
	tests := []struct {
		in      string
		pending int
	}{
		{"data: a\n\n", 0},
		{": comment\n\nid: 3\n", 0},
		{"data: ab\n", 3},    // data without its blank line
		{"data: a\n\nda", 2}, // a partial line
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var p SSEParser
			if err := p.Feed([]byte(tt.in), func(SSEEvent) {}); err != nil {
				t.Fatal(err)
			}
			if got := p.Pending(); got != tt.pending {
				t.Fatalf("Pending() = %d, want %d", got, tt.pending)
			}
		})
	}
}

// TestSSELastEventID: the last event ID is set at dispatch, id-only blocks
// included, persists across events, is cleared by an empty id, ignores an
// id with NUL, is not set by a block that never ended, and starts from the
// replaced connection's id after ResumeFrom.
func TestSSELastEventID(t *testing.T) {
	tests := []struct {
		name, resume, stream, want string
	}{
		{"none", "", "data: a\n\n", ""},
		{"set and kept", "", "id: 7\ndata: a\n\ndata: b\n\n", "7"},
		{"id-only block", "", "id: 9\n\n", "9"},
		{"cleared by empty id", "", "id: 3\ndata: a\n\nid\ndata: b\n\n", ""},
		{"NUL ignored", "", "id: 3\ndata: a\n\nid: 4\x005\ndata: b\n\n", "3"},
		{"unterminated block not dispatched", "", "id: 3\ndata: a\n\nid: 4\ndata: b\n", "3"},
		{"resumed", "12", "data: a\n\n", "12"},
		{"resumed then replaced", "12", "id: 13\ndata: a\n\n", "13"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p SSEParser
			p.ResumeFrom(tt.resume)
			var ids []string
			if err := p.Feed([]byte(tt.stream), func(ev SSEEvent) { ids = append(ids, ev.ID) }); err != nil {
				t.Fatal(err)
			}
			if got := p.LastEventID(); got != tt.want {
				t.Fatalf("LastEventID() = %q, want %q (events carried %q)", got, tt.want, ids)
			}
		})
	}
}
