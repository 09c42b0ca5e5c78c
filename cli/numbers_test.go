package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestNegativeWorkloadFlagsAreUsageErrors: a negative (or zero, where zero
// means nothing) rate, connection count, duration or payload is refused
// before anything runs, naming the flag and the value typed.
func TestNegativeWorkloadFlagsAreUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--rate", "-3"}, "--rate -3: must be positive"},
		{[]string{"--rate", "0"}, "--rate 0: must be positive"},
		{[]string{"--connections", "-2"}, "--connections -2: must be at least 1"},
		{[]string{"--connections", "0"}, "--connections 0: must be at least 1"},
		{[]string{"--duration", "-1s"}, "--duration -1s: must be positive"},
		{[]string{"--payload", "-5"}, "--payload -5: must be at least 1 byte"},
		{[]string{"--ramp", "-10"}, "--ramp -10: must be positive"},
		{[]string{"--warmup", "-2s"}, "--warmup -2s: must not be negative"},
		{[]string{"--drain", "-1ms"}, "--drain -1ms: must not be negative"},
		{[]string{"--connect-timeout", "-1s"}, "--connect-timeout -1s: must not be negative"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"run", "--out", "", "--transports", "sse"}, tt.args...)
			if code := Main(args, &out, &errOut); code != 2 {
				t.Fatalf("exit %d, want 2 (usage); stderr: %s", code, errOut.String())
			}
			if !strings.Contains(errOut.String(), tt.want) {
				t.Fatalf("stderr %q does not say %q", errOut.String(), tt.want)
			}
		})
	}
}
