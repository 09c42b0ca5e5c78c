package report

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
)

// findMaxRun is goldenRun with a search on ws (found a server limit, one
// lossy step) and on sse (generator-limited).
func findMaxRun() *results.Run {
	run := goldenRun()
	ms := func(v float64) results.Duration { return results.Duration(v * float64(time.Millisecond)) }
	step := func(n int, phase string, rate float64, p99 float64, loss float64, outcome, reason string) results.FindMaxStep {
		return results.FindMaxStep{N: n, Phase: phase, Deliveries: rate, Rate: rate / 2000, Achieved: rate * (1 - loss),
			P99: ms(p99), LossRatio: loss, Outcome: outcome, Reason: reason, Took: results.Duration(14 * time.Second)}
	}
	run.Transports[2].FindMax = &results.FindMax{Metric: "latency.p99", Below: float64(100 * time.Millisecond), LossBelow: 0.001,
		Connections: 2000, Knob: "broadcasts/s at fixed connections", MaxDeliveries: 6000, Limit: results.LimitServer,
		Steps: []results.FindMaxStep{
			step(1, "raise", 2000, 3, 0, results.StepPass, ""),
			step(2, "raise", 4000, 8, 0, results.StepPass, ""),
			step(3, "raise", 8000, 900, 0.02, results.StepFail, "latency.p99 900ms > 100ms, loss 2% > 0.1%"),
			step(4, "retry", 8000, 850, 0.01, results.StepFail, "latency.p99 850ms > 100ms, loss 1% > 0.1%"),
			step(5, "bisect", 6000, 40, 0, results.StepPass, ""),
			step(6, "bisect", 7000, 300, 0, results.StepFail, "latency.p99 300ms > 100ms"),
			step(7, "retry", 7000, 280, 0, results.StepFail, "latency.p99 280ms > 100ms"),
		}}
	run.Transports[1].FindMax = &results.FindMax{Metric: "latency.p99", Below: float64(100 * time.Millisecond), LossBelow: 0.001,
		Connections: 2000, Knob: "broadcasts/s at fixed connections", MaxDeliveries: 2000, Limit: results.LimitGenerator,
		Steps: []results.FindMaxStep{
			step(1, "raise", 2000, 5, 0, results.StepPass, ""),
			step(2, "raise", 4000, 120, 0, results.StepGeneratorLimited, "generator saturated: used 95% of 2 cores"),
		}}
	return run
}

func TestFindMaxSVGStructure(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteFindMaxSVG(&buf, findMaxRun()); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	dec := xml.NewDecoder(&buf)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			for _, a := range se.Attr {
				if a.Name.Local == "class" {
					counts[a.Value]++
				}
			}
			counts["<"+se.Name.Local+">"]++
		}
	}
	want := map[string]int{"pass": 4, "fail": 4, "generator-limited": 1, "loss": 2, "max": 2, "limit": 2, "<polyline>": 2, "<svg>": 1}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("%s: %d, want %d (all: %v)", k, counts[k], v, counts)
		}
	}
	for _, s := range []string{"deliveries/s", "latency p99 (log)", "max 6000/s (limit: server)", "max 2000/s (limit: generator)"} {
		if !strings.Contains(buf.String(), s) && !strings.Contains(readAll(t, findMaxRun()), s) {
			t.Errorf("SVG lacks %q", s)
		}
	}
}

func readAll(t *testing.T, run *results.Run) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteFindMaxSVG(&b, run); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestFindMaxSection(t *testing.T) {
	for _, format := range []Format{FormatText, FormatMarkdown} {
		t.Run(string(format), func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteFindMaxSection(&buf, findMaxRun(), format); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "find_max."+string(format), buf.Bytes())
			out := buf.String()
			for _, s := range []string{
				"highest sustained 6000 deliveries/s (2000 connections, broadcasts/s at fixed connections); the server's limit: at 7000/s latency.p99 280ms > 100ms",
				"generator-limited at 4000/s, not the server's limit",
			} {
				if !strings.Contains(out, s) {
					t.Errorf("section lacks %q:\n%s", s, out)
				}
			}
		})
	}
	var none bytes.Buffer
	if err := WriteFindMaxSection(&none, goldenRun(), FormatText); err != nil || none.Len() != 0 {
		t.Errorf("a run without a search wrote %q (%v)", none.String(), err)
	}
}

func TestFindMaxVerdictBounds(t *testing.T) {
	tests := []struct {
		fm   results.FindMax
		want string
	}{
		{results.FindMax{Limit: results.LimitMaxSteps, MaxDeliveries: 8000, Connections: 10, Knob: "k"}, "every step passed: the limit is higher"},
		{results.FindMax{Limit: results.LimitTime, MaxDeliveries: 8000, Connections: 10, Knob: "k"}, "time limit ended the search"},
		{results.FindMax{Limit: results.LimitServer, Steps: []results.FindMaxStep{{Deliveries: 10, Outcome: results.StepFail, Reason: "r"}}}, "no step passed; the server's limit: at 10/s r"},
		{results.FindMax{Limit: results.LimitError, Steps: []results.FindMaxStep{{Deliveries: 10, Outcome: results.StepError, Reason: "refused"}}}, "could not run: refused"},
	}
	for _, tt := range tests {
		if got := FindMaxVerdict(tt.fm); !strings.Contains(got, tt.want) {
			t.Errorf("verdict %q, want %q", got, tt.want)
		}
	}
}

func TestRunDirWritesFindMaxSVG(t *testing.T) {
	dir := t.TempDir()
	if err := WriteRunDir(dir, findMaxRun()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, FindMaxSVGFile)); err != nil {
		t.Errorf("no %s: %v", FindMaxSVGFile, err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	if err != nil || !strings.Contains(string(md), "## Saturation search: ws") {
		t.Errorf("summary.md lacks the search section (%v)", err)
	}
	plain := t.TempDir()
	if err := WriteRunDir(plain, goldenRun()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(plain, FindMaxSVGFile)); err == nil {
		t.Errorf("a run without a search has %s", FindMaxSVGFile)
	}
}
