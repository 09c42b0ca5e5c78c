package loadgen

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/workload"
)

func TestParsePortRange(t *testing.T) {
	tests := []struct {
		name, text string
		want       int
		wantErr    bool
	}{
		{"linux default, tab and newline", "32768\t60999\n", 28232, false},
		{"wide", "1024 65535", 64512, false},
		{"one port", "5000 5000", 1, false},
		{"one number", "32768", 0, true},
		{"reversed", "60999 32768", 0, true},
		{"past 65535", "1024 70000", 0, true},
		{"not numbers", "low high", 0, true},
		{"empty", "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePortRange(tt.text)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Fatalf("parsePortRange(%q) = %d, %v; want %d, error %v", tt.text, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestEphemeralPortsIsARange: whatever this machine says, a usable count.
func TestEphemeralPortsIsARange(t *testing.T) {
	n, from := ephemeralPorts()
	if n < 1 || n > 65535 || from == "" {
		t.Fatalf("ephemeralPorts = %d from %q", n, from)
	}
}

func TestChooseSourceAddrs(t *testing.T) {
	tests := []struct {
		name  string
		loads []targetLoad
		ports int
		want  [][]string
		// spread and unspreadable: how many log lines of each.
		spread, unspreadable int
	}{
		{
			name:  "under 90% of the range: unbound",
			loads: []targetLoad{{"127.0.0.1:8080", 25408}},
			ports: 28232,
			want:  [][]string{nil},
		},
		{
			name:   "just over: two addresses",
			loads:  []targetLoad{{"127.0.0.1:8080", 25409}},
			ports:  28232,
			want:   [][]string{{"127.0.0.1", "127.0.0.2"}},
			spread: 1,
		},
		{
			name:   "45k to one server: two addresses",
			loads:  []targetLoad{{"127.0.0.1:8080", 45000}},
			ports:  28232,
			want:   [][]string{{"127.0.0.1", "127.0.0.2"}},
			spread: 1,
		},
		{
			name:   "300 with 100 ports a pair: 90 each, four addresses",
			loads:  []targetLoad{{"127.0.0.1:8080", 300}},
			ports:  100,
			want:   [][]string{{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"}},
			spread: 1,
		},
		{
			name:  "three servers of 15k each: each pair has room",
			loads: []targetLoad{{"127.0.0.1:8081", 15000}, {"127.0.0.1:8082", 15000}, {"127.0.0.1:8083", 15000}},
			ports: 28232,
			want:  [][]string{nil, nil, nil},
		},
		{
			name:   "two URLs of one server count together and share its addresses",
			loads:  []targetLoad{{"127.0.0.1:8080", 60}, {"127.0.0.1:8080", 60}, {"127.0.0.1:9090", 60}},
			ports:  100,
			want:   [][]string{{"127.0.0.1", "127.0.0.2"}, {"127.0.0.1", "127.0.0.2"}, nil},
			spread: 1,
		},
		{
			name:   "localhost is IPv4 loopback",
			loads:  []targetLoad{{"localhost:8080", 200}},
			ports:  100,
			want:   [][]string{{"127.0.0.1", "127.0.0.2", "127.0.0.3"}},
			spread: 1,
		},
		{
			name:   "another loopback address spreads over 127.0.0.x too",
			loads:  []targetLoad{{"127.0.0.5:8080", 100}},
			ports:  100,
			want:   [][]string{{"127.0.0.1", "127.0.0.2"}},
			spread: 1,
		},
		{
			name:  "remote destination: left unbound",
			loads: []targetLoad{{"10.0.0.7:8080", 1000}},
			ports: 100,
			want:  [][]string{nil},
		},
		{
			name:         "IPv6 loopback cannot spread: warned, unbound",
			loads:        []targetLoad{{"[::1]:8080", 1000}},
			ports:        100,
			want:         [][]string{nil},
			unspreadable: 1,
		},
		{
			name:   "past 127.0.0.255",
			loads:  []targetLoad{{"127.0.0.1:8080", 257}},
			ports:  1,
			want:   [][]string{loopbacks(257)},
			spread: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := chooseSourceAddrs(tt.loads, tt.ports)
			if !slices.EqualFunc(got.perURL, tt.want, slices.Equal) {
				t.Fatalf("per URL %v, want %v", got.perURL, tt.want)
			}
			if len(got.spread) != tt.spread || len(got.unspreadable) != tt.unspreadable {
				t.Fatalf("spread %q, unspreadable %q; want %d and %d lines", got.spread, got.unspreadable, tt.spread, tt.unspreadable)
			}
			for _, why := range got.spread {
				if !strings.Contains(why, tt.loads[0].dest) || !strings.Contains(why, "source addresses 127.0.0.1-") {
					t.Fatalf("why %q does not name the destination and the addresses", why)
				}
			}
		})
	}
}

// loopbacks is 127.0.0.1 onwards, n of them, written out by hand.
func loopbacks(n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, fmt.Sprintf("127.0.%d.%d", i/256, i%256))
	}
	return out
}

func TestDestinationOf(t *testing.T) {
	tests := []struct{ url, want string }{
		{"ws://127.0.0.1:8080/ws", "127.0.0.1:8080"},
		{"http://localhost/sse", "localhost:80"},
		{"https://example.com/sse", "example.com:443"},
		{"wss://[::1]/ws", "[::1]:443"},
		{"tcp://127.0.0.1:7000", "127.0.0.1:7000"},
		{"http://127.0.0.1:8080/socket.io/", "127.0.0.1:8080"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			if got := destinationOf(tt.url); got != tt.want {
				t.Fatalf("destinationOf(%q) = %q, want %q", tt.url, got, tt.want)
			}
		})
	}
}

// TestRoutes: connection k dials URLs[k % len] and takes its target's
// source addresses in turn, so each target's connections use all of them
// even when the counts share a factor.
func TestRoutes(t *testing.T) {
	tests := []struct {
		name    string
		urls    []string
		sources [][]string
		want    []route // connections 0, 1, 2, ...
	}{
		{"one target, unbound", []string{"a"}, [][]string{nil}, []route{{"a", ""}, {"a", ""}}},
		{"one target, two addresses: k % 2", []string{"a"}, [][]string{{"x", "y"}},
			[]route{{"a", "x"}, {"a", "y"}, {"a", "x"}, {"a", "y"}}},
		{"two targets, two addresses each: every pair used", []string{"a", "b"}, [][]string{{"x", "y"}, {"x", "y"}},
			[]route{{"a", "x"}, {"b", "x"}, {"a", "y"}, {"b", "y"}, {"a", "x"}, {"b", "x"}}},
		{"three targets, one spread", []string{"a", "b", "c"}, [][]string{nil, {"x", "y"}, nil},
			[]route{{"a", ""}, {"b", "x"}, {"c", ""}, {"a", ""}, {"b", "y"}, {"c", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := routes{urls: tt.urls, sources: tt.sources}
			for k, want := range tt.want {
				if got := rt.of(k); got != want {
					t.Fatalf("connection %d: %+v, want %+v", k, got, want)
				}
			}
		})
	}
}

// TestProbes: preflight tries every target once and every source address
// once, each on a route a connection really takes.
func TestProbes(t *testing.T) {
	rt := routes{urls: []string{"a", "b"}, sources: [][]string{{"x", "y", "z"}, {"x", "y", "z"}}}
	got := rt.probes()
	want := []route{{"a", "x"}, {"b", "x"}, {"a", "y"}, {"a", "z"}}
	if !slices.Equal(got, want) {
		t.Fatalf("probes %+v, want %+v", got, want)
	}
	for _, p := range got {
		found := false
		for k := range 12 {
			found = found || rt.of(k) == p
		}
		if !found {
			t.Fatalf("probe %+v is no connection's route", p)
		}
	}
}

// TestTargetLoads counts the run's connections per target: held ones split
// as ids are, churn's connects over the whole schedule.
func TestTargetLoads(t *testing.T) {
	warm := workload.Duration(time.Second).Ptr()
	tests := []struct {
		name string
		cfg  Config
		want []targetLoad
	}{
		{"held, one target", Config{URL: "ws://127.0.0.1:1/ws", Workload: workload.Workload{Pattern: workload.Fanout, Connections: 10}},
			[]targetLoad{{"127.0.0.1:1", 10}}},
		{"held, 10 over three", Config{URLs: []string{"ws://127.0.0.1:1/ws", "ws://127.0.0.1:2/ws", "ws://127.0.0.1:3/ws"}, Workload: workload.Workload{Pattern: workload.Idle, Connections: 10}},
			[]targetLoad{{"127.0.0.1:1", 4}, {"127.0.0.1:2", 3}, {"127.0.0.1:3", 3}}},
		{"churn: its connects", Config{URL: "ws://127.0.0.1:1/ws", Workload: workload.Workload{Pattern: workload.Churn, Connections: 10, Rate: 100, Warmup: warm, Duration: workload.Duration(2 * time.Second)}},
			[]targetLoad{{"127.0.0.1:1", 301}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cfg.targetLoads(); !slices.Equal(got, tt.want) {
				t.Fatalf("targetLoads %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestNewRoutesGivenAddrs: given source addresses go to every target, and
// the automatic choice honours PortsPerSourceAddr.
func TestNewRoutesGivenAddrs(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	given := Config{URLs: []string{"ws://10.0.0.1:1/ws", "ws://127.0.0.1:2/ws"}, SourceAddrs: []string{"10.0.0.9", "10.0.0.10"},
		Workload: workload.Workload{Pattern: workload.Idle, Connections: 4}}
	rt := newRoutes(given, quiet)
	if !slices.Equal(rt.sources[0], given.SourceAddrs) || !slices.Equal(rt.sources[1], given.SourceAddrs) {
		t.Fatalf("given addresses not on every target: %v", rt.sources)
	}
	auto := Config{URL: "ws://127.0.0.1:2/ws", PortsPerSourceAddr: 10, Workload: workload.Workload{Pattern: workload.Idle, Connections: 30}}
	if rt := newRoutes(auto, quiet); len(rt.sources[0]) != 4 {
		t.Fatalf("30 connections at 9 a pair: %v, want 4 addresses", rt.sources[0])
	}
}
