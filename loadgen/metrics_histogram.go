package loadgen

import (
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

// latencyBuckets converts an HdrHistogram into a Prometheus classic
// histogram: sample count, sum in seconds, and the cumulative count at or
// below each edge. A recorded value is counted at its HdrHistogram bucket's
// lowest equivalent value (three significant digits), so an edge is exact
// to 0.1%.
func latencyBuckets(h *results.Histogram) (count uint64, sum float64, buckets map[float64]uint64) {
	perEdge := make([]uint64, len(latencyBucketEdges))
	if h != nil {
		for _, bar := range h.Raw().Distribution() {
			if bar.Count == 0 {
				continue
			}
			from := (time.Duration(bar.From) * time.Microsecond).Seconds()
			mid := (time.Duration(bar.From+bar.To) * time.Microsecond / 2).Seconds()
			count += uint64(bar.Count)
			sum += mid * float64(bar.Count)
			for i, edge := range latencyBucketEdges {
				if from <= edge {
					perEdge[i] += uint64(bar.Count)
					break
				}
			}
		}
	}
	buckets = make(map[float64]uint64, len(latencyBucketEdges))
	var cumulative uint64
	for i, edge := range latencyBucketEdges {
		cumulative += perEdge[i]
		buckets[edge] = cumulative
	}
	return count, sum, buckets
}
