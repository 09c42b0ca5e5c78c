package cluster_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pushbench/pushbench/cluster"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

// TestDoneSaysWhetherTheRunFailed: a coordinator closing a completed run
// ends its workers with nil; one closing a failed run tells them why, and
// each logs it (error level) and ends with a *RunFailedError carrying it,
// not as if its work counted.
func TestDoneSaysWhetherTheRunFailed(t *testing.T) {
	for _, why := range []string{"", "worker 1 (never joined) joining: did not join within 8s (workers.ready_timeout)"} {
		t.Run(fmt.Sprintf("failure=%q", why), func(t *testing.T) {
			c := startCoordinator(t, cluster.Options{Workers: 2})
			var logs [2]logBuffer
			var ws []*worker
			for i := range 2 {
				ws = append(ws, startWorker(t, c, i, func(o *cluster.WorkerOptions) { o.Log = logs[i].logger() }))
			}
			awaitWorkers(t, c)
			if err := c.CloseFailed(why); err != nil {
				t.Fatal(err)
			}
			for i, w := range ws {
				err := w.result(t)
				if why == "" {
					if err != nil || !strings.Contains(logs[i].String(), "the coordinator is done: the run completed") {
						t.Errorf("worker %d: %v, want nil and the completion logged\n%s", i, err, logs[i].String())
					}
					continue
				}
				var failed *cluster.RunFailedError
				if !errors.As(err, &failed) || failed.Reason != why {
					t.Errorf("worker %d: %v, want the run's failure %q", i, err, why)
				}
				if l := logs[i].String(); !strings.Contains(l, `level=ERROR msg="the coordinator ended the run as failed" reason="`+why) {
					t.Errorf("worker %d's log lacks the failure at error level:\n%s", i, l)
				}
			}
		})
	}
}

// TestWorkerRefusingItsJobEndsWithItsError: a worker that refuses the
// coordinator's job (a target off its machine without --allow-remote) logs
// the refusal at error level at once, and ends with it (*JobError) when the
// coordinator closes the failed run; the other worker ends with the run's
// failure.
func TestWorkerRefusingItsJobEndsWithItsError(t *testing.T) {
	_, base := servertest.Start(t, servers.Config{})
	c := startCoordinator(t, cluster.Options{Workers: 2})
	var logs logBuffer
	other := startWorker(t, c, 0, nil)
	refusing := startWorker(t, c, 1, func(o *cluster.WorkerOptions) {
		o.Log = logs.logger()
		o.CheckJob = func(j cluster.Job) error {
			return fmt.Errorf("refused the coordinator's target %s: not loopback", j.URL)
		}
	})
	awaitWorkers(t, c)
	_, runErr := runJob(t, c, fanoutJob(base, 10))
	if runErr == nil {
		t.Fatal("Run: nil, want worker 1's refusal")
	}
	if l := logs.String(); !strings.Contains(l, `level=ERROR msg="refused the coordinator's job" transport=ws worker=1/2 err="refused the coordinator's target`) {
		t.Errorf("the refusing worker's log lacks the refusal at error level:\n%s", l)
	}
	if err := c.CloseFailed(runErr.Error()); err != nil {
		t.Fatal(err)
	}
	var jobErr *cluster.JobError
	if err := refusing.result(t); !errors.As(err, &jobErr) || jobErr.Transport != "ws" || !strings.Contains(err.Error(), "its ws job failed: refused the coordinator's target") {
		t.Errorf("refusing worker: %v, want its own refusal", err)
	}
	var failed *cluster.RunFailedError
	if err := other.result(t); !errors.As(err, &failed) || !strings.Contains(failed.Reason, "worker 1") {
		t.Errorf("other worker: %v, want the run's failure naming worker 1", err)
	}
}
