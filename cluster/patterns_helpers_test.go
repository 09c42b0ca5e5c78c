package cluster_test

import (
	"context"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/cluster"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

// runCoordinated runs job on a coordinator with n in-process workers over
// the protocol and returns the outcome; progress, when set, gets the
// combined snapshots. Every worker must report.
func runCoordinated(t *testing.T, n int, job cluster.Job, progress func(loadgen.Progress)) *cluster.Outcome {
	t.Helper()
	c := startCoordinator(t, cluster.Options{Workers: n})
	for i := range n {
		startWorker(t, c, i, nil)
	}
	awaitWorkers(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	out, err := c.Run(ctx, job, progress)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Workers) != n || out.Merged.Partial {
		t.Fatalf("%d worker results of %d, partial %v", len(out.Workers), n, out.Merged.Partial)
	}
	return out
}

// patternJob is a small job of pattern over transport against url: conns
// connections, rate events/s for a second after a 200 ms warm-up.
func patternJob(pattern workload.Pattern, transport clients.Name, url, publish string, conns int, rate float64) cluster.Job {
	return cluster.JobFromConfig("test", loadgen.Config{
		Transport:  transport,
		URL:        url,
		PublishURL: publish,
		Workload: workload.Workload{
			Pattern:        pattern,
			Connections:    conns,
			Ramp:           2000,
			Warmup:         workload.Duration(200 * time.Millisecond).Ptr(),
			Duration:       workload.Duration(time.Second),
			Rate:           workload.Rate(rate),
			Payload:        32,
			ConnectTimeout: workload.Duration(5 * time.Second),
			Drain:          workload.Duration(3 * time.Second).Ptr(),
		},
	})
}

// shares are the connections workers of a coordinated run hold: conns
// split over n, the last ones holding one more when it does not divide.
func shares(conns, n int) []int64 {
	out := make([]int64, n)
	for i := range n {
		out[i] = int64((i+1)*conns/n - i*conns/n)
	}
	return out
}

// checkExactMerge fails the test unless every histogram of the merged
// result is the one histogram of every worker's samples of it, and the
// counters are the workers' sums.
func checkExactMerge(t *testing.T, out *cluster.Outcome) {
	t.Helper()
	var sum results.Counters
	names := map[string]bool{}
	for _, w := range out.Workers {
		sum.ConnAttempted += w.Counters.ConnAttempted
		sum.ConnReady += w.Counters.ConnReady
		sum.Scheduled += w.Counters.Scheduled
		sum.Sent += w.Counters.Sent
		sum.Expected += w.Counters.Expected
		sum.Received += w.Counters.Received
		sum.Lost += w.Counters.Lost
		for name := range w.Histograms {
			names[name] = true
		}
	}
	m := out.Merged.Counters
	if m.ConnAttempted != sum.ConnAttempted || m.ConnReady != sum.ConnReady || m.Scheduled != sum.Scheduled || m.Sent != sum.Sent ||
		m.Expected != sum.Expected || m.Received != sum.Received || m.Lost != sum.Lost {
		t.Errorf("merged counters %+v are not the workers' sums %+v", m, sum)
	}
	for name := range names {
		all := results.NewHistogram()
		for _, w := range out.Workers {
			if h := w.Histograms[name]; h != nil {
				all.Merge(h)
			}
		}
		if got := out.Merged.Histograms[name]; got == nil || !got.Equal(all) {
			t.Errorf("merged %s histogram is not the union of the workers' samples", name)
		}
	}
}
