package loadgen

import "testing"

func TestSeqTracker(t *testing.T) {
	tests := []struct {
		name                     string
		lo, n                    uint64
		seqs                     []uint64
		received, dup, ooo, lost int64
		complete                 bool
	}{
		{"in order", 3, 4, []uint64{1, 2, 3, 4, 5, 6}, 4, 0, 0, 0, true},
		{"gap is loss", 1, 5, []uint64{1, 2, 4, 5}, 4, 0, 0, 1, false},
		{"duplicate is not out of order", 1, 3, []uint64{1, 2, 2, 3}, 3, 1, 0, 0, true},
		{"old duplicate counts once, as duplicate", 1, 3, []uint64{1, 2, 3, 1}, 3, 1, 0, 0, true},
		{"reordered", 1, 4, []uint64{1, 3, 2, 4}, 4, 0, 1, 0, true},
		{"warm-up reorder is not counted", 5, 2, []uint64{3, 2, 5, 6}, 2, 0, 0, 0, true},
		{"measured after later warm-up is out of order", 2, 2, []uint64{1, 3, 2}, 2, 0, 1, 0, true},
		{"after the window ignored", 1, 2, []uint64{1, 2, 3, 3}, 2, 0, 0, 0, true},
		{"far beyond the window ignored", 1, 64, []uint64{1 << 40}, 0, 0, 0, 64, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newSeqTracker(tt.lo, tt.n)
			for _, s := range tt.seqs {
				tr.observe(s)
			}
			if tr.received != tt.received || tr.duplicated != tt.dup || tr.outOfOrder != tt.ooo || tr.lost() != tt.lost || tr.complete() != tt.complete {
				t.Fatalf("received %d dup %d ooo %d lost %d complete %v; want %d %d %d %d %v",
					tr.received, tr.duplicated, tr.outOfOrder, tr.lost(), tr.complete(),
					tt.received, tt.dup, tt.ooo, tt.lost, tt.complete)
			}
		})
	}
}
