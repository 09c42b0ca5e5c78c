package report

import (
	"strings"
	"testing"

	"github.com/pushbench/pushbench/results"
)

// TestResourceLine: the server's figures come from the one process that
// read them, a single-process run's worker or a coordinated run's
// coordinator, counted once over every worker's connections and
// deliveries; its memory itself is shown when one reading gives it.
func TestResourceLine(t *testing.T) {
	worker := func(i int, server bool) results.Resources {
		r := results.Resources{Worker: i, Held: 100, Deliveries: 1000, GeneratorCPU: results.CPUTime{Window: 0.01, Run: 0.02},
			GeneratorRSSBefore: 1 << 20, GeneratorRSS: 1<<20 + 102400}
		if server {
			r.ServerCPU = &results.CPUTime{Window: 0.02, Run: 0.04}
			r.ServerRSSBefore, r.ServerRSSHeld, r.ServerGoroutines = 2<<20, 2<<20+204800, 111
		}
		return r
	}
	tests := []struct {
		name string
		tr   *results.TransportResult
		want string
	}{
		{"single process", &results.TransportResult{Transport: "ws", Resources: []results.Resources{worker(0, true)}},
			"ws: resources: held 100 connections; 1000 deliveries in the window; server 2.00KiB per connection (RSS 2.00MiB -> 2.20MiB), 111 goroutines, CPU 0.02s in the window, 0.04s in the run, 20.0µs CPU per delivery; generator 1.00KiB per connection (RSS 1.00MiB -> 1.10MiB), CPU 0.01s in the window, 0.02s in the run, 10.0µs CPU per delivery"},
		{"coordinated, the coordinator's reading", &results.TransportResult{Transport: "ws",
			Resources: []results.Resources{worker(0, false), worker(1, false)},
			ServerResources: []results.ServerResources{{Workers: []int{0, 1}, Processes: 2, CPU: &results.CPUTime{Window: 0.02, Run: 0.04},
				RSSBefore: 4 << 20, RSSHeld: 4<<20 + 409600}}},
			"ws: resources: held 200 connections; 2000 deliveries in the window; server 2.00KiB per connection (RSS 4.00MiB -> 4.39MiB), CPU 0.02s in the window, 0.04s in the run, 10.0µs CPU per delivery; generator 1.00KiB per connection, CPU 0.02s in the window, 0.04s in the run, 10.0µs CPU per delivery"},
		{"coordinated, no server read", &results.TransportResult{Transport: "ws",
			Resources: []results.Resources{worker(0, false), worker(1, false)}},
			"ws: resources: held 200 connections; 2000 deliveries in the window; generator 1.00KiB per connection, CPU 0.02s in the window, 0.04s in the run, 10.0µs CPU per delivery"},
		{"two workers with their own servers", &results.TransportResult{Transport: "ws",
			Resources: []results.Resources{worker(0, true), worker(1, true)}},
			"ws: resources: held 200 connections; 2000 deliveries in the window; server 2.00KiB per connection, 222 goroutines, CPU 0.04s in the window, 0.08s in the run, 20.0µs CPU per delivery; generator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ResourceLine(tt.tr); !strings.HasPrefix(got, tt.want) {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
