package results

import (
	"testing"
	"time"
)

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0"},
		{4 * time.Microsecond, "4µs"},
		{812 * time.Microsecond, "812µs"},
		{4213 * time.Microsecond, "4.21ms"},
		{42130 * time.Microsecond, "42.1ms"},
		{421300 * time.Microsecond, "421ms"},
		{1500 * time.Millisecond, "1.50s"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := FormatDuration(tt.d); got != tt.want {
				t.Errorf("FormatDuration(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

func TestFormatValue(t *testing.T) {
	tests := []struct {
		v    float64
		u    Unit
		want string
	}{
		{7, UnitCount, "7"},
		{float64(12300 * time.Microsecond), UnitDuration, "12.3ms"},
		{0.001, UnitRatio, "0.1%"},
		{950, UnitRate, "950.0/s"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := FormatValue(tt.v, tt.u); got != tt.want {
				t.Errorf("FormatValue(%v, %v) = %q, want %q", tt.v, tt.u, got, tt.want)
			}
		})
	}
}

func TestFormatBytes(t *testing.T) {
	for _, tt := range []struct {
		v    float64
		want string
	}{{0, "0B"}, {512, "512B"}, {4096, "4.00KiB"}, {31.4 * (1 << 20), "31.4MiB"}, {3 << 30, "3.00GiB"}} {
		if got := FormatValue(tt.v, UnitBytes); got != tt.want {
			t.Errorf("FormatValue(%v, UnitBytes) = %s, want %s", tt.v, got, tt.want)
		}
	}
}
