package workload

import (
	"strings"
	"testing"
	"time"
)

func TestUnits(t *testing.T) {
	rates := map[string]Rate{"500/s": 500, "60/m": 1, "3600/h": 1, "2.5": 2.5, " 10 / s ": 10}
	for in, want := range rates {
		if got, err := ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0/s", "-1/s", "x/s", "5/d", "inf"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
	sizes := map[string]Size{"64B": 64, "1KiB": 1024, "1KB": 1000, "2MiB": 2 << 20, "7": 7}
	for in, want := range sizes {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1B", "1.5KiB", "1TB"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}

func TestTextRoundTrip(t *testing.T) {
	d := Duration(1500 * time.Millisecond)
	b, _ := d.MarshalText()
	var d2 Duration
	if err := d2.UnmarshalText(b); err != nil || d2 != d {
		t.Fatalf("duration %s -> %q -> %s, %v", d, b, d2, err)
	}
	r := Rate(2.5)
	b, _ = r.MarshalText()
	var r2 Rate
	if err := r2.UnmarshalText(b); err != nil || r2 != r {
		t.Fatalf("rate %v -> %q -> %v, %v", r, b, r2, err)
	}
}

// TestWithDefaultsFillsEveryField is the contract the result file relies on:
// after WithDefaults nothing is left at an unset zero, and explicit zeros of
// the optional durations are kept.
func TestWithDefaultsFillsEveryField(t *testing.T) {
	full := Workload{}.WithDefaults()
	want := Workload{Pattern: DefaultPattern, Connections: DefaultConnections, Ramp: DefaultRamp, Warmup: DefaultWarmup.Ptr(),
		Duration: DefaultDuration, Rate: DefaultRate, Payload: DefaultPayload, ConnectTimeout: DefaultConnectTimeout, Drain: DefaultDrain.Ptr()}
	if full.Warmup == nil || full.Drain == nil {
		t.Fatalf("optional durations left unset: %+v", full)
	}
	if *full.Warmup != *want.Warmup || *full.Drain != *want.Drain {
		t.Fatalf("warmup %s drain %s, want %s %s", *full.Warmup, *full.Drain, *want.Warmup, *want.Drain)
	}
	again := full.WithDefaults()
	if again.Warmup != full.Warmup || again.Drain != full.Drain {
		t.Fatal("WithDefaults replaced optional durations that were already set")
	}
	full.Warmup, full.Drain, want.Warmup, want.Drain = nil, nil, nil, nil
	if full != want {
		t.Fatalf("defaults\n got %+v\nwant %+v", full, want)
	}
	none := Workload{Warmup: Duration(0).Ptr(), Drain: Duration(0).Ptr()}.WithDefaults()
	if *none.Warmup != 0 || *none.Drain != 0 || none.WarmupTime() != 0 || none.DrainTime() != 0 {
		t.Fatalf("explicit zero warm-up/drain not kept: %s %s", *none.Warmup, *none.Drain)
	}
}

func TestValidateNamesTheKey(t *testing.T) {
	tests := []struct {
		name string
		w    Workload
		want string
	}{
		{"negative connections", Workload{Connections: -1}, "connections: -1 must be positive"},
		{"negative warmup", Workload{Warmup: Duration(-time.Second).Ptr()}, "warmup: -1s must not be negative"},
		{"negative drain", Workload{Drain: Duration(-time.Second).Ptr()}, "drain: -1s must not be negative"},
		{"unknown pattern", Workload{Pattern: "storm"}, `pattern: unknown pattern "storm" (want fanout, echo, listen, idle, churn)`},
		{"churn past the ports", Workload{Pattern: Churn, Rate: 1000, Duration: Duration(time.Minute)}, "rate: churn at 1000/s for 1m2s opens 62000 connections"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.w.Validate()
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want prefix %q", err, tt.want)
			}
		})
	}
	if err := (Workload{}).Validate(); err != nil {
		t.Fatalf("zero workload rejected: %v", err)
	}
}

func TestPatternRegistry(t *testing.T) {
	for _, p := range Patterns() {
		got, err := ParsePattern(string(p.Name))
		if err != nil || got != p.Name {
			t.Fatalf("ParsePattern(%q) = %q, %v", p.Name, got, err)
		}
	}
	if info, _ := Echo.Info(); !info.Bidirectional || !info.Delivers || info.Publishes {
		t.Fatalf("echo entry %+v", info)
	}
	if info, _ := Churn.Info(); info.Holds || info.Delivers {
		t.Fatalf("churn entry %+v", info)
	}
}
