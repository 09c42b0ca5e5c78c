package results

import (
	"bytes"
	"encoding/json"
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

// SameScenario reports whether two runs ran the same scenario.
func SameScenario(a, b *Run) bool {
	if a.Name != b.Name {
		return false
	}
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a.Scenario) != nil || json.Compact(&cb, b.Scenario) != nil {
		return bytes.Equal(a.Scenario, b.Scenario)
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}

// MergeRuns combines the results of several load-generator workers that ran
// the same scenario into one run: per transport, counters add, histograms merge
// exactly, series add. It refuses runs of different scenarios and a worker
// that appears twice.
func MergeRuns(runs ...*Run) (*Run, error) {
	if len(runs) < 2 {
		return nil, errors.New("merge: need at least two results")
	}
	first := runs[0]
	out := &Run{Schema: SchemaVersion, Name: first.Name, Started: first.Started, Scenario: first.Scenario, Env: first.Env}
	seen := map[Worker]int{}
	for i, r := range runs {
		if !SameScenario(first, r) {
			return nil, fmt.Errorf("merge: result %d (%s) ran a different scenario than result 1 (%s): %w", i+1, r.Name, first.Name, ErrIncompatible)
		}
		if r.Started.Before(out.Started) {
			out.Started = r.Started
		}
		for _, t := range r.Transports {
			for _, w := range t.Workers {
				if j, dup := seen[w]; dup && j != i {
					return nil, fmt.Errorf("merge: %s worker %d/%d appears in results %d and %d", t.Transport, w.Index, w.Count, j+1, i+1)
				}
				seen[w] = i
			}
		}
	}
	for _, name := range transportOrder(runs) {
		var parts []*TransportResult
		for _, r := range runs {
			for _, t := range r.Transports {
				if t.Transport == name {
					parts = append(parts, t)
				}
			}
		}
		m, err := MergeTransport(parts...)
		if err != nil {
			return nil, err
		}
		out.Transports = append(out.Transports, m)
	}
	return out, nil
}
