package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

func TestShippedScenariosAreValid(t *testing.T) {
	files, _ := filepath.Glob("*.yaml")
	want := []string{"45k.yaml", "bench.yaml", "churn.yaml", "echo.yaml", "fanout-10k.yaml", "faults.yaml", "find-max.yaml", "idle-hold.yaml", "limits-polling.yaml", "limits.yaml", "smoke.yaml", "soak.yaml"}
	if strings.Join(files, " ") != strings.Join(want, " ") {
		t.Fatalf("shipped scenarios %v, want %v", files, want)
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			s, err := Load(f)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name+".yaml" != f || s.Description == "" || len(s.Thresholds) == 0 {
				t.Fatalf("%s: name %q, description %q, %d threshold groups", f, s.Name, s.Description, len(s.Thresholds))
			}
		})
	}
}

func TestParseFull(t *testing.T) {
	src := `name: full
description: every key
target:
  url: http://127.0.0.1:9000
  urls: {sse: "http://127.0.0.1:9000/events"}
  publish: http://127.0.0.1:9000/publish
transports: [sse, ws]
pattern: echo
connections: 250
ramp: 30/m
warmup: 0s
duration: 1m
rate: 7200/h
payload: 2KiB
connect_timeout: 3s
drain: 500ms
thresholds:
  all:
    latency.p99.9: "< 1.5s"
    loss_ratio: "<= 0.1%"
  ws:
    throughput: ">= 100/s"
`
	src = strings.Replace(src, "transports: [sse, ws]\npattern: echo", "transports: [ws, socketio]\npattern: echo", 1)
	s, err := Parse("full.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	full := s.WithDefaults()
	if full.Target.Builtin || full.Connections != 250 || full.Ramp != 0.5 || *full.Warmup != 0 || full.Duration != workload.Duration(time.Minute) ||
		full.Rate != 2 || full.Payload != 2048 || full.ConnectTimeout != workload.Duration(3*time.Second) || *full.Drain != workload.Duration(500*time.Millisecond) {
		t.Fatalf("decoded %+v", full)
	}
	c := full.Thresholds["all"]["latency.p99.9"]
	if c == nil || c.Op != "<" || c.Value != float64(1500*time.Millisecond) || c.Pos != "full.yaml:19:20" {
		t.Fatalf("condition %+v", c)
	}
	if r := full.Thresholds["all"]["loss_ratio"]; r.Value != 0.001 || r.Op != "<=" {
		t.Fatalf("loss_ratio %+v", r)
	}
	if url, pub := full.Endpoints("ws", ""); url != "ws://127.0.0.1:9000/ws" || pub != "http://127.0.0.1:9000/publish" {
		t.Fatalf("ws endpoints %q, %q", url, pub)
	}
	if url, _ := s.Endpoints("sse", ""); url != "http://127.0.0.1:9000/events" {
		t.Fatalf("per-transport url %q", url)
	}
}

func TestParseErrorsNameFileLineColumnAndKey(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown key", "name: x\nconections: 3\n", `bad.yaml:2:1: unknown field "conections"`},
		{"duration without unit", "name: x\nwarmup: 10\n", `bad.yaml:2:9: warmup: duration "10": want a number with a unit`},
		{"bad rate unit", "name: x\nrate: 5/d\n", `bad.yaml:2:7: rate: rate "5/d": unit must be /s, /m or /h`},
		{"bad size", "name: x\npayload: 12 parsecs\n", `bad.yaml:2:10: payload: size "12 parsecs"`},
		{"wrong type", "name: x\nconnections: many\n", `bad.yaml:2:14: cannot unmarshal string`},
		{"missing name", "description: x\n", `bad.yaml:1:1: name: required`},
		{"unknown transport", "name: x\ntransports: [sse, mqtt]\n", `bad.yaml:2:19: transports[1]: unknown transport "mqtt"`},
		{"unknown pattern", "name: x\npattern: storm\n", `bad.yaml:2:10: pattern: unknown pattern "storm"`},
		{"echo on sse", "name: x\npattern: echo\ntransports: [ws, sse]\n", `bad.yaml:3:18: transports[1]: pattern echo needs a bidirectional transport`},
		{"unknown target key", "name: x\ntarget: {url: \"http://a:1\", foo: 1}\n", `bad.yaml:2:29: unknown field "foo"`},
		{"bad target word", "name: x\ntarget: cloud\n", `bad.yaml:2:9: target: target "cloud": want builtin`},
		{"bad target url", "name: x\ntarget: {url: \"localhost:80\"}\n", `bad.yaml:2:15: target.url: url "localhost:80"`},
		{"unknown metric", "name: x\nthresholds:\n  all:\n    latncy: \"< 10ms\"\n", `bad.yaml:4:13: thresholds.all.latncy: unknown metric "latncy"`},
		{"bad statistic", "name: x\nthresholds:\n  all:\n    latency.median: \"< 10ms\"\n", `bad.yaml:4:21: thresholds.all.latency.median: metric "latency.median": statistic "median"`},
		{"unit mismatch", "name: x\nthresholds:\n  all:\n    latency.p99: \"< 10\"\n", `bad.yaml:4:18: thresholds.all.latency.p99: threshold "< 10": want a duration`},
		{"no operator", "name: x\nthresholds:\n  all:\n    lost: \"0\"\n", `bad.yaml:4:11: thresholds.all.lost: threshold "0": want an operator`},
		{"unknown threshold group", "name: x\nthresholds:\n  pigeon:\n    lost: \"== 0\"\n", `bad.yaml:3:3: thresholds.pigeon: thresholds for "pigeon"`},
		{"churn beyond ephemeral ports", "name: x\npattern: churn\nrate: 1000/s\nduration: 60s\n", `bad.yaml:3:7: rate: churn at 1000/s for 1m2s opens 62000 connections`},
		{"template without marker", "name: x\nmessages:\n  publish_body: '{\"t\":\"{{seq}}\"}'\n", `bad.yaml:3:17: messages.publish_body: template "{\"t\":\"{{seq}}\"}" has no {{marker}}`},
		{"unknown placeholder", "name: x\nmessages:\n  echo_body: '{{mark}}'\n", `bad.yaml:3:14: messages.echo_body: template "{{mark}}": unknown placeholder {{mark}}`},
		{"bad timestamp unit", "name: x\npattern: listen\nmessages:\n  timestamp: t:hours\n", `bad.yaml:4:14: messages.timestamp: timestamp "t:hours": unit "hours"`},
		{"seq outside listen", "name: x\nmessages:\n  seq: n\n", `bad.yaml:3:8: messages.seq: applies to pattern listen only`},
		{"sse-id on chunked", "name: x\npattern: listen\ntransports: [sse, chunked]\nmessages:\n  seq: sse-id\n", `bad.yaml:5:8: messages.seq: sse-id reads the SSE event id; transport chunked has none`},
		{"unknown messages key", "name: x\nmessages:\n  body: x\n", `bad.yaml:3:3: unknown field "body"`},
		{"syntax", "name: [\n", `bad.yaml:1:7: sequence end token ']' not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tt.src))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error:\n  %v\nwant prefix:\n  %s", err, tt.want)
			}
		})
	}
}

func resultWith(transport string, c results.Counters, latency ...time.Duration) *results.TransportResult {
	h := results.NewHistogram()
	for _, d := range latency {
		h.Record(d)
	}
	return &results.TransportResult{
		Transport:  transport,
		Workload:   results.Workload{Duration: results.Duration(10 * time.Second)},
		Counters:   c,
		Histograms: map[string]*results.Histogram{results.HistLatency: h},
	}
}

func TestThresholdsEvaluate(t *testing.T) {
	s, err := Parse("t.yaml", []byte(`name: t
thresholds:
  all:
    latency.p99: "< 50ms"
    lost: "== 0"
    throughput: ">= 100/s"
    sio_connect.p99: "< 1s"
  sse:
    latency.p99: "< 5ms"
  socketio:
    sio_connect.p99: "< 1s"
`))
	if err != nil {
		t.Fatal(err)
	}
	run := &results.Run{Transports: []*results.TransportResult{
		resultWith("ws", results.Counters{Received: 2000}, 10*time.Millisecond, 20*time.Millisecond),
		resultWith("sse", results.Counters{Received: 500, Lost: 3}, 10*time.Millisecond),
		resultWith("chunked", results.Counters{}),
		resultWith("socketio", results.Counters{Received: 1000}, time.Millisecond),
	}}
	got := map[string]string{}
	for _, v := range s.Thresholds.Evaluate(run) {
		status := "pass"
		if !v.Pass {
			status = "fail: " + v.Actual
		}
		got[v.Transport+" "+v.Condition.Metric] = status
	}
	want := map[string]string{
		"ws latency.p99":           "pass",
		"ws lost":                  "pass",
		"ws throughput":            "pass",
		"sse latency.p99":          "fail: 10.0ms", // the transport's own, stricter limit replaces "all"
		"sse lost":                 "fail: 3",
		"sse throughput":           "fail: 50.0/s",
		"chunked latency.p99":      "fail: no samples", // nothing arrived: no number, not a pass
		"chunked lost":             "pass",
		"chunked throughput":       "fail: 0.0/s",
		"socketio latency.p99":     "pass",
		"socketio lost":            "pass",
		"socketio throughput":      "pass",
		"socketio sio_connect.p99": "fail: not recorded for this transport",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %q, want %q", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("verdicts %v", got)
	}
}

// TestREADMEExampleIsValid keeps scenarios/README.md true: its full example
// must load.
func TestREADMEExampleIsValid(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "## Every key\n\n```yaml\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("README.md has no yaml block under \"## Every key\"")
	}
	// The example shows every key at once, so it must load; messages.timestamp
	// and messages.seq apply to listen only, so it must load as listen, and
	// with those two lines taken out, as the fanout it names.
	var kept []string
	for _, l := range strings.Split(example, "\n") {
		if !strings.HasPrefix(l, "  timestamp:") && !strings.HasPrefix(l, "  seq:") {
			kept = append(kept, l)
		}
	}
	if _, err := Parse("README.md example without listen keys", []byte(strings.Join(kept, "\n"))); err != nil {
		t.Fatal(err)
	}
	s, err := Parse("README.md example as listen", []byte(strings.Replace(example, "pattern: fanout", "pattern: listen", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Thresholds["all"]) != 4 || s.Thresholds["socketio-polling"]["latency.p99"] == nil {
		t.Fatalf("example thresholds %v", s.Thresholds)
	}
	m := s.Messages
	rcv, err := m.Receive()
	if err != nil || m.PublishBody == "" || m.EchoBody == "" || m.PublishEvent != "chat" || m.Timestamp != "t:ms" || m.Seq != "n" ||
		rcv.Headers.Get("Authorization") != "Bearer secret" || rcv.ChunkedFraming != "chunks" || rcv.SSEEvent != "tick" ||
		rcv.SIOEvent != "time" || rcv.SIONamespace != "/clock" || string(rcv.SIOAuth) != `{"token":"secret"}` || rcv.MaxMessage != 1<<20 {
		t.Fatalf("example messages %+v -> %+v, %v", m, rcv, err)
	}
}

// TestBuiltinPublisherUnderReconnect: the builtin server is published to over
// a WebSocket, except under a reconnect policy, where it is POSTed to so a
// publish the server did not answer is retried after a restart.
func TestBuiltinPublisherUnderReconnect(t *testing.T) {
	s := Scenario{Target: Target{Builtin: true}}
	if _, pub := s.Endpoints("sse", "http://127.0.0.1:9"); pub != "ws://127.0.0.1:9/publish" {
		t.Fatalf("publish %s, want the WebSocket", pub)
	}
	s.Reconnect = &workload.Reconnect{}
	if _, pub := s.Endpoints("sse", "http://127.0.0.1:9"); pub != "http://127.0.0.1:9/publish" {
		t.Fatalf("publish under a reconnect policy %s, want POST", pub)
	}
}
