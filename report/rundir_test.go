package report

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pushbench/pushbench/results"
)

func TestWriteRunDir(t *testing.T) {
	run := goldenRun()
	run.Transports[0].Histograms["empty"] = results.NewHistogram() // no samples: no .hgrm
	dir := filepath.Join(t.TempDir(), RunDirName(run))
	if err := WriteRunDir(dir, run); err != nil {
		t.Fatal(err)
	}
	if filepath.Base(dir) != "20261125T120000Z-golden" {
		t.Fatalf("run dir %s", filepath.Base(dir))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{
		"chunked-connect.hgrm", "chunked-latency.hgrm", "latency.svg", "result.json",
		"socketio-polling-connect.hgrm", "socketio-polling-latency.hgrm", "sse-connect.hgrm", "sse-latency.hgrm", "summary.csv", "summary.md", "ws-connect.hgrm", "ws-latency.hgrm",
	}
	if !slices.Equal(names, want) {
		t.Fatalf("run directory holds %v, want %v", names, want)
	}
	back, err := results.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range run.Transports {
		if back.Transports[i].Counters != tr.Counters || !back.Transports[i].Hist(results.HistLatency).Equal(tr.Hist(results.HistLatency)) {
			t.Fatalf("%s did not survive the round trip", tr.Transport)
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "report.md", md)
}
