package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestPublishedPageHasEveryRunAndSection: one page from several runs keeps
// each run's table, chart paths and scenario, then the extra sections, then
// one environment table; the contents list links to every part.
func TestPublishedPageHasEveryRunAndSection(t *testing.T) {
	bench := goldenRun()
	bench.Name = "bench"
	bench.Scenario = json.RawMessage(`{"name":"bench","description":"1,000 connections per transport"}`)
	floor := tcpRun()
	floor.Name = "fanout-10k"
	var b bytes.Buffer
	err := WritePublished(&b, []PublishedRun{
		{Run: bench, Dir: "published/bench", Scenario: "name: bench\n"},
		{Run: floor, Dir: "published/fanout-10k"},
	}, []PublishedSection{{Title: "Peer comparison", Markdown: "| tool | CPU-s |\n|---|---|\n| pushbench | 2.9 |\n"}})
	if err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		"# Published results\n",
		"- [bench](#bench): 1,000 connections per transport\n",
		"- [fanout-10k](#fanout-10k)\n",
		"- [Peer comparison](#peer-comparison)\n",
		"\n## bench\n\n1,000 connections per transport\n",
		"![latency by percentile](published/bench/latency.svg)",
		"![latency by percentile](published/fanout-10k/latency.svg)",
		"```yaml\nname: bench\n```",
		"`published/fanout-10k/result.json`",
		"\n## Peer comparison\n\n| tool | CPU-s |",
		"\n## Environment\n",
		"× tcp", // the tcp run's table compares every row against its tcp row
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Index(page, "## bench") > strings.Index(page, "## fanout-10k") || strings.Index(page, "## fanout-10k") > strings.Index(page, "## Peer comparison") ||
		strings.Index(page, "## Peer comparison") > strings.Index(page, "## Environment") {
		t.Error("sections out of order: want runs in the order given, then extra sections, then the environment")
	}
	if strings.Count(page, "## Environment") != 1 {
		t.Error("want one environment table")
	}
	if err := WritePublished(&b, nil, nil); err == nil {
		t.Error("a page with no run: want an error")
	}
}

func TestAnchorMatchesGitHubHeadings(t *testing.T) {
	for in, want := range map[string]string{"bench": "bench", "Peer comparison": "peer-comparison", "fanout-10k": "fanout-10k", "limits (19,000)": "limits-19000"} {
		if got := anchor(in); got != want {
			t.Errorf("anchor(%q) = %q, want %q", in, got, want)
		}
	}
}
