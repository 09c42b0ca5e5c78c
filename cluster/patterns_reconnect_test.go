package cluster_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
	"github.com/pushbench/pushbench/workload"
)

// TestCoordinatedReconnectAfterServerDrop: the server drops half its
// subscribers in the measured window of a two-worker fan-out under a
// reconnect policy; whichever worker held them, the merged result counts
// each drop once, each redial once, and the messages missed while away as
// lost across a reconnect, as one process's result would.
func TestCoordinatedReconnectAfterServerDrop(t *testing.T) {
	_, base := servertest.Start(t, servers.Config{AdminToken: "tok"})
	const conns = 20
	job := fanoutJob(base, conns)
	job.Workload.Duration = workload.Duration(2 * time.Second) // 100 messages at 50/s
	job.Workload.Reconnect = &workload.Reconnect{Backoff: workload.Duration(50 * time.Millisecond)}
	var dropped servers.DropResult
	var dropErr error
	asked := false
	out := runCoordinated(t, 2, job, func(p loadgen.Progress) {
		if asked || p.Phase != loadgen.PhaseMeasuring || p.Received == 0 {
			return
		}
		asked = true
		dropped, dropErr = adminDrop(base, 50)
	})
	if !asked || dropErr != nil || dropped.Dropped != conns/2 {
		t.Fatalf("drop asked %v: %+v, %v; want %d subscribers dropped in the measured window", asked, dropped, dropErr, conns/2)
	}
	c := out.Merged.Counters
	n := int64(dropped.Dropped)
	if c.ConnReady != conns || c.ConnEnded+c.ConnDropped != n || c.Reconnects != n || c.ReconnectFailed != 0 {
		t.Fatalf("merged counters %+v, errors %v; want %d ended or dropped and redialled once each", c, out.Merged.Errors, n)
	}
	if c.Expected != conns*100 || c.Received+c.Lost != c.Expected || c.Lost != c.LostAcrossReconnect || c.Duplicated != 0 {
		t.Fatalf("merged counters %+v: want every message received or lost across a reconnect", c)
	}
	if got := out.Merged.Hist(results.HistReconnect).Count(); got != n {
		t.Errorf("reconnect samples %d, want %d", got, n)
	}
	checkExactMerge(t, out)
}

// adminDrop asks a pushbench server to drop percent of its subscribers.
func adminDrop(base string, percent int) (servers.DropResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var res servers.DropResult
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/admin/drop?percent="+strconv.Itoa(percent), nil)
	if err != nil {
		return res, err
	}
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&res)
	return res, err
}
