package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
)

// TestReconnectFiguresShowOnlyWhenThereAreAny: a run under a reconnect
// policy gets reconnect columns in the wide table and a note line under the
// compact one; a run without a policy and without reconnects gets neither.
func TestReconnectFiguresShowOnlyWhenThereAreAny(t *testing.T) {
	h := results.NewHistogram()
	h.Record(120 * time.Millisecond)
	with := &results.TransportResult{Transport: "sse", Workload: results.Workload{Pattern: "fanout", Duration: results.Duration(time.Second),
		Reconnect: &results.ReconnectPolicy{Backoff: results.Duration(time.Second)}},
		Counters:   results.Counters{ConnReady: 4, Expected: 200, Received: 195, Lost: 5, Reconnects: 8, ReconnectFailed: 1, LostAcrossReconnect: 5, ResumeGaps: 2},
		Histograms: map[string]*results.Histogram{results.HistReconnect: h}}
	without := &results.TransportResult{Transport: "ws", Workload: results.Workload{Pattern: "fanout", Duration: results.Duration(time.Second)},
		Counters: results.Counters{ConnReady: 4, Expected: 200, Received: 200}}

	line := ReconnectLine(with)
	for _, want := range []string{"sse: reconnects: 8", "p99 120ms", "1 connections gave up", "5 messages lost across reconnects", "2 resume gaps"} {
		if !strings.Contains(line, want) {
			t.Errorf("note %q lacks %q", line, want)
		}
	}
	if l := ReconnectLine(without); l != "" {
		t.Errorf("no policy, no reconnects: note %q, want none", l)
	}
	for _, tt := range []struct {
		rows    []*results.TransportResult
		format  Format
		columns bool
	}{
		{[]*results.TransportResult{with, without}, FormatWide, true},
		{[]*results.TransportResult{with}, FormatText, false},
		{[]*results.TransportResult{without}, FormatWide, false},
	} {
		var sums []Summary
		for _, r := range tt.rows {
			sums = append(sums, Summarize(r))
		}
		var buf bytes.Buffer
		if err := WriteSummaryTable(&buf, sums, tt.format); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(buf.String(), "reconnects ok/failed"); got != tt.columns {
			t.Errorf("%s table of %d rows: reconnect columns %v, want %v\n%s", tt.format, len(tt.rows), got, tt.columns, buf.String())
		}
		if tt.columns && !strings.Contains(buf.String(), "8/1") {
			t.Errorf("wide table lacks reconnects 8/1:\n%s", buf.String())
		}
	}
}
