package loadgen

import (
	"testing"
	"time"
)

func TestPacerAt(t *testing.T) {
	tests := []struct {
		name string
		p    Pacer
		i    int64
		want time.Duration
	}{
		{"first event at start", Pacer{Start: 5 * time.Second, Rate: 10}, 0, 5 * time.Second},
		{"10/s", Pacer{Rate: 10}, 3, 300 * time.Millisecond},
		{"fractional rate", Pacer{Rate: 0.5}, 2, 4 * time.Second},
		{"no drift over many events", Pacer{Rate: 3}, 3_000_000, 1_000_000 * time.Second},
		{"rounded to the nanosecond", Pacer{Rate: 3}, 1, 333333333 * time.Nanosecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.At(tt.i); got != tt.want {
				t.Fatalf("At(%d) = %v, want %v", tt.i, got, tt.want)
			}
		})
	}
}

func TestPacerCountBefore(t *testing.T) {
	p := Pacer{Start: time.Second, Rate: 4} // events at 1s, 1.25s, 1.5s, ...
	tests := []struct {
		t    time.Duration
		want int64
	}{
		{0, 0},
		{time.Second, 0},
		{time.Second + 1, 1},
		{1250 * time.Millisecond, 1},
		{1250*time.Millisecond + 1, 2},
		{2 * time.Second, 4},
	}
	for _, tt := range tests {
		t.Run(tt.t.String(), func(t *testing.T) {
			got := p.CountBefore(tt.t)
			if got != tt.want {
				t.Fatalf("CountBefore(%v) = %d, want %d", tt.t, got, tt.want)
			}
			// The defining property: event n-1 is before t, event n is not.
			if got > 0 && p.At(got-1) >= tt.t || p.At(got) < tt.t {
				t.Fatalf("CountBefore(%v) = %d breaks At(n-1) < t <= At(n)", tt.t, got)
			}
		})
	}
}

func TestPacerWindow(t *testing.T) {
	tests := []struct {
		name             string
		p                Pacer
		from, length     time.Duration
		wantFirst, wantN int64
	}{
		{"2s warm-up then 10s at 10/s", Pacer{Rate: 10}, 2 * time.Second, 10 * time.Second, 20, 100},
		{"no warm-up", Pacer{Start: time.Second, Rate: 10}, time.Second, time.Second, 0, 10},
		{"rate below one per window", Pacer{Rate: 0.1}, 0, 5 * time.Second, 0, 1},
		{"empty window", Pacer{Rate: 10}, time.Second, 0, 10, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first, n := tt.p.Window(tt.from, tt.length)
			if first != tt.wantFirst || n != tt.wantN {
				t.Fatalf("Window = (%d, %d), want (%d, %d)", first, n, tt.wantFirst, tt.wantN)
			}
		})
	}
}
