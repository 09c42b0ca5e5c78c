package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

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
	trs = append(trs, noSamplesResult(), worstCaseResult())
	return &results.Run{Schema: results.SchemaVersion, Name: "golden", Started: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
		Env: results.Env{Version: "v0.0.0-test", GoVersion: "go1.26", OS: "linux", Arch: "amd64", Kernel: "6.1", CPUModel: "Test CPU", Cores: 2, GOMAXPROCS: 2}, Transports: trs}
}

// noSamplesResult is a transport none of whose connections became ready: it
// has no connect or latency samples and nothing expected, so every statistic
// must print as "—".
func noSamplesResult() *results.TransportResult {
	return &results.TransportResult{
		Transport:  "socketio",
		Workload:   results.Workload{Pattern: "fanout", Connections: 100, Rate: 10, PayloadBytes: 64, Warmup: results.Duration(2 * time.Second), Duration: results.Duration(10 * time.Second)},
		Counters:   results.Counters{ConnAttempted: 100, ConnFailed: 100},
		Histograms: map[string]*results.Histogram{results.HistLatency: results.NewHistogram(), results.HistConnect: results.NewHistogram()},
		Errors:     map[string]*results.ErrorClass{"connect/status": {Count: 100, First: "http://127.0.0.1:1/socket.io/: status: expected 200 OK, got 404 Not Found"}},
	}
}

// worstCaseResult has the widest cells a run produces: the longest transport
// name, saturated, with dropped connections, six-digit loss and second-long
// latencies. The compact table must still fit 120 columns with it.
func worstCaseResult() *results.TransportResult {
	lat, conn := results.NewHistogram(), results.NewHistogram()
	for j := 1; j <= 1000; j++ {
		lat.Record(time.Duration(j) * 1500 * time.Microsecond)
		conn.Record(time.Duration(j) * 100 * time.Microsecond)
	}
	return &results.TransportResult{
		Transport: "socketio-polling",
		Workload:  results.Workload{Pattern: "fanout", Connections: 10000, Rate: 10, PayloadBytes: 64, Warmup: results.Duration(2 * time.Second), Duration: results.Duration(10 * time.Second)},
		Counters: results.Counters{ConnAttempted: 10000, ConnReady: 9988, ConnFailed: 12, ConnDropped: 1234,
			Expected: 998800, Received: 875344, Lost: 123456, Duplicated: 12345, OutOfOrder: 23456},
		Histograms: map[string]*results.Histogram{results.HistLatency: lat, results.HistConnect: conn},
		Errors:     map[string]*results.ErrorClass{"read": {Count: 123456, First: "read: connection reset by peer"}},
		Generator:  []results.Generator{{Cores: 2, CPUPercent: 99, Saturated: true, Reasons: []string{"used 99% of 2 cores"}}},
	}
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
	for _, f := range []Format{FormatText, FormatWide, FormatMarkdown} {
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

// TestDefaultTableFits120Columns renders the default terminal table of a
// five-transport run with the widest cells and checks every line's width.
func TestDefaultTableFits120Columns(t *testing.T) {
	run := goldenRun()
	if len(run.Transports) != 5 {
		t.Fatalf("fixture has %d transports, want 5", len(run.Transports))
	}
	var buf bytes.Buffer
	if err := WriteSummaryTable(&buf, SummarizeRun(run), FormatText); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		if n := utf8.RuneCountInString(line); n > 120 {
			t.Errorf("line is %d runes wide, want at most 120:\n%s", n, line)
		}
	}
	for _, col := range []string{"transport", "conns ok/failed", "p50", "p99", "max", "deliveries/s", "lost", "errors"} {
		if !strings.Contains(buf.String(), col) {
			t.Errorf("default table lacks column %q", col)
		}
	}
}

// TestNoSamplesPrintAsDash checks the row of a transport without samples in
// every rendering: "—" in tables, an empty cell in CSV, never 0.
func TestNoSamplesPrintAsDash(t *testing.T) {
	rows := []Summary{Summarize(noSamplesResult())}
	for _, f := range []Format{FormatText, FormatWide, FormatMarkdown} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteSummaryTable(&buf, rows, f); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(buf.String(), "\n")
			var row string
			for _, l := range lines {
				if strings.Contains(l, "socketio") {
					row = l
				}
			}
			cells := strings.FieldsFunc(row, func(r rune) bool { return r == '│' || r == '|' })
			// The names, conns and errors are given; every other cell has no samples.
			for i, c := range cells {
				c = strings.TrimSpace(c)
				if c == "socketio" || c == "fanout" || c == "0/100" || i == len(cells)-1 {
					continue
				}
				if c != NoValue {
					t.Errorf("cell %d is %q, want %q in row %q", i, c, NoValue, row)
				}
			}
		})
	}
	t.Run("csv", func(t *testing.T) {
		var buf bytes.Buffer
		if err := WriteSummaryCSV(&buf, rows); err != nil {
			t.Fatal(err)
		}
		got := strings.Split(strings.TrimSpace(buf.String()), "\n")[1]
		if want := "socketio,fanout,0,100,0,,,,,,,,,,,,,100,false,0,0,,0,"; got != want {
			t.Errorf("csv row %q, want %q", got, want)
		}
	})
}

// TestLatencySVGNamesWorkloadAndMarksLoss checks the chart's text: the
// workload in the title and, per transport, red notes for loss, saturation
// and missing samples.
func TestLatencySVGNamesWorkloadAndMarksLoss(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteLatencySVG(&buf, goldenRun()); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	for _, want := range []string{
		"golden: latency by percentile",
		"fanout, 100 connections per transport, 10 msgs/s, 64-byte payload, 2s warm-up, 10s measured",
		`fill="` + svgWarning + `">lost 0.70% of messages</text>`,
		`fill="` + svgWarning + `">lost 1.40% of messages</text>`,
		`fill="` + svgWarning + `">lost 12.36% of messages</text>`,
		`fill="` + svgWarning + `">* generator saturated</text>`,
		`fill="` + svgWarning + `">no latency samples</text>`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("latency.svg lacks %q", want)
		}
	}
	if n := strings.Count(svg, "* generator saturated"); n != 2 {
		t.Errorf("%d saturation notes, want 2 (ws and socketio-polling)", n)
	}
	if n := strings.Count(svg, "of messages</text>"); n != 3 {
		t.Errorf("%d loss notes, want 3 (chunked lost nothing)", n)
	}
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

func TestDescribeWorkload(t *testing.T) {
	wl := results.Workload{Connections: 100, Rate: 10, PayloadBytes: 64, Warmup: results.Duration(2 * time.Second), Duration: results.Duration(10 * time.Second)}
	tests := []struct{ pattern, want string }{
		{"fanout", "fanout, 100 connections per transport, 10 msgs/s, 64-byte payload, 2s warm-up, 10s measured"},
		{"echo", "echo, 100 connections per transport, 10 msgs/s per connection, 64-byte payload, 2s warm-up, 10s measured"},
		{"idle", "idle, 100 connections per transport, 2s warm-up, 10s measured"},
		{"churn", "churn, 100 connections per transport, 10 connects/s, 2s warm-up, 10s measured"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			w := wl
			w.Pattern = tt.pattern
			run := &results.Run{Transports: []*results.TransportResult{{Transport: "ws", Workload: w}}}
			if got := DescribeWorkload(run); got != tt.want {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
	if got := DescribeWorkload(&results.Run{}); got != "" {
		t.Fatalf("a run without transports: %q", got)
	}
}
