package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
)

var update = flag.Bool("update", false, "rewrite golden files")

func goldenRun() *results.Run {
	var trs []*results.TransportResult
	for i, name := range []string{"chunked", "sse", "ws"} {
		lat, conn := results.NewHistogram(), results.NewHistogram()
		for j := 1; j <= 1000; j++ {
			lat.Record(time.Duration(j*(i+1)) * 10 * time.Microsecond)
			conn.Record(time.Duration(j) * time.Microsecond)
		}
		tr := &results.TransportResult{
			Transport:  name,
			Workload:   results.Workload{Pattern: "fanout", Connections: 100, Rate: 10, PayloadBytes: 64, Warmup: results.Duration(2 * time.Second), Duration: results.Duration(10 * time.Second)},
			Counters:   results.Counters{ConnAttempted: 100, ConnReady: 100 - int64(i), ConnFailed: int64(i), Expected: 1000, Received: 1000 - int64(i*7), Lost: int64(i * 7), Duplicated: int64(i), OutOfOrder: int64(2 * i)},
			Histograms: map[string]*results.Histogram{results.HistLatency: lat, results.HistConnect: conn},
			Generator:  []results.Generator{{Cores: 2, CPUPercent: 40}},
		}
		if i == 2 {
			tr.Errors = map[string]*results.ErrorClass{"connect/tcp": {Count: 2, First: "ws://127.0.0.1:1/ws: tcp: connection refused"}}
			tr.Generator[0] = results.Generator{Cores: 2, CPUPercent: 97, Saturated: true, Reasons: []string{"used 97% of 2 cores"}}
		}
		trs = append(trs, tr)
	}
	return &results.Run{Schema: results.SchemaVersion, Name: "golden", Started: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
		Env: results.Env{Version: "v0.0.0-test", GoVersion: "go1.26", OS: "linux", Arch: "amd64", Kernel: "6.1", CPUModel: "Test CPU", Cores: 2, GOMAXPROCS: 2}, Transports: trs}
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from golden file:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestSummaryTableGolden(t *testing.T) {
	run := goldenRun()
	for _, f := range []Format{FormatText, FormatMarkdown} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteSummaryTable(&buf, SummarizeRun(run), f); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "summary."+string(f), buf.Bytes())
		})
	}
	t.Run("report", func(t *testing.T) {
		var buf bytes.Buffer
		if err := WriteMarkdownReport(&buf, run); err != nil {
			t.Fatal(err)
		}
		checkGolden(t, "report.md", buf.Bytes())
	})
}

func TestCSVAndSVGGolden(t *testing.T) {
	run := goldenRun()
	var csv, svg bytes.Buffer
	if err := WriteSummaryCSV(&csv, SummarizeRun(run)); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "summary.csv", csv.Bytes())
	if err := WriteLatencySVG(&svg, run); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "latency.svg", svg.Bytes())
}

func TestHGRM(t *testing.T) {
	h := results.NewHistogram()
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	var buf bytes.Buffer
	if err := WriteHGRM(&buf, h); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"Value", "Percentile", "TotalCount", "1/(1-Percentile)", "#[Mean", "#[Max", "Total count    =         1000"} {
		if !strings.Contains(out, want) {
			t.Errorf(".hgrm output lacks %q:\n%s", want, out)
		}
	}
}
