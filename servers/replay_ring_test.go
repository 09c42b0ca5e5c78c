package servers

import (
	"strings"
	"testing"

	"github.com/pushbench/pushbench/internal/wire"
)

// ringMessage is a message with event id id and a payload of n bytes.
func ringMessage(id uint64, n int) *Message {
	m := NewMessage(wire.Envelope{Seq: id, TS: 1, Data: strings.Repeat("x", n)})
	m.ID = id
	return m
}

func ringIDs(entries []replayEntry) []uint64 {
	ids := make([]uint64, len(entries))
	for i, e := range entries {
		ids[i] = e.id
	}
	return ids
}

func TestReplayRingBounds(t *testing.T) {
	one := newReplayEntry(ringMessage(1, 10)).size // ids 1-9; ids 10+ are a byte larger
	tests := []struct {
		name     string
		maxLen   int
		maxBytes int64
		push     int
		size     int
		wantIDs  []uint64
	}{
		{"count bound", 3, 1 << 20, 10, 10, []uint64{8, 9, 10}},
		{"byte bound", 100, 2*one + one/2, 10, 10, []uint64{9, 10}},
		{"both, count first", 2, 4 * one, 5, 10, []uint64{4, 5}},
		{"under both", 10, 1 << 20, 4, 10, []uint64{1, 2, 3, 4}},
		{"message larger than the byte bound is not kept", 10, 100, 3, 1000, []uint64{}},
		{"disabled", -1, 1 << 20, 3, 10, []uint64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReplayRing(tt.maxLen, tt.maxBytes)
			for i := 1; i <= tt.push; i++ {
				r.push(ringMessage(uint64(i), tt.size))
			}
			if got := ringIDs(r.all()); !equalIDs(got, tt.wantIDs) {
				t.Fatalf("kept %v, want %v", got, tt.wantIDs)
			}
			var wantBytes int64
			for _, id := range tt.wantIDs {
				wantBytes += newReplayEntry(ringMessage(id, tt.size)).size
			}
			if r.bytes != wantBytes {
				t.Fatalf("bytes %d, want %d", r.bytes, wantBytes)
			}
			if r.len() != len(tt.wantIDs) {
				t.Fatalf("len %d, want %d", r.len(), len(tt.wantIDs))
			}
		})
	}
}

func TestReplayRingAfterAndCompaction(t *testing.T) {
	r := newReplayRing(5, 1<<30)
	for i := uint64(1); i <= 1000; i++ {
		r.push(ringMessage(i*2, 1)) // even ids: after() must work between ids too
		if len(r.entries) > 2*5+1 {
			t.Fatalf("backing slice holds %d entries for a ring of 5", len(r.entries))
		}
	}
	tests := []struct {
		after uint64
		want  []uint64
	}{
		{0, []uint64{1992, 1994, 1996, 1998, 2000}},
		{1993, []uint64{1994, 1996, 1998, 2000}},
		{1994, []uint64{1996, 1998, 2000}},
		{2000, []uint64{}},
		{5000, []uint64{}},
	}
	for _, tt := range tests {
		if got := ringIDs(r.after(tt.after)); !equalIDs(got, tt.want) {
			t.Errorf("after(%d) = %v, want %v", tt.after, got, tt.want)
		}
	}
	if r.oldest() != 1992 || r.newest() != 2000 {
		t.Errorf("oldest %d newest %d", r.oldest(), r.newest())
	}
}

func equalIDs(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
