package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// ErrIncompatible reports results that measure different things and so must not
// be merged.
var ErrIncompatible = errors.New("results are not from the same workload")

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
	seen := map[Worker]int{} // by slice: the same share is one worker, whoever ran it
	for i, r := range runs {
		if !SameScenario(first, r) {
			return nil, fmt.Errorf("merge: result %d (%s) ran a different scenario than result 1 (%s): %w", i+1, r.Name, first.Name, ErrIncompatible)
		}
		if r.Started.Before(out.Started) {
			out.Started = r.Started
		}
		for _, t := range r.Transports {
			for _, w := range t.Workers {
				if j, dup := seen[w.Slice()]; dup && j != i {
					return nil, fmt.Errorf("merge: %s worker %d/%d appears in results %d and %d", t.Transport, w.Index, w.Count, j+1, i+1)
				}
				seen[w.Slice()] = i
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

// MergeTransport combines the results of several load-generator workers that
// ran the same workload against the same transport. Counters add, histograms
// merge exactly, per-second series add second by second; nothing is averaged.
func MergeTransport(parts ...*TransportResult) (*TransportResult, error) {
	if len(parts) == 0 {
		return nil, errors.New("merge: nothing to merge")
	}
	if err := mergeFindMax(parts); err != nil {
		return nil, err
	}
	first := parts[0]
	out := &TransportResult{
		Transport:  first.Transport,
		Target:     first.Target,
		Workload:   first.Workload,
		Histograms: map[string]*Histogram{},
		Errors:     map[string]*ErrorClass{},
	}
	var window Duration
	for _, p := range parts {
		if p.Transport != first.Transport || p.Workload.Pattern != first.Workload.Pattern ||
			p.Workload.Rate != first.Workload.Rate || p.Workload.PayloadBytes != first.Workload.PayloadBytes ||
			p.Workload.Duration != first.Workload.Duration {
			return nil, fmt.Errorf("merge %s/%s with %s/%s: %w", first.Transport, first.Workload.Pattern, p.Transport, p.Workload.Pattern, ErrIncompatible)
		}
		out.Workers = append(out.Workers, p.Workers...)
		out.Generator = append(out.Generator, p.Generator...)
		out.Resources = append(out.Resources, p.Resources...)
		out.Events = append(out.Events, p.Events...)
		out.Baseline = append(out.Baseline, p.Baseline...)
		// Each record is its own run's servers, read once for all the
		// workers it lists: records add, never multiply.
		out.ServerResources = append(out.ServerResources, p.ServerResources...)
		// Workers of one plan stop together: an interrupted merge's rates
		// are over the longest window that ran.
		if p.Interrupted {
			out.Interrupted = true
			window = max(window, p.Window)
		} else {
			window = max(window, p.Workload.Duration)
		}
		if p.Partial {
			out.Partial = true
			out.MissingWorkers = mergeMissing(out.MissingWorkers, p.MissingWorkers)
		}
		if p.LatencyClock != ClockGenerator {
			out.LatencyClock = p.LatencyClock
		}
		out.Counters.add(p.Counters)
		for name, h := range p.Histograms {
			if out.Histograms[name] == nil {
				out.Histograms[name] = NewHistogram()
			}
			out.Histograms[name].Merge(h)
		}
		for i, n := range p.Received {
			for len(out.Received) <= i {
				out.Received = append(out.Received, 0)
			}
			out.Received[i] += n
		}
		for class, e := range p.Errors {
			if out.Errors[class] == nil {
				out.Errors[class] = &ErrorClass{First: e.First}
			}
			out.Errors[class].Count += e.Count
		}
	}
	if out.Interrupted {
		out.Window = window
	}
	return out, nil
}

// mergeMissing is the sorted union of two lists of missing worker indexes.
func mergeMissing(a, b []int) []int {
	out := slices.Clone(a)
	for _, i := range b {
		if !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out
}

func (c *Counters) add(o Counters) {
	c.ConnAttempted += o.ConnAttempted
	c.ConnReady += o.ConnReady
	c.ConnFailed += o.ConnFailed
	c.ConnDropped += o.ConnDropped
	c.ConnEnded += o.ConnEnded
	c.Scheduled += o.Scheduled
	c.Sent += o.Sent
	c.SendErrors += o.SendErrors
	c.Expected += o.Expected
	c.Received += o.Received
	c.Lost += o.Lost
	c.Duplicated += o.Duplicated
	c.OutOfOrder += o.OutOfOrder
	c.Foreign += o.Foreign
	c.BytesReceived += o.BytesReceived
	c.BytesSent += o.BytesSent
	c.Reconnects += o.Reconnects
	c.ReconnectFailed += o.ReconnectFailed
	c.LostAcrossReconnect += o.LostAcrossReconnect
	c.ResumeGaps += o.ResumeGaps
}
