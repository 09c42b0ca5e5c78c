package servers

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/pushbench/pushbench/internal/wire"
)

func TestReplayRecordRoundTrip(t *testing.T) {
	envs := []wire.Envelope{
		{Seq: 1, TS: 2, Data: "x"},
		{Seq: 18446744073709551615, TS: -5, Topic: "t", Event: "tick", Data: "line\nbreak \"quoted\" ü"},
	}
	for _, env := range envs {
		rec := appendReplayRecord(nil, 1704067200000001, env.AppendJSON(nil))
		if bytes.Count(rec, []byte{'\n'}) != 1 || rec[len(rec)-1] != '\n' {
			t.Fatalf("record %q is not one line", rec)
		}
		id, got, err := decodeReplayRecord(rec[:len(rec)-1])
		if err != nil || id != 1704067200000001 || got != env {
			t.Fatalf("decode %q = %d %+v %v, want %+v", rec, id, got, err, env)
		}
	}
}

func TestReplayRecordRejects(t *testing.T) {
	good := appendReplayRecord(nil, 42, wire.Envelope{Seq: 1, TS: 2, Data: "x"}.AppendJSON(nil))
	good = good[:len(good)-1]
	flipped := bytes.Clone(good)
	flipped[len(flipped)-3] = 'y'
	tests := []struct {
		name string
		line string
	}{
		{"empty", ""},
		{"no checksum", "42"},
		{"short checksum", "42 abc {}"},
		{"bad id", "x4 00000000 {}"},
		{"zero id", "0 00000000 {}"},
		{"signed id", "+42" + string(good[2:])},
		{"bad hex", "42 zzzzzzzz {}"},
		{"flipped byte", string(flipped)},
		{"torn", string(good[:len(good)-5])},
		{"other id", "43" + string(good[2:])},
		{"not an envelope", string(appendReplayRecord(nil, 1, []byte(`{"a":1}`)))[:len(appendReplayRecord(nil, 1, []byte(`{"a":1}`)))-1]},
		{"event with line break", strings.TrimSuffix(string(appendReplayRecord(nil, 1, []byte(`{"seq":1,"ts":1,"event":"a\nb","data":""}`))), "\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := decodeReplayRecord([]byte(tt.line)); !errors.Is(err, errReplayRecord) {
				t.Fatalf("decode %q: %v, want errReplayRecord", tt.line, err)
			}
		})
	}
}

func TestReadReplayRecordsSkipsBadLines(t *testing.T) {
	rec := func(id uint64, data string) string {
		return string(appendReplayRecord(nil, id, wire.Envelope{Seq: id, TS: 1, Data: data}.AppendJSON(nil)))
	}
	long := rec(3, strings.Repeat("z", 300<<10)) // longer than the limit and than one read chunk
	file := rec(1, "a") + "garbage\n" + rec(2, "b") + long + rec(4, "d") + rec(5, "e")[:20]
	var ids []uint64
	var badLines []int
	err := readReplayRecords(strings.NewReader(file), 100<<10, func(id uint64, env wire.Envelope) {
		ids = append(ids, id)
	}, func(line int, err error) {
		badLines = append(badLines, line)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !equalIDs(ids, []uint64{1, 2, 4}) {
		t.Errorf("records %v, want 1 2 4", ids)
	}
	if len(badLines) != 3 || badLines[0] != 2 || badLines[1] != 4 || badLines[2] != 6 {
		t.Errorf("bad lines %v, want 2 4 6", badLines)
	}
}

// FuzzReplayRecord: decoding never panics, and whatever decodes encodes
// back to a record that decodes the same.
func FuzzReplayRecord(f *testing.F) {
	f.Add(strings.TrimSuffix(string(appendReplayRecord(nil, 7, wire.Envelope{Seq: 1, TS: 2, Event: "e", Data: "x"}.AppendJSON(nil))), "\n"))
	f.Add("1 00000000 {}")
	f.Add("")
	f.Fuzz(func(t *testing.T, line string) {
		id, env, err := decodeReplayRecord([]byte(line))
		if err != nil {
			return
		}
		rec := appendReplayRecord(nil, id, env.AppendJSON(nil))
		id2, env2, err := decodeReplayRecord(rec[:len(rec)-1])
		if err != nil || id2 != id || env2 != env {
			t.Fatalf("%q decoded to %d %+v, re-encoded %q decodes to %d %+v %v", line, id, env, rec, id2, env2, err)
		}
	})
}
