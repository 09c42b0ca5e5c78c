package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestCheckMetricsAddr(t *testing.T) {
	tests := []struct {
		addr        string
		allowRemote bool
		wantErr     string
	}{
		{"127.0.0.1:9100", false, ""},
		{"[::1]:0", false, ""},
		{"localhost:9100", false, ""},
		{"0.0.0.0:9100", false, "not loopback"},
		{":9100", false, "not loopback"},
		{"192.0.2.1:9100", false, "--allow-remote"},
		{"192.0.2.1:9100", true, ""},
		{":9100", true, ""},
		{"9100", false, "want HOST:PORT"},
		{"9100", true, "want HOST:PORT"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			err := checkMetricsAddr(tt.addr, tt.allowRemote)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("error %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestRunMetricsAddrRefusesNonLoopback: pushbench run refuses a metrics
// address off loopback before it starts anything, naming the flag.
func TestRunMetricsAddrRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:9100", "9100"} {
		t.Run(addr, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := Main([]string{"run", "--metrics-addr", addr, "--out", ""}, &out, &errOut); code != 2 {
				t.Fatalf("exit %d, want 2; stderr: %s", code, errOut.String())
			}
			if !strings.Contains(errOut.String(), "--metrics-addr") {
				t.Fatalf("stderr %q does not name --metrics-addr", errOut.String())
			}
		})
	}
}
