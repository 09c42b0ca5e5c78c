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
		tr.Resources = []results.Resources{goldenResources(i)}
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

// goldenResources is what row i's run cost: 100 connections held, 1,000
// deliveries in the window; the server read on every row but ws's (as if
// the target were the user's server).
func goldenResources(i int) results.Resources {
	f := float64(i + 1)
	r := results.Resources{Held: 100 - int64(i), Deliveries: 1000 - int64(i*7),
		GeneratorCPU:       results.CPUTime{Window: 0.0197 * f, Run: 0.0512 * f},
		ServerCPU:          &results.CPUTime{Window: 0.0235 * f, Run: 0.0611 * f},
		GeneratorRSSBefore: 12 << 20, GeneratorRSS: 12<<20 + int64(f*1_600_000),
		ServerRSSBefore: 8 << 20, ServerRSSHeld: 8<<20 + int64(f*2_400_000),
		GeneratorGoroutines: 112 + int64(i), ServerGoroutines: 210 + int64(i)}
	if i == 2 {
		r.ServerCPU, r.ServerRSSBefore, r.ServerRSSHeld, r.ServerGoroutines = nil, 0, 0, 0
	}
	return r
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
// Its results record no resource figures (as results written before them):
// the two resource columns, shown when known, are checked on a realistic
// run in TestTCPTableFits120Columns.
func TestDefaultTableFits120Columns(t *testing.T) {
	run := goldenRun()
	if len(run.Transports) != 5 {
		t.Fatalf("fixture has %d transports, want 5", len(run.Transports))
	}
	for _, tr := range run.Transports {
		tr.Resources = nil
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
		if want := "socketio,fanout,0,100,0,,,,,,,,,,,,,100,false,0,0,,0," + strings.Repeat(",", 14) + ",1,1,false,"; got != want {
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

// tcpRun is a realistic 10,000-subscriber fan-out with a tcp row: every
// transport's p99 and server CPU per delivery are measured against tcp's.
// socketio-polling's server could not be read (its CPU multiple is unknown).
func tcpRun() *results.Run {
	var trs []*results.TransportResult
	for i, tt := range []struct {
		name          string
		p99, srv, gen float64 // p99 in ms, CPU µs per delivery
		lost          int64
	}{
		{"tcp", 41, 9.8, 7.1, 0}, {"chunked", 63, 14.2, 11.9, 0}, {"sse", 66, 15.1, 12.4, 0},
		{"ws", 88, 16.3, 10.2, 0}, {"socketio", 164, 24.9, 17.8, 1234}, {"socketio-polling", 2410, 0, 61.5, 98765},
	} {
		lat := results.NewHistogram()
		for j := 1; j <= 1000; j++ {
			lat.Record(time.Duration(float64(j) / 990 * tt.p99 * float64(time.Millisecond)))
		}
		const conns, delivered = 10000, 1_000_000
		received := int64(delivered) - tt.lost
		res := results.Resources{Held: conns, Deliveries: received,
			GeneratorCPU:       results.CPUTime{Window: tt.gen * float64(received) / 1e6, Run: 2.2 * tt.gen * float64(received) / 1e6},
			GeneratorRSSBefore: 14 << 20, GeneratorRSS: 14<<20 + int64(conns*(6000+1000*i)), GeneratorGoroutines: conns + 12}
		if tt.srv > 0 {
			res.ServerCPU = &results.CPUTime{Window: tt.srv * float64(received) / 1e6, Run: 2.1 * tt.srv * float64(received) / 1e6}
			res.ServerRSSBefore, res.ServerRSSHeld, res.ServerGoroutines = 9<<20, 9<<20+int64(conns*(4000+2000*i)), 2*conns+7
		}
		tr := &results.TransportResult{
			Transport:  tt.name,
			Workload:   results.Workload{Pattern: "fanout", Connections: conns, Rate: 10, PayloadBytes: 64, Warmup: results.Duration(2 * time.Second), Duration: results.Duration(10 * time.Second)},
			Counters:   results.Counters{ConnAttempted: conns, ConnReady: conns, Expected: delivered, Received: received, Lost: tt.lost},
			Histograms: map[string]*results.Histogram{results.HistLatency: lat, results.HistConnect: lat},
			Generator:  []results.Generator{{Cores: 2, CPUPercent: 60, Saturated: tt.lost > 10000}},
			Resources:  []results.Resources{res},
		}
		trs = append(trs, tr)
	}
	return &results.Run{Schema: results.SchemaVersion, Name: "tcp", Transports: trs}
}

// TestTCPTableGolden renders a run with a tcp row: the compact table gains
// "cpu µs/msg" and "× tcp", the wide and Markdown tables every figure.
func TestTCPTableGolden(t *testing.T) {
	rows := SummarizeRun(tcpRun())
	for _, f := range []Format{FormatText, FormatWide, FormatMarkdown} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteSummaryTable(&buf, rows, f); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "summary-tcp."+string(f), buf.Bytes())
		})
	}
	t.Run("csv", func(t *testing.T) {
		var buf bytes.Buffer
		if err := WriteSummaryCSV(&buf, rows); err != nil {
			t.Fatal(err)
		}
		checkGolden(t, "summary-tcp.csv", buf.Bytes())
	})
}

// TestResourceColumnsWidth: with the CPU column the compact table of a
// realistic run still fits a 120-column terminal; the "× tcp" column, shown
// only when the run has a tcp row, takes it to 132.
func TestResourceColumnsWidth(t *testing.T) {
	withTCP := tcpRun()
	withoutTCP := tcpRun()
	withoutTCP.Transports = withoutTCP.Transports[1:]
	for _, tt := range []struct {
		name  string
		run   *results.Run
		cols  []string
		width int
	}{
		{"without tcp", withoutTCP, []string{"cpu µs/msg"}, 120},
		{"with tcp", withTCP, []string{"cpu µs/msg", "× tcp"}, 132},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteSummaryTable(&buf, SummarizeRun(tt.run), FormatText); err != nil {
				t.Fatal(err)
			}
			for _, col := range tt.cols {
				if !strings.Contains(buf.String(), col) {
					t.Errorf("table lacks column %q", col)
				}
			}
			for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
				if n := utf8.RuneCountInString(line); n > tt.width {
					t.Errorf("line is %d runes wide, want at most %d:\n%s", n, tt.width, line)
				}
			}
		})
	}
}

func TestCompareToTCP(t *testing.T) {
	rows := SummarizeRun(tcpRun())
	byName := map[string]Summary{}
	for _, s := range rows {
		byName[s.Transport] = s
	}
	if s := byName["tcp"]; s.P99xTCP != 1 || s.ServerCPUxTCP != 1 {
		t.Errorf("tcp against itself: %v/%v, want 1/1", s.P99xTCP, s.ServerCPUxTCP)
	}
	if s := byName["ws"]; s.ServerCPUxTCP < 1.66 || s.ServerCPUxTCP > 1.67 || s.P99xTCP < 2.0 || s.P99xTCP > 2.3 {
		t.Errorf("ws: %v/%v, want ~2.1/1.66", s.P99xTCP, s.ServerCPUxTCP)
	}
	if s := byName["socketio-polling"]; s.ServerCPUxTCP != 0 {
		t.Errorf("socketio-polling without a server reading: CPU multiple %v, want unknown", s.ServerCPUxTCP)
	}
	// Without a tcp row there is no "× tcp" column.
	var buf bytes.Buffer
	if err := WriteSummaryTable(&buf, SummarizeRun(goldenRun()), FormatMarkdown); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "× tcp") {
		t.Error("a run without tcp has a × tcp column")
	}
}
