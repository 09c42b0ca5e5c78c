package results

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// twoWorkers is one transport run by two workers, each with its own server
// process: 1,000 and 3,000 connections, 10,000 and 30,000 deliveries.
func twoWorkers() *TransportResult {
	return &TransportResult{Transport: "ws", Resources: []Resources{
		{Worker: 0, Held: 1000, Deliveries: 10000, GeneratorCPU: CPUTime{Window: 0.2, Run: 0.5}, ServerCPU: &CPUTime{Window: 0.3, Run: 0.6},
			GeneratorRSSBefore: 10 << 20, GeneratorRSS: 10<<20 + 8_000_000, ServerRSSBefore: 5 << 20, ServerRSSHeld: 5<<20 + 12_000_000,
			GeneratorGoroutines: 1010, ServerGoroutines: 2005},
		{Worker: 1, Held: 3000, Deliveries: 30000, GeneratorCPU: CPUTime{Window: 0.6, Run: 1.5}, ServerCPU: &CPUTime{Window: 0.5, Run: 1.4},
			GeneratorRSSBefore: 10 << 20, GeneratorRSS: 10<<20 + 24_000_000, ServerRSSBefore: 5 << 20, ServerRSSHeld: 5<<20 + 36_000_000,
			GeneratorGoroutines: 3010, ServerGoroutines: 6005},
	}}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9*math.Max(1, math.Abs(b)) }

func TestResourceTotalsAddWorkers(t *testing.T) {
	tot, ok := twoWorkers().ResourceTotals()
	if !ok {
		t.Fatal("no totals")
	}
	if tot.Held != 4000 || tot.Deliveries != 40000 || tot.GeneratorGoroutines != 4020 || tot.ServerGoroutines != 8010 {
		t.Fatalf("sums: %+v", tot)
	}
	if !near(tot.GeneratorCPU.Window, 0.8) || !near(tot.GeneratorCPU.Run, 2.0) || !tot.ServerCPUOK || !near(tot.ServerCPU.Window, 0.8) {
		t.Fatalf("CPU: %+v", tot)
	}
	if g, ok := tot.GeneratorMicrosPerDelivery(); !ok || !near(g, 20) {
		t.Fatalf("generator µs per delivery %v %v, want 20", g, ok)
	}
	if s, ok := tot.ServerMicrosPerDelivery(); !ok || !near(s, 20) {
		t.Fatalf("server µs per delivery %v %v, want 20", s, ok)
	}
	if !tot.GeneratorBytesPerConnOK || !near(tot.GeneratorBytesPerConn, 8000) || !tot.ServerBytesPerConnOK || !near(tot.ServerBytesPerConn, 12000) {
		t.Fatalf("bytes per connection: %+v", tot)
	}
}

// TestResourceTotalsUnknownServer: one worker that could not read its server
// makes the server's figures unknown, not half of them.
func TestResourceTotalsUnknownServer(t *testing.T) {
	r := twoWorkers()
	r.Resources[1].ServerCPU, r.Resources[1].ServerRSSBefore, r.Resources[1].ServerRSSHeld = nil, 0, 0
	tot, _ := r.ResourceTotals()
	if _, ok := tot.ServerMicrosPerDelivery(); ok || tot.ServerBytesPerConnOK {
		t.Fatalf("server figures known from half the workers: %+v", tot)
	}
	for _, m := range []string{"server_cpu_per_delivery", "server_rss_per_conn"} {
		if _, _, err := MetricValue(r, m); !errors.Is(err, ErrNotMeasured) {
			t.Errorf("%s: err %v, want ErrNotMeasured", m, err)
		}
	}
	if _, ok := (&TransportResult{}).ResourceTotals(); ok {
		t.Fatal("a result without resources has totals")
	}
}

func TestResourceMetrics(t *testing.T) {
	r := twoWorkers()
	for _, tt := range []struct {
		metric string
		want   float64
		unit   Unit
	}{
		{"server_cpu_per_delivery", 20_000, UnitDuration}, // 20µs in nanoseconds
		{"generator_cpu_per_delivery", 20_000, UnitDuration},
		{"server_rss_per_conn", 12000, UnitBytes},
		{"generator_rss_per_conn", 8000, UnitBytes},
		{"generator_rss", 10<<20 + 24_000_000, UnitBytes},
	} {
		t.Run(tt.metric, func(t *testing.T) {
			got, unit, err := MetricValue(r, tt.metric)
			if err != nil || !near(got, tt.want) || unit != tt.unit {
				t.Fatalf("%s = %v %v %v, want %v", tt.metric, got, unit, err, tt.want)
			}
		})
	}
}

// TestResourcesJSONOmitsUnknownServer: a server figure not read is absent
// from result.json, not written as 0.
func TestResourcesJSONOmitsUnknownServer(t *testing.T) {
	b, err := json.Marshal(Resources{Held: 5, GeneratorRSS: 1, GeneratorCPU: CPUTime{Window: 1, Run: 2}})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"server_cpu", "server_rss", "server_goroutines"} {
		if strings.Contains(string(b), key) {
			t.Errorf("%s written for an unknown server: %s", key, b)
		}
	}
	if !strings.Contains(string(b), `"generator_cpu":{"window_seconds":1,"run_seconds":2}`) {
		t.Errorf("generator CPU missing: %s", b)
	}
}
