package loadgen_test

import (
	"context"
	"os"
	"testing"

	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/workload"
)

// TestRunRecordsResources checks that every result carries what the run cost:
// with a readable server process (here the test process itself serves) CPU,
// memory and goroutines of both sides; without one, the server's figures are
// omitted, never 0.
func TestRunRecordsResources(t *testing.T) {
	tests := []struct {
		name    string
		pattern workload.Pattern
		local   bool
	}{
		{"fanout, local server", workload.Fanout, true},
		{"idle, server not local", workload.Idle, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := startReference(t, servers.Config{})
			cfg := smallLoad("ws", endpoint(base, "ws"), wsURL(base)+"/publish")
			cfg.Workload.Pattern = tt.pattern
			if tt.local {
				cfg.ServerPID, cfg.ServerStats = os.Getpid(), base+"/stats"
			}
			res, err := loadgen.Run(context.Background(), cfg, quiet)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Resources) != 1 {
				t.Fatalf("%d resource records, want 1", len(res.Resources))
			}
			r := res.Resources[0]
			if r.Held != 20 || r.GeneratorRSSBefore <= 0 || r.GeneratorRSS <= 0 || r.GeneratorGoroutines < 20 {
				t.Fatalf("held/generator figures missing: %+v", r)
			}
			if r.GeneratorCPU.Window < 0 || r.GeneratorCPU.Run < r.GeneratorCPU.Window {
				t.Fatalf("generator CPU %+v: the run must cover the window", r.GeneratorCPU)
			}
			if tt.pattern == workload.Fanout && (r.Deliveries <= 0 || r.Deliveries > res.Counters.Received) {
				t.Fatalf("deliveries in the window %d, received %d", r.Deliveries, res.Counters.Received)
			}
			if !tt.local {
				if r.ServerCPU != nil || r.ServerRSSBefore != 0 || r.ServerRSSHeld != 0 || r.ServerGoroutines != 0 {
					t.Fatalf("server figures without a local server: %+v", r)
				}
				return
			}
			if r.ServerCPU == nil || r.ServerCPU.Run < r.ServerCPU.Window || r.ServerRSSHeld <= 0 || r.ServerRSSBefore <= 0 {
				t.Fatalf("server figures missing: %+v (cpu %+v)", r, r.ServerCPU)
			}
			// The reference server holds at least one goroutine per connection.
			if r.ServerGoroutines < 20 {
				t.Fatalf("server goroutines %d, want >= 20", r.ServerGoroutines)
			}
			tot, ok := res.ResourceTotals()
			if _, known := tot.ServerMicrosPerDelivery(); !ok || !known {
				t.Fatalf("server CPU per delivery unknown: %+v", tot)
			}
		})
	}
}
