package scenarios

import (
	"errors"
	"strings"
	"testing"
)

// TestNegativeWorkloadKeysNameFileAndLine: a negative rate, connection
// count, duration or payload in a scenario file is refused at its file:line.
func TestNegativeWorkloadKeysNameFileAndLine(t *testing.T) {
	tests := []struct {
		line string
		want string
	}{
		{"rate: -3", "s.yaml:3:7: rate:"},
		{"rate: 0", "s.yaml:3:7: rate:"},
		{"ramp: -1/s", "s.yaml:3:7: ramp:"},
		{"connections: -2", "s.yaml:3:14: connections: -2 must be positive"},
		{"duration: -1s", "s.yaml:3:11: duration: duration \"-1s\" must not be negative"},
		{"warmup: -1s", "s.yaml:3:9: warmup:"},
		{"drain: -1s", "s.yaml:3:8: drain:"},
		{"connect_timeout: -1s", "s.yaml:3:18: connect_timeout:"},
		{"payload: -5", "s.yaml:3:10: payload:"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte("name: x\ntransports: [sse]\n"+tt.line+"\n"))
			var pe *PosError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse: %v, want a PosError containing %q", err, tt.want)
			}
		})
	}
}
