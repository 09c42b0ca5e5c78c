package results

import (
	"encoding/json"
	"testing"
)

// coordinated is one transport of a coordinated run: three workers holding
// 1,000 connections each and receiving 10,000 deliveries each, sharing one
// set of servers the coordinator read once: 0.6 s of CPU in the window,
// 30,000,000 bytes of growth.
func coordinated() *TransportResult {
	r := &TransportResult{Transport: "ws"}
	for i := range 3 {
		r.Resources = append(r.Resources, Resources{Worker: i, Held: 1000, Deliveries: 10000,
			GeneratorCPU: CPUTime{Window: 0.1, Run: 0.3}, GeneratorRSSBefore: 10 << 20, GeneratorRSS: 10<<20 + 5_000_000})
	}
	r.ServerResources = []ServerResources{{Workers: []int{0, 1, 2}, Processes: 2, CPU: &CPUTime{Window: 0.6, Run: 1.2},
		RSSBefore: 20 << 20, RSSHeld: 20<<20 + 30_000_000}}
	return r
}

func TestResourceTotalsCoordinatorServer(t *testing.T) {
	tests := []struct {
		name string
		edit func(r *TransportResult)
		// want: server CPU seconds in the window, µs per delivery, bytes
		// per connection (0: unknown), goroutines.
		cpu, us, perConn float64
		goroutines       int64
	}{
		{"counted once over all workers' deliveries", func(*TransportResult) {}, 0.6, 20, 10000, 0},
		// A worker's own server fields (none in a coordinated run) are not
		// counted when the coordinator's record covers it.
		{"covered workers' own server fields ignored", func(r *TransportResult) {
			for i := range r.Resources {
				r.Resources[i].ServerCPU = &CPUTime{Window: 9, Run: 9}
				r.Resources[i].ServerRSSBefore, r.Resources[i].ServerRSSHeld, r.Resources[i].ServerGoroutines = 1, 1<<30, 7
			}
		}, 0.6, 20, 10000, 0},
		{"goroutines from a single server", func(r *TransportResult) { r.ServerResources[0].Goroutines = 3011 }, 0.6, 20, 10000, 3011},
		{"CPU not read", func(r *TransportResult) { r.ServerResources[0].CPU = nil }, 0, 0, 10000, 0},
		{"memory not read", func(r *TransportResult) { r.ServerResources[0].RSSHeld = 0 }, 0.6, 20, 0, 0},
		{"a worker not covered and without its own reading", func(r *TransportResult) { r.ServerResources[0].Workers = []int{0, 1} }, 0, 0, 0, 0},
		// Two coordinated runs merged: two sets of servers, each read once.
		{"two records add", func(r *TransportResult) {
			r.Resources = append(r.Resources, Resources{Worker: 3, Held: 1000, Deliveries: 10000, GeneratorRSSBefore: 1, GeneratorRSS: 2})
			r.ServerResources = append(r.ServerResources, ServerResources{Workers: []int{3}, CPU: &CPUTime{Window: 0.2, Run: 0.4},
				RSSBefore: 20 << 20, RSSHeld: 20<<20 + 10_000_000})
		}, 0.8, 20, 10000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := coordinated()
			tt.edit(r)
			tot, ok := r.ResourceTotals()
			if !ok {
				t.Fatal("no totals")
			}
			us, usOK := tot.ServerMicrosPerDelivery()
			if usOK != (tt.us > 0) || !near(us, tt.us) || (usOK && !near(tot.ServerCPU.Window, tt.cpu)) {
				t.Errorf("server CPU %+v (known %v), %v µs per delivery (known %v); want %v s, %v µs", tot.ServerCPU, tot.ServerCPUOK, us, usOK, tt.cpu, tt.us)
			}
			if tot.ServerBytesPerConnOK != (tt.perConn > 0) || !near(tot.ServerBytesPerConn, tt.perConn) {
				t.Errorf("server bytes per connection %v (known %v), want %v", tot.ServerBytesPerConn, tot.ServerBytesPerConnOK, tt.perConn)
			}
			if tot.ServerGoroutines != tt.goroutines {
				t.Errorf("server goroutines %d, want %d", tot.ServerGoroutines, tt.goroutines)
			}
		})
	}
	tot, _ := coordinated().ResourceTotals()
	if tot.ServerReadings != 1 || tot.ServerRSSBefore != 20<<20 || tot.ServerRSSHeld != 20<<20+30_000_000 {
		t.Errorf("one coordinator reading: %d readings, RSS %d -> %d", tot.ServerReadings, tot.ServerRSSBefore, tot.ServerRSSHeld)
	}
	if v, _, err := MetricValue(coordinated(), "server_cpu_per_delivery"); err != nil || !near(v, 20_000) {
		t.Errorf("server_cpu_per_delivery = %v, %v; want 20µs", v, err)
	}
}

// TestMergeKeepsCoordinatorServerOnce: merging a coordinated result (the
// workers' results carry no server record) keeps the one record, and a
// result.json written and read back gives the same totals.
func TestMergeKeepsCoordinatorServerOnce(t *testing.T) {
	r := coordinated()
	var parts []*TransportResult
	for i, res := range r.Resources {
		parts = append(parts, &TransportResult{Transport: "ws", Workers: []Worker{{Index: i, Count: 3}}, Resources: []Resources{res}})
	}
	merged, err := MergeTransport(parts...)
	if err != nil {
		t.Fatal(err)
	}
	if tot, _ := merged.ResourceTotals(); tot.ServerCPUOK || tot.ServerBytesPerConnOK {
		t.Fatalf("the workers' results alone give server figures: %+v", tot)
	}
	merged.ServerResources = r.ServerResources
	remerged, err := MergeTransport(merged)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(remerged)
	if err != nil {
		t.Fatal(err)
	}
	var back TransportResult
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.ServerResources) != 1 {
		t.Fatalf("server records after merge and JSON: %+v", back.ServerResources)
	}
	want, _ := r.ResourceTotals()
	if got, _ := back.ResourceTotals(); got != want {
		t.Fatalf("totals after merge and JSON %+v, want %+v", got, want)
	}
}
