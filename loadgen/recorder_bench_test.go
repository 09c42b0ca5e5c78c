package loadgen

import (
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
)

// BenchmarkShardDelivered is the recording every measured delivery costs: a
// latency into its shard's histogram and a count into the per-second series.
func BenchmarkShardDelivered(b *testing.B) {
	r := newRecorder(16)
	sh := r.shard(3)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		sh.delivered(time.Duration(i%5000)*time.Microsecond, time.Duration(i)*time.Millisecond%(20*time.Second))
	}
}

// BenchmarkHistogramRecord is the histogram alone.
func BenchmarkHistogramRecord(b *testing.B) {
	h := results.NewHistogram()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		h.Record(time.Duration(i%5000) * time.Microsecond)
	}
}

// BenchmarkSeqTrackerObserve is the per-message loss and order bookkeeping.
func BenchmarkSeqTrackerObserve(b *testing.B) {
	t := newSeqTracker(0, 1<<20)
	b.ReportAllocs()
	var seq uint64
	for b.Loop() {
		t.observe(seq % (1 << 20))
		seq++
	}
}
