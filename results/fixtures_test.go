package results

import (
	"encoding/json"
	"time"
)

func runOf(name string, scenario string, trs ...*TransportResult) *Run {
	return &Run{Schema: SchemaVersion, Name: name, Scenario: json.RawMessage(scenario), Transports: trs}
}

func latencyResult(transport string, worker int, samples ...time.Duration) *TransportResult {
	h := NewHistogram()
	for _, d := range samples {
		h.Record(d)
	}
	return &TransportResult{
		Transport:  transport,
		Workload:   Workload{Pattern: "fanout", Rate: 10, PayloadBytes: 64, Duration: Duration(10 * time.Second)},
		Workers:    []Worker{{Index: worker, Count: 2}},
		Counters:   Counters{Expected: int64(len(samples)), Received: int64(len(samples))},
		Histograms: map[string]*Histogram{HistLatency: h},
	}
}
