package servers

import "testing"

func TestHostPolicy(t *testing.T) {
	tests := []struct {
		name    string
		listen  []string
		allowed []string
		host    string
		want    bool
	}{
		{"loopback listen, its own address", []string{"127.0.0.1:8080"}, nil, "127.0.0.1:8080", true},
		{"loopback listen, other port", []string{"127.0.0.1:8080"}, nil, "127.0.0.1:9999", true},
		{"loopback listen, localhost", []string{"127.0.0.1:8080"}, nil, "localhost:8080", true},
		{"loopback listen, ipv6 loopback", []string{"127.0.0.1:8080"}, nil, "[::1]:8080", true},
		{"loopback listen, bare ipv6 loopback", []string{"127.0.0.1:8080"}, nil, "[::1]", true},
		{"loopback listen, no Host", []string{"127.0.0.1:8080"}, nil, "", true},
		{"loopback listen, rebinding name", []string{"127.0.0.1:8080"}, nil, "attacker.example:8080", false},
		{"loopback listen, lan ip", []string{"127.0.0.1:8080"}, nil, "10.0.0.5:8080", false},
		{"name listen, the name", []string{"bench.lan:8080", "10.0.0.5:8080"}, nil, "Bench.LAN:8080", true},
		{"name listen, its ip", []string{"bench.lan:8080", "10.0.0.5:8080"}, nil, "10.0.0.5", true},
		{"name listen, another ip", []string{"bench.lan:8080", "10.0.0.5:8080"}, nil, "10.0.0.6", false},
		{"all interfaces, any ip", []string{":8080", "[::]:8080"}, nil, "192.168.7.7:8080", true},
		{"all interfaces, ipv6 ip", []string{"0.0.0.0:8080"}, nil, "[fd00::1]:8080", true},
		{"all interfaces, a name", []string{":8080"}, nil, "bench.lan:8080", false},
		{"all interfaces, allowed name", []string{":8080"}, []string{"bench.lan"}, "bench.lan:8080", true},
		{"allowed name given with port", []string{"127.0.0.1:8080"}, []string{"bench.lan:8080"}, "bench.lan", true},
		{"allowed anything", []string{"127.0.0.1:8080"}, []string{"*"}, "attacker.example", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := newHostPolicy(tt.listen, tt.allowed).allows(tt.host); got != tt.want {
				t.Fatalf("listen %v allowed %v: Host %q allowed %v, want %v", tt.listen, tt.allowed, tt.host, got, tt.want)
			}
		})
	}
}
