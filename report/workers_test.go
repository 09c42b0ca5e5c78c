package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
)

// TestWorkerSlicesAndPartialResults: a result holding only some workers of
// a coordinated run (a worker's own worker-N.json, a partial merge) says
// whose share of the connections it counts in the workload line and the
// notes, the Markdown table has a workers column, and the CSV says how
// many workers a row holds, of how many, whether it is partial and which
// it lacks; a whole run reads as before.
func TestWorkerSlicesAndPartialResults(t *testing.T) {
	fanout := results.Workload{Pattern: "fanout", Connections: 200, Rate: 10, Duration: results.Duration(6 * time.Second)}
	workers := func(count int, indexes ...int) []results.Worker {
		var ws []results.Worker
		for _, i := range indexes {
			ws = append(ws, results.Worker{Index: i, Count: count})
		}
		return ws
	}
	for _, tc := range []struct {
		name     string
		result   results.TransportResult
		workload string // in DescribeWorkload
		note     string // in the notes; "" for none about workers
		column   string // the Markdown table's workers cell; "" for no column
		csv      string // the row's last four cells
	}{
		{"single process", results.TransportResult{Workload: fanout, Workers: workers(1, 0)},
			"fanout, 200 connections per transport, 10 msgs/s", "", "", "1,1,false,"},
		{"an old result without workers", results.TransportResult{Workload: fanout},
			"fanout, 200 connections per transport,", "", "", "1,1,false,"},
		{"a whole coordinated run", results.TransportResult{Workload: fanout, Workers: workers(3, 0, 1, 2)},
			"fanout, 200 connections per transport,", "", "", "3,3,false,"},
		{"worker 1 of 2's own result", results.TransportResult{Workload: fanout, Workers: workers(2, 1), Counters: results.Counters{Received: 6000}},
			"fanout, worker 1 of 2: its share (100) of the 200 connections per transport, 10 msgs/s",
			"ws: worker 1 of 2 only, not the whole run: its share (100) of the 200 connections, and another worker published; the whole run is every worker's result merged (a coordinated run's result.json)",
			"worker 1 of 2", "1,2,false,0"},
		{"the publisher's own result", results.TransportResult{Workload: fanout, Workers: workers(2, 0), Counters: results.Counters{Scheduled: 60, Sent: 60}},
			"fanout, worker 0 of 2: its share (100) of the 200 connections per transport",
			"ws: worker 0 of 2 only, not the whole run: its share (100) of the 200 connections; the whole run is every worker's result merged (a coordinated run's result.json)",
			"worker 0 of 2", "1,2,false,1"},
		{"two workers' results merged by hand", results.TransportResult{Workload: fanout, Workers: workers(3, 2, 0)},
			"fanout, workers 0, 2 of 3: their share (133) of the 200 connections per transport",
			"ws: workers 0, 2 of 3 only, not the whole run: their share (133) of the 200 connections",
			"workers 0, 2 of 3", "2,3,false,1"},
		{"partial", results.TransportResult{Workload: fanout, Workers: workers(3, 0, 2), Partial: true, MissingWorkers: []int{1}},
			"fanout, PARTIAL, workers 0, 2 of 3: their share (133) of the 200 connections per transport",
			"ws: PARTIAL result: worker(s) [1] of 3 missing",
			"workers 0, 2 of 3 (partial)", "2,3,true,1"},
		{"churn, worker 1 of 2", results.TransportResult{Workload: results.Workload{Pattern: "churn", Connections: 10, Rate: 5}, Workers: workers(2, 1)},
			"churn, worker 1 of 2: its share (1 in 2 connects) of the 10 connections per transport, 5 connects/s",
			"ws: worker 1 of 2 only, not the whole run: its share (1 in 2 connects) of the 10 connections;",
			"worker 1 of 2", "1,2,false,0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := tc.result
			tr.Transport = "ws"
			run := &results.Run{Name: "r", Transports: []*results.TransportResult{&tr}}
			if got := DescribeWorkload(run); !strings.HasPrefix(got, tc.workload) {
				t.Errorf("workload %q, want it to start %q", got, tc.workload)
			}
			notes := strings.Join(ErrorLines(run), "\n")
			switch {
			case tc.note == "" && strings.Contains(notes, "worker"):
				t.Errorf("notes mention workers:\n%s", notes)
			case tc.note != "" && !strings.Contains(notes, tc.note):
				t.Errorf("notes lack %q:\n%s", tc.note, notes)
			}
			var md bytes.Buffer
			if err := WriteSummaryTable(&md, SummarizeRun(run), FormatMarkdown); err != nil {
				t.Fatal(err)
			}
			header, row, _ := strings.Cut(md.String(), "\n")
			if hasColumn := strings.Contains(header, " workers "); hasColumn != (tc.column != "") || hasColumn && !strings.Contains(row, "| "+tc.column+" ") {
				t.Errorf("markdown table, want workers column %q:\n%s", tc.column, md.String())
			}
			var csv bytes.Buffer
			if err := WriteSummaryCSV(&csv, SummarizeRun(run)); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(csv.String()), "\n")
			if !strings.HasSuffix(lines[0], ",workers,worker_count,partial,missing_workers") || !strings.HasSuffix(lines[1], ","+tc.csv) {
				t.Errorf("csv:\n%s\nwant the row to end %q", csv.String(), tc.csv)
			}
		})
	}
}

// TestOneWorkersClockLine: a worker's own result names its clock offset in
// the singular.
func TestOneWorkersClockLine(t *testing.T) {
	tr := &results.TransportResult{Transport: "ws", Workload: results.Workload{Pattern: "fanout", Connections: 10},
		Workers: []results.Worker{{Index: 1, Count: 2, Host: "box", ClockOffset: results.Duration(3 * time.Microsecond),
			ClockUncertainty: results.Duration(20 * time.Microsecond)}}}
	notes := strings.Join(ErrorLines(&results.Run{Transports: []*results.TransportResult{tr}}), "\n")
	if want := "ws: worker 1's clock offset to the coordinator +3µs, uncertainty ±20µs"; !strings.Contains(notes, want) {
		t.Fatalf("notes lack %q:\n%s", want, notes)
	}
}
