package results

import (
	"encoding/json"
	"fmt"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram bounds: every latency-like distribution is recorded in microseconds
// from 1 µs to 1 min with 3 significant digits, so any two pushbench histograms
// merge exactly.
const (
	HistogramLowest  = 1
	HistogramHighest = int64(time.Minute / time.Microsecond)
	HistogramDigits  = 3
)

// Histogram is an HdrHistogram of durations in microseconds. Values outside the
// trackable range are clamped to it and counted in Clamped, so a pathological
// stall is still visible as the maximum instead of vanishing.
type Histogram struct {
	h       *hdrhistogram.Histogram
	clamped int64
}

// NewHistogram returns an empty histogram with pushbench's standard bounds.
func NewHistogram() *Histogram {
	return &Histogram{h: hdrhistogram.New(HistogramLowest, HistogramHighest, HistogramDigits)}
}

// Record adds one duration sample.
func (h *Histogram) Record(d time.Duration) {
	us := int64(d / time.Microsecond)
	switch {
	case us < HistogramLowest:
		us = HistogramLowest
	case us > HistogramHighest:
		us = HistogramHighest
		h.clamped++
	}
	// RecordValue only fails outside the trackable range, excluded above.
	_ = h.h.RecordValue(us)
}

// Merge adds every sample of o to h. Merging is exact: percentiles of the merged
// histogram equal those of one histogram that recorded all samples.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil {
		return
	}
	h.h.Merge(o.h)
	h.clamped += o.clamped
}

// Count is the number of samples.
func (h *Histogram) Count() int64 { return h.h.TotalCount() }

// Clamped is the number of samples above one minute, recorded as one minute.
func (h *Histogram) Clamped() int64 { return h.clamped }

// Quantile returns the value at quantile q (0..1), zero for an empty histogram.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.Count() == 0 {
		return 0
	}
	return time.Duration(h.h.ValueAtQuantile(q*100)) * time.Microsecond
}

// Max returns the largest recorded value (to histogram precision).
func (h *Histogram) Max() time.Duration {
	if h.Count() == 0 {
		return 0
	}
	return time.Duration(h.h.Max()) * time.Microsecond
}

// Min returns the smallest recorded value (to histogram precision).
func (h *Histogram) Min() time.Duration {
	if h.Count() == 0 {
		return 0
	}
	return time.Duration(h.h.Min()) * time.Microsecond
}

// Mean returns the mean of the recorded values.
func (h *Histogram) Mean() time.Duration {
	return time.Duration(h.h.Mean() * float64(time.Microsecond))
}

// Equal reports whether two histograms hold exactly the same counts.
func (h *Histogram) Equal(o *Histogram) bool {
	return h.clamped == o.clamped && h.h.Equals(o.h)
}

// Raw exposes the underlying HdrHistogram for renderers that need its iterators
// (percentile spectra, .hgrm output). Callers must not record into it.
func (h *Histogram) Raw() *hdrhistogram.Histogram { return h.h }

// histogramJSON is the saved form: HdrHistogram's standard V2 compressed,
// base64 encoding ("HISTF..."), which other HdrHistogram tools also read.
type histogramJSON struct {
	Unit    string `json:"unit"`
	Count   int64  `json:"count"`
	Clamped int64  `json:"clamped,omitempty"`
	HDR     string `json:"hdr"`
}

// MarshalJSON encodes the histogram exactly.
func (h *Histogram) MarshalJSON() ([]byte, error) {
	enc, err := h.h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return nil, fmt.Errorf("encode histogram: %w", err)
	}
	return json.Marshal(histogramJSON{Unit: "us", Count: h.Count(), Clamped: h.clamped, HDR: string(enc)})
}

// UnmarshalJSON decodes a histogram written by MarshalJSON and checks that it
// has pushbench's bounds, so a later merge cannot silently lose precision.
func (h *Histogram) UnmarshalJSON(b []byte) error {
	var j histogramJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.Unit != "us" {
		return fmt.Errorf("histogram unit %q, want \"us\"", j.Unit)
	}
	dec, err := hdrhistogram.Decode([]byte(j.HDR))
	if err != nil {
		return fmt.Errorf("decode histogram: %w", err)
	}
	if dec.LowestTrackableValue() != HistogramLowest || dec.HighestTrackableValue() < HistogramHighest || dec.SignificantFigures() != HistogramDigits {
		return fmt.Errorf("histogram bounds %d..%d/%d digits, want %d..%d/%d",
			dec.LowestTrackableValue(), dec.HighestTrackableValue(), dec.SignificantFigures(),
			HistogramLowest, HistogramHighest, HistogramDigits)
	}
	if dec.TotalCount() != j.Count {
		return fmt.Errorf("histogram holds %d samples but says %d", dec.TotalCount(), j.Count)
	}
	h.h, h.clamped = dec, j.Clamped
	return nil
}
