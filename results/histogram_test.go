package results

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func randomSamples(seed uint64, n int) []time.Duration {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]time.Duration, n)
	for i := range out {
		// Log-uniform from 1µs to 10s, plus a few beyond the one-minute ceiling.
		out[i] = time.Duration(float64(time.Microsecond) * pow10(r.Float64()*7))
		if i%997 == 0 {
			out[i] = 2 * time.Minute
		}
	}
	return out
}

func pow10(x float64) float64 {
	v := 1.0
	for ; x >= 1; x-- {
		v *= 10
	}
	// 10^frac by a short series is not needed to be exact, only spread out.
	return v * (1 + 9*x)
}

func TestHistogramJSONRoundTripIsExact(t *testing.T) {
	h := NewHistogram()
	for _, d := range randomSamples(1, 10000) {
		h.Record(d)
	}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"hdr":"HISTF`) {
		t.Fatalf("not HdrHistogram's standard compressed encoding: %.80s", b)
	}
	var back Histogram
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Equal(h) {
		t.Fatal("decoded histogram differs")
	}
	for _, q := range []float64{0, 0.5, 0.9, 0.99, 0.999, 1} {
		if back.Quantile(q) != h.Quantile(q) {
			t.Fatalf("q%v: %v != %v", q, back.Quantile(q), h.Quantile(q))
		}
	}
	if h.Clamped() != back.Clamped() || h.Clamped() != 11 {
		t.Fatalf("clamped %d / %d, want 11", h.Clamped(), back.Clamped())
	}
}

func TestHistogramRejectsForeignEncodings(t *testing.T) {
	good, _ := json.Marshal(NewHistogram())
	tests := []struct {
		name, in, want string
	}{
		{"wrong unit", strings.Replace(string(good), `"us"`, `"ms"`, 1), "unit"},
		{"not base64", `{"unit":"us","count":0,"hdr":"!!"}`, "decode histogram"},
		{"count mismatch", strings.Replace(string(good), `"count":0`, `"count":3`, 1), "says 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Histogram
			err := json.Unmarshal([]byte(tt.in), &h)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestHistogramRecordClamps(t *testing.T) {
	h := NewHistogram()
	h.Record(0)
	h.Record(time.Hour)
	if h.Min() != time.Microsecond || h.Count() != 2 || h.Clamped() != 1 {
		t.Fatalf("min %v count %d clamped %d", h.Min(), h.Count(), h.Clamped())
	}
	if h.Max() < 59*time.Second || h.Max() > 61*time.Second {
		t.Fatalf("max %v, want one minute", h.Max())
	}
}
