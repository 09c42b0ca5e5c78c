package loadgen

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/pushbench/pushbench/results"
)

// latencyBucketEdges are the upper bounds, in seconds, of the classic
// Prometheus buckets the live latency histogram is shown in: 100 µs to the
// HdrHistogram's one-minute ceiling, 1-2.5-5 per decade.
var latencyBucketEdges = []float64{
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
}

// LatencyBuckets is a latency histogram in the fixed buckets the live
// metrics show it in. It is what a worker of a coordinated run sends its
// coordinator each second instead of its HdrHistogram: a fixed size
// whatever the samples, and summing the workers' buckets gives exactly the
// buckets of their merged histogram, so the coordinator's live histogram is
// the exact merge of theirs.
type LatencyBuckets struct {
	Count uint64  `json:"count"`
	Sum   float64 `json:"sum"` // seconds, each sample at its HdrHistogram bucket's midpoint
	// PerEdge counts the samples counted at each of latencyBucketEdges (not
	// cumulative): those above the previous edge and at or below this one.
	// Samples above the last edge are in Count only.
	PerEdge []uint64 `json:"per_edge"`
}

// NewLatencyBuckets puts an HdrHistogram (nil: none) into the fixed buckets.
// A recorded value is counted at its HdrHistogram bucket's lowest
// equivalent value (three significant digits), so an edge is exact to 0.1%,
// and a sample lands in the same bucket whichever histogram it was merged
// into.
func NewLatencyBuckets(h *results.Histogram) LatencyBuckets {
	b := LatencyBuckets{PerEdge: make([]uint64, len(latencyBucketEdges))}
	if h == nil {
		return b
	}
	for _, bar := range h.Raw().Distribution() {
		if bar.Count == 0 {
			continue
		}
		from := (time.Duration(bar.From) * time.Microsecond).Seconds()
		mid := (time.Duration(bar.From+bar.To) * time.Microsecond / 2).Seconds()
		b.Count += uint64(bar.Count)
		b.Sum += mid * float64(bar.Count)
		for i, edge := range latencyBucketEdges {
			if from <= edge {
				b.PerEdge[i] += uint64(bar.Count)
				break
			}
		}
	}
	return b
}

// Add adds o's samples to b.
func (b *LatencyBuckets) Add(o LatencyBuckets) {
	if len(b.PerEdge) < len(o.PerEdge) {
		b.PerEdge = append(b.PerEdge, make([]uint64, len(o.PerEdge)-len(b.PerEdge))...)
	}
	b.Count += o.Count
	b.Sum += o.Sum
	for i, n := range o.PerEdge {
		b.PerEdge[i] += n
	}
}

// UnmarshalJSON refuses buckets that do not fit the edges (a peer built
// with other edges) or count more samples in its buckets than in all.
func (b *LatencyBuckets) UnmarshalJSON(data []byte) error {
	type plain LatencyBuckets
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	if len(p.PerEdge) != len(latencyBucketEdges) {
		return fmt.Errorf("latency buckets: %d counts, want %d (one per edge)", len(p.PerEdge), len(latencyBucketEdges))
	}
	left := p.Count
	for _, n := range p.PerEdge {
		if n > left {
			return fmt.Errorf("latency buckets: more samples in the buckets than the count %d", p.Count)
		}
		left -= n
	}
	*b = LatencyBuckets(p)
	return nil
}

// prometheus is b as a Prometheus classic histogram: sample count, sum in
// seconds, and the cumulative count at or below each edge.
func (b LatencyBuckets) prometheus() (count uint64, sum float64, buckets map[float64]uint64) {
	buckets = make(map[float64]uint64, len(latencyBucketEdges))
	var cumulative uint64
	for i, edge := range latencyBucketEdges {
		if i < len(b.PerEdge) {
			cumulative += b.PerEdge[i]
		}
		buckets[edge] = cumulative
	}
	return b.Count, b.Sum, buckets
}
