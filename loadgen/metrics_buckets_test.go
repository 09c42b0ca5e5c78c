package loadgen_test

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
)

// spreadSamples records n latencies from 40 µs to past the one-minute
// ceiling of the buckets into parts histograms, round robin, and returns
// them with one histogram of all the samples.
func spreadSamples(n, parts int) (split []*results.Histogram, all *results.Histogram) {
	all = results.NewHistogram()
	for range parts {
		split = append(split, results.NewHistogram())
	}
	for i := range n {
		// Geometric steps from 40 µs to about 90 s.
		d := time.Duration(40e3 * math.Pow(90e9/40e3, float64(i)/float64(n-1)))
		split[i%parts].Record(d)
		all.Record(d)
	}
	return split, all
}

// TestLatencyBucketsSumIsTheMergedHistogramsBuckets: the buckets of
// several histograms, added, are exactly the buckets of their merge, which
// is what makes a coordinator's live histogram the exact merge of its
// workers'.
func TestLatencyBucketsSumIsTheMergedHistogramsBuckets(t *testing.T) {
	for _, tc := range []struct {
		name       string
		n, workers int
	}{
		{"one worker", 1000, 1},
		{"three workers", 1000, 3},
		{"more workers than samples", 2, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			split, all := spreadSamples(tc.n, tc.workers)
			var sum loadgen.LatencyBuckets
			for _, h := range split {
				sum.Add(loadgen.NewLatencyBuckets(h))
			}
			want := loadgen.NewLatencyBuckets(all)
			if sum.Count != uint64(all.Count()) || sum.Count != want.Count || !slices.Equal(sum.PerEdge, want.PerEdge) {
				t.Fatalf("summed buckets %d samples %v\nmerged histogram's %d samples %v", sum.Count, sum.PerEdge, want.Count, want.PerEdge)
			}
			if math.Abs(sum.Sum-want.Sum) > 1e-9*want.Sum {
				t.Fatalf("summed sum %g, merged %g", sum.Sum, want.Sum)
			}
		})
	}
}

// TestLatencyBucketsJSON: buckets survive the wire; buckets for other
// edges, or counting more samples than the count, are refused.
func TestLatencyBucketsJSON(t *testing.T) {
	_, all := spreadSamples(100, 1)
	b := loadgen.NewLatencyBuckets(all)
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var back loadgen.LatencyBuckets
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Count != b.Count || back.Sum != b.Sum || !slices.Equal(back.PerEdge, b.PerEdge) {
		t.Fatalf("round trip %+v, want %+v", back, b)
	}
	edges := len(b.PerEdge)
	for _, tc := range []struct {
		name, json, want string
	}{
		{"too few counts", `{"count":1,"sum":0.1,"per_edge":[1]}`, "1 counts, want " + strconv.Itoa(edges)},
		{"no counts", `{"count":0,"sum":0}`, "0 counts, want " + strconv.Itoa(edges)},
		{"more in buckets than counted", `{"count":1,"sum":0.1,"per_edge":[1,1` + strings.Repeat(",0", edges-2) + `]}`, "more samples in the buckets than the count 1"},
		{"not an object", `[1]`, "cannot unmarshal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got loadgen.LatencyBuckets
			if err := json.Unmarshal([]byte(tc.json), &got); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("decode %s: %v, want an error containing %q", tc.json, err, tc.want)
			}
		})
	}
}

// gatherLatency is the live latency histogram m shows for transport.
func gatherLatency(t *testing.T, m *loadgen.Metrics, transport string) *dto.Histogram {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "pushbench_generator_latency_seconds" {
			continue
		}
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				if l.GetName() == "transport" && l.GetValue() == transport {
					return metric.GetHistogram()
				}
			}
		}
	}
	t.Fatalf("no latency histogram for %s", transport)
	return nil
}

// TestMetricsShowCombinedBuckets: a snapshot that carries only buckets (a
// coordinator's, summed over its workers) shows the same live histogram as
// one carrying the merged HdrHistogram, and a finished run adds to it.
func TestMetricsShowCombinedBuckets(t *testing.T) {
	split, all := spreadSamples(500, 3)
	var combined loadgen.LatencyBuckets
	for _, h := range split {
		combined.Add(loadgen.NewLatencyBuckets(h))
	}
	fromBuckets, fromHistogram := loadgen.NewMetrics(), loadgen.NewMetrics()
	fromBuckets.Observe(loadgen.Progress{Transport: "ws", Phase: loadgen.PhaseMeasuring, Received: all.Count(), LatencyBuckets: &combined})
	fromHistogram.Observe(loadgen.Progress{Transport: "ws", Phase: loadgen.PhaseMeasuring, Received: all.Count(), Latency: all})
	got, want := gatherLatency(t, fromBuckets, "ws"), gatherLatency(t, fromHistogram, "ws")
	if got.GetSampleCount() != uint64(all.Count()) || got.GetSampleCount() != want.GetSampleCount() {
		t.Fatalf("live count %d from buckets, %d from the histogram; want %d", got.GetSampleCount(), want.GetSampleCount(), all.Count())
	}
	for i, b := range got.GetBucket() {
		if w := want.GetBucket()[i]; b.GetUpperBound() != w.GetUpperBound() || b.GetCumulativeCount() != w.GetCumulativeCount() {
			t.Errorf("bucket le=%g: %d from buckets, %d from the histogram", b.GetUpperBound(), b.GetCumulativeCount(), w.GetCumulativeCount())
		}
	}
	// The run ends: its merged result replaces the live snapshot.
	fromBuckets.Finish("ws", &results.TransportResult{Histograms: map[string]*results.Histogram{results.HistLatency: all}})
	if n := gatherLatency(t, fromBuckets, "ws").GetSampleCount(); n != uint64(all.Count()) {
		t.Fatalf("after Finish: %d samples, want the result's %d", n, all.Count())
	}
}
