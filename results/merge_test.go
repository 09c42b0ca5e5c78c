package results

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// partCounters gives every counter of part i its own value, (f+1)·100^i for
// the f-th field, so the merged sum shows which part and which field went
// missing, and a counter added to Counters but not to add fails the test.
func partCounters(i int) Counters {
	var c Counters
	v := reflect.ValueOf(&c).Elem()
	scale := int64(1)
	for range i {
		scale *= 100
	}
	for f := range v.NumField() {
		v.Field(f).SetInt(int64(f+1) * scale)
	}
	return c
}

// workerResult is part i of three of one sse fan-out run. Each part differs in
// every field; the middle part alone records a first_message histogram and a
// "write" error class.
func workerResult(i int, samples []time.Duration) *TransportResult {
	lat, conn := NewHistogram(), NewHistogram()
	for _, d := range samples {
		lat.Record(d)
		conn.Record(d / 10)
	}
	scale := int64(1)
	for range i {
		scale *= 100
	}
	tr := &TransportResult{
		Transport:  "sse",
		Target:     "http://127.0.0.1:1",
		Workload:   Workload{Pattern: "fanout", Rate: 10, PayloadBytes: 64, Duration: Duration(10 * time.Second)},
		Workers:    []Worker{{Index: i, Count: 3}},
		Counters:   partCounters(i),
		Histograms: map[string]*Histogram{HistLatency: lat, HistConnect: conn},
		Errors:     map[string]*ErrorClass{"read": {Count: scale, First: fmt.Sprintf("worker %d read", i)}},
		Generator:  []Generator{{Worker: i, CPUPercent: float64(10 * (i + 1)), Cores: 2}},
		Resources:  []Resources{{Worker: i, Held: 100 * int64(i+1), GeneratorRSS: 1 << (20 + i)}},
		Events:     []Event{{Worker: i, Name: "pause", At: Duration(time.Duration(i) * time.Second)}},
	}
	for s := range i + 2 { // series of 2, 3 and 4 seconds
		tr.Received = append(tr.Received, int64(s+1)*scale)
	}
	if i == 1 {
		first := NewHistogram()
		first.Record(7 * time.Millisecond)
		tr.Histograms[HistFirstMessage] = first
		tr.Errors["write"] = &ErrorClass{Count: 5, First: "worker 1 write"}
	}
	return tr
}

// TestMergeEqualsOneHistogramOfAllSamples merges three parts that differ in
// every field and checks each field of the merge against all three, so a merge
// that dropped any part (the middle one included) fails.
func TestMergeEqualsOneHistogramOfAllSamples(t *testing.T) {
	allLat, allConn := NewHistogram(), NewHistogram()
	var parts []*TransportResult
	for i := range 3 {
		samples := randomSamples(uint64(i+10), 5000+i*1000)
		for _, d := range samples {
			allLat.Record(d)
			allConn.Record(d / 10)
		}
		parts = append(parts, workerResult(i, samples))
	}
	merged, err := MergeTransport(parts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("identity", func(t *testing.T) {
		if merged.Transport != "sse" || merged.Target != parts[0].Target || merged.Workload != parts[0].Workload {
			t.Fatalf("transport %q target %q workload %+v", merged.Transport, merged.Target, merged.Workload)
		}
	})
	t.Run("counters", func(t *testing.T) {
		var want Counters
		v := reflect.ValueOf(&want).Elem()
		for f := range v.NumField() {
			v.Field(f).SetInt(int64(f+1) * 10101) // 1 + 100 + 10000 per unit
		}
		if merged.Counters != want {
			t.Fatalf("counters %+v, want %+v", merged.Counters, want)
		}
	})
	t.Run("histograms", func(t *testing.T) {
		if len(merged.Histograms) != 3 {
			t.Fatalf("histograms %v, want latency, connect and first_message", reflect.ValueOf(merged.Histograms).MapKeys())
		}
		for name, want := range map[string]*Histogram{HistLatency: allLat, HistConnect: allConn, HistFirstMessage: parts[1].Hist(HistFirstMessage)} {
			got := merged.Hist(name)
			if !got.Equal(want) {
				t.Fatalf("%s: merged histogram (count %d) differs from one holding every sample (count %d)", name, got.Count(), want.Count())
			}
			for _, q := range []float64{0.5, 0.9, 0.99, 0.999, 0.9999} {
				if got.Quantile(q) != want.Quantile(q) {
					t.Fatalf("%s q%v: merged %v, single %v", name, q, got.Quantile(q), want.Quantile(q))
				}
			}
		}
	})
	t.Run("series", func(t *testing.T) {
		if want := []int64{10101, 20202, 30300, 40000}; !reflect.DeepEqual(merged.Received, want) {
			t.Fatalf("series %v, want %v", merged.Received, want)
		}
	})
	t.Run("errors", func(t *testing.T) {
		want := map[string]*ErrorClass{
			"read":  {Count: 10101, First: "worker 0 read"},
			"write": {Count: 5, First: "worker 1 write"},
		}
		if !reflect.DeepEqual(merged.Errors, want) {
			t.Fatalf("errors %v, want %v", merged.Errors, want)
		}
	})
	t.Run("per worker", func(t *testing.T) {
		var workers []Worker
		var generator []Generator
		var resources []Resources
		var events []Event
		for _, p := range parts {
			events = append(events, p.Events...)
			workers = append(workers, p.Workers...)
			generator = append(generator, p.Generator...)
			resources = append(resources, p.Resources...)
		}
		if len(workers) != 3 || !reflect.DeepEqual(merged.Workers, workers) {
			t.Fatalf("workers %+v, want %+v", merged.Workers, workers)
		}
		if len(generator) != 3 || !reflect.DeepEqual(merged.Generator, generator) {
			t.Fatalf("generator %+v, want %+v", merged.Generator, generator)
		}
		if len(resources) != 3 || !reflect.DeepEqual(merged.Resources, resources) {
			t.Fatalf("resources %+v, want %+v", merged.Resources, resources)
		}
		if len(events) != 3 || !reflect.DeepEqual(merged.Events, events) {
			t.Fatalf("events %+v, want %+v", merged.Events, events)
		}
	})
}

func TestMergeRefusesDifferentWorkloads(t *testing.T) {
	tests := []struct {
		name   string
		change func(*TransportResult)
	}{
		{"rate", func(tr *TransportResult) { tr.Workload.Rate = 20 }},
		{"pattern", func(tr *TransportResult) { tr.Workload.Pattern = "echo" }},
		{"payload", func(tr *TransportResult) { tr.Workload.PayloadBytes = 128 }},
		{"duration", func(tr *TransportResult) { tr.Workload.Duration = Duration(time.Second) }},
		{"transport", func(tr *TransportResult) { tr.Transport = "ws" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b, c := workerResult(0, nil), workerResult(1, nil), workerResult(2, nil)
			tt.change(b)
			if _, err := MergeTransport(a, b, c); !errors.Is(err, ErrIncompatible) {
				t.Fatalf("err = %v, want ErrIncompatible", err)
			}
		})
	}
}

func TestMergeRuns(t *testing.T) {
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	worker := func(tr *TransportResult, index int) *TransportResult {
		tr.Workers = []Worker{{Index: index, Count: 3}}
		return tr
	}
	a := runOf("s", `{"name":"s"}`, worker(latencyResult("ws", 0, time.Millisecond, 3*time.Millisecond), 0), worker(latencyResult("sse", 0, time.Millisecond), 0))
	b := runOf("s", `{ "name": "s" }`, worker(latencyResult("ws", 0, 2*time.Millisecond), 1))
	c := runOf("s", `{"name":"s"}`, worker(latencyResult("ws", 0, 4*time.Millisecond), 2), worker(latencyResult("sse", 0, 5*time.Millisecond), 2))
	a.Started, b.Started, c.Started = start.Add(time.Second), start, start.Add(2*time.Second)
	a.Env.Version = "first"
	m, err := MergeRuns(a, b, c)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "s" || !m.Started.Equal(start) || string(m.Scenario) != string(a.Scenario) || m.Env != a.Env || m.Schema != SchemaVersion {
		t.Fatalf("run: name %q started %v scenario %s env %+v", m.Name, m.Started, m.Scenario, m.Env)
	}
	tests := []struct {
		transport string
		parts     []*TransportResult
		workers   []Worker
	}{
		{"ws", []*TransportResult{a.Transports[0], b.Transports[0], c.Transports[0]}, []Worker{{Index: 0, Count: 3}, {Index: 1, Count: 3}, {Index: 2, Count: 3}}},
		{"sse", []*TransportResult{a.Transports[1], c.Transports[1]}, []Worker{{Index: 0, Count: 3}, {Index: 2, Count: 3}}},
	}
	if len(m.Transports) != len(tests) {
		t.Fatalf("%d transports, want %d", len(m.Transports), len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.transport, func(t *testing.T) {
			got := m.Transports[i]
			want := NewHistogram()
			var received int64
			for _, p := range tt.parts {
				want.Merge(p.Hist(HistLatency))
				received += p.Counters.Received
			}
			if got.Transport != tt.transport || got.Counters.Received != received || !got.Hist(HistLatency).Equal(want) || !reflect.DeepEqual(got.Workers, tt.workers) {
				t.Fatalf("merged %+v, want %d received from workers %v", got, received, tt.workers)
			}
		})
	}
	other := runOf("other", `{"name":"other"}`, latencyResult("ws", 1))
	if _, err := MergeRuns(a, other); !errors.Is(err, ErrIncompatible) {
		t.Fatalf("different scenarios merged: %v", err)
	}
	if _, err := MergeRuns(a, b, a); err == nil || !strings.Contains(err.Error(), "worker 0/3 appears in results 1 and 3") {
		t.Fatalf("a worker merged twice: %v", err)
	}
}

// TestMergeCoordinatedWorkers: a worker is its slice whoever ran it, so the
// same index from two hosts is still counted twice and refused; partial
// parts make a partial merge missing every worker either part missed.
func TestMergeCoordinatedWorkers(t *testing.T) {
	a := latencyResult("ws", 0, time.Millisecond)
	a.Workers[0].Host, a.Workers[0].ClockOffset = "a", Duration(time.Second)
	b := latencyResult("ws", 0, time.Millisecond)
	b.Workers[0].Host = "b"
	if _, err := MergeRuns(runOf("s", `{}`, a), runOf("s", `{}`, b)); err == nil || !strings.Contains(err.Error(), "worker 0/2 appears in results 1 and 2") {
		t.Fatalf("one slice from two hosts merged: %v", err)
	}
	b.Workers[0].Index = 1
	a.Partial, a.MissingWorkers = true, []int{3}
	b.Partial, b.MissingWorkers = true, []int{2, 3}
	m, err := MergeTransport(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Partial || !reflect.DeepEqual(m.MissingWorkers, []int{2, 3}) || m.Workers[0].Host != "a" || m.Workers[0].ClockOffset != Duration(time.Second) {
		t.Fatalf("merged partial %v missing %v workers %+v", m.Partial, m.MissingWorkers, m.Workers)
	}
	if m.Interrupted || m.Window != 0 {
		t.Fatalf("merge of whole runs: interrupted %v, window %s", m.Interrupted, time.Duration(m.Window))
	}
	// Workers of one plan interrupted together: rates over the longest window.
	a.Interrupted, a.Window = true, Duration(3*time.Second)
	b.Interrupted, b.Window = true, Duration(2*time.Second)
	if m, err = MergeTransport(a, b); err != nil || !m.Interrupted || m.Window != Duration(3*time.Second) {
		t.Fatalf("interrupted merge: %v, interrupted %v, window %s", err, m.Interrupted, time.Duration(m.Window))
	}
}
