package results

import (
	"errors"
	"testing"
	"time"
)

func workerResult(index int, samples []time.Duration, c Counters) *TransportResult {
	h := NewHistogram()
	for _, d := range samples {
		h.Record(d)
	}
	return &TransportResult{
		Transport:  "sse",
		Workload:   Workload{Pattern: "fanout", Rate: 10, PayloadBytes: 64, Duration: Duration(10 * time.Second)},
		Workers:    []Worker{{Index: index, Count: 3}},
		Counters:   c,
		Histograms: map[string]*Histogram{HistLatency: h},
		Received:   []int64{int64(index), 10, 20},
		Errors:     map[string]*ErrorClass{"read": {Count: 1, First: "worker " + string(rune('0'+index))}},
		Generator:  []Generator{{Worker: index}},
	}
}

func TestMergeEqualsOneHistogramOfAllSamples(t *testing.T) {
	all := NewHistogram()
	var parts []*TransportResult
	for i := range 3 {
		samples := randomSamples(uint64(i+10), 5000+i*1000)
		for _, d := range samples {
			all.Record(d)
		}
		parts = append(parts, workerResult(i, samples, Counters{ConnReady: 100, Expected: 1000, Received: 990, Lost: 10}))
	}
	merged, err := MergeTransport(parts...)
	if err != nil {
		t.Fatal(err)
	}
	got := merged.Hist(HistLatency)
	if !got.Equal(all) {
		t.Fatal("merged histogram differs from one holding every sample")
	}
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999, 0.9999} {
		if got.Quantile(q) != all.Quantile(q) {
			t.Fatalf("q%v: merged %v, single %v", q, got.Quantile(q), all.Quantile(q))
		}
	}
	if c := merged.Counters; c.ConnReady != 300 || c.Expected != 3000 || c.Received != 2970 || c.Lost != 30 {
		t.Fatalf("counters %+v", c)
	}
	if want := []int64{0 + 1 + 2, 30, 60}; len(merged.Received) != 3 || merged.Received[0] != want[0] || merged.Received[2] != want[2] {
		t.Fatalf("series %v, want %v", merged.Received, want)
	}
	if merged.Errors["read"].Count != 3 || len(merged.Workers) != 3 || len(merged.Generator) != 3 {
		t.Fatalf("errors %+v workers %v", merged.Errors["read"], merged.Workers)
	}
}

func TestMergeRefusesDifferentWorkloads(t *testing.T) {
	a := workerResult(0, nil, Counters{})
	b := workerResult(1, nil, Counters{})
	b.Workload.Rate = 20
	if _, err := MergeTransport(a, b); !errors.Is(err, ErrIncompatible) {
		t.Fatalf("err = %v, want ErrIncompatible", err)
	}
	c := workerResult(1, nil, Counters{})
	c.Transport = "ws"
	if _, err := MergeTransport(a, c); !errors.Is(err, ErrIncompatible) {
		t.Fatalf("err = %v, want ErrIncompatible", err)
	}
}
