package results

import (
	"errors"
	"fmt"
	"slices"

	"golang.org/x/perf/benchmath"
)

// CompareMetrics are the metrics pushbench compare reports per transport.
var CompareMetrics = []string{"latency.p50", "latency.p90", "latency.p99", "latency.p99.9", "latency.max", "connect.p99", "throughput", "loss_ratio", "errors"}

// Comparison is one metric of one transport, base against new. With at least
// two runs on each side the change is tested for significance (Mann-Whitney U,
// as benchstat does, via golang.org/x/perf/benchmath); Delta is "~" when it is
// not significant.
type Comparison struct {
	Transport string
	Metric    string
	Unit      Unit
	Base, New float64 // centers (medians) of each side's values
	BaseN     int
	NewN      int
	Delta     string // "+3.20%", "~", or "" when a side has no value
	Test      string // "p=0.008 n=5", or why there is no test
}

// Compare compares every CompareMetrics metric of every transport present on
// both sides. Each side is one or more runs of the same scenario (repeats).
func Compare(base, next []*Run) ([]Comparison, error) {
	if len(base) == 0 || len(next) == 0 {
		return nil, errors.New("compare: each side needs at least one run")
	}
	thresholds := benchmath.DefaultThresholds
	var out []Comparison
	for _, name := range transportOrder(base) {
		if !slices.Contains(transportOrder(next), name) {
			continue
		}
		for _, m := range CompareMetrics {
			bv, unit := values(base, name, m)
			nv, _ := values(next, name, m)
			c := Comparison{Transport: name, Metric: m, Unit: unit, BaseN: len(bv), NewN: len(nv)}
			if len(bv) == 0 || len(nv) == 0 {
				c.Test = "no value on one side"
				out = append(out, c)
				continue
			}
			bs, ns := benchmath.NewSample(bv, &thresholds), benchmath.NewSample(nv, &thresholds)
			c.Base = benchmath.AssumeNothing.Summary(bs, 0.95).Center
			c.New = benchmath.AssumeNothing.Summary(ns, 0.95).Center
			if len(bv) < 2 || len(nv) < 2 {
				c.Delta = pctChange(c.Base, c.New)
				c.Test = "single run: no significance test (use --repeat)"
			} else {
				cmp := benchmath.AssumeNothing.Compare(bs, ns)
				c.Delta = cmp.FormatDelta(c.Base, c.New)
				c.Test = cmp.String()
				if len(cmp.Warnings) > 0 {
					c.Test += " (" + cmp.Warnings[0].Error() + ")"
				}
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func pctChange(old, new float64) string {
	switch {
	case old == new:
		return "0.00%"
	case old == 0:
		return "?"
	}
	return fmt.Sprintf("%+.2f%%", (new/old-1)*100)
}

// values collects one metric of one transport across runs, skipping runs where
// it has no value.
func values(runs []*Run, transport, metric string) ([]float64, Unit) {
	var vs []float64
	var unit Unit
	for _, r := range runs {
		for _, t := range r.Transports {
			if t.Transport != transport {
				continue
			}
			v, u, err := MetricValue(t, metric)
			unit = u
			if err == nil {
				vs = append(vs, v)
			}
		}
	}
	return vs, unit
}

func transportOrder(runs []*Run) []string {
	var names []string
	for _, r := range runs {
		for _, t := range r.Transports {
			if !slices.Contains(names, t.Transport) {
				names = append(names, t.Transport)
			}
		}
	}
	return names
}
