package scenarios

import (
	"slices"
	"strings"
	"testing"

	"github.com/pushbench/pushbench/clients"
)

// TestTCPTransportNeedsItsAddressOffBuiltin: the tcp transport listens on a
// port of its own, so a user's server runs it only when given that address;
// the builtin server announces it.
func TestTCPTransportNeedsItsAddressOffBuiltin(t *testing.T) {
	tests := []struct {
		name, yaml string
		wantErr    string
		wantTCP    bool // tcp among the transports run
	}{
		{"builtin, default transports", "target: builtin\n", "", true},
		{"builtin, named", "target: builtin\ntransports: [tcp]\n", "", true},
		{"user's server, default transports", "target:\n  url: http://127.0.0.1:8080\n", "", false},
		{"user's server with its tcp address", "target:\n  url: http://127.0.0.1:8080\n  urls:\n    tcp: tcp://127.0.0.1:9000\n", "", true},
		{"only a tcp address", "target:\n  urls:\n    tcp: tcp://127.0.0.1:9000\n", "", true},
		{"user's server, tcp named without its address", "target:\n  url: http://127.0.0.1:8080\ntransports: [sse, tcp]\n",
			"s.yaml:4:19: transports[1]: tcp listens on a port of its own, not a path of http://127.0.0.1:8080: give its address in target.urls (--url tcp=tcp://HOST:PORT)", false},
		{"tcp address of another scheme", "target:\n  url: http://127.0.0.1:8080\n  urls:\n    tcp: http://127.0.0.1:9000\n",
			`tcp URL "http://127.0.0.1:9000": want tcp://host:port`, false},
		{"tcp address without a port", "target:\n  url: http://127.0.0.1:8080\n  urls:\n    tcp: tcp://\n",
			`tcp URL "tcp://": want tcp://host:port`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Parse("s.yaml", []byte("name: x\n"+tt.yaml))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse: %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.Contains(sc.WithDefaults().Transports, clients.TCP); got != tt.wantTCP {
				t.Fatalf("transports %v: tcp among them %v, want %v", sc.WithDefaults().Transports, got, tt.wantTCP)
			}
		})
	}
}
