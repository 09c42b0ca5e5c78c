package cluster

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

// sampleMessages is one message of every type, with fields set.
func sampleMessages() []Message {
	res := &results.TransportResult{Transport: "ws", Workers: []results.Worker{{Index: 1, Count: 3}},
		Histograms: map[string]*results.Histogram{results.HistLatency: results.NewHistogram()}, Received: []int64{3, 4}}
	res.Histograms[results.HistLatency].Record(1500 * time.Microsecond)
	latency := loadgen.NewLatencyBuckets(res.Histograms[results.HistLatency])
	return []Message{
		&Hello{Version: Version, Index: 2, Host: "box", PID: 42, Env: results.Env{Version: "v1", Cores: 2}, BootID: "8b5b6e2c-0f3e-4b8a-9c1d-2a7e5f4d3c21"},
		&Welcome{Version: Version, Count: 3, ClockOffset: 3 * time.Second, ClockUncertainty: 40 * time.Microsecond},
		&Welcome{Version: Version, Count: 3, SameClock: true},
		&Ping{Seq: 7, T0: 1700000000000000000},
		&Pong{Seq: 7, T0: 1, T1: 2, T2: 3},
		&Job{ID: 4, Scenario: "s", Transport: clients.Name("ws"), Workload: workload.Workload{Pattern: workload.Fanout, Connections: 30,
			Warmup: workload.Duration(time.Second).Ptr(), Duration: workload.Duration(2 * time.Second), Rate: 50}.WithDefaults(),
			URL: "ws://127.0.0.1:1/ws", PublishURL: "ws://127.0.0.1:1/publish", Body: "{{marker}}",
			Receive: clients.Receive{SIOAuth: json.RawMessage(`{"token":"x"}`), SSEEvent: "tick"},
			Payload: loadgen.Payload{Seq: "n"}, Worker: results.Worker{Index: 1, Count: 3}, NoPublish: true, ClockOffset: -time.Millisecond},
		&Opened{Job: 4, Opened: loadgen.Opened{Attempted: 10, Ready: 9, Failed: 1}},
		&Plan{Job: 4, Plan: loadgen.Plan{Start: time.Unix(1700000000, 5).UTC(), Rate: 50, Warmup: time.Second, Duration: 2 * time.Second, FirstSeq: 1, Topic: "pushbench-abc"}},
		&Progress{Job: 4, Phase: "measuring", Elapsed: time.Second, Total: 2 * time.Second, Ready: 9, Received: 100, PerSecond: 50.5, Scheduled: true, P99: time.Millisecond,
			Latency: &latency},
		&Result{Job: 4, Result: res},
		&Failed{Job: 4, Error: "ws: dial: refused"},
		&Abort{Job: 4, Reason: "worker 2 lost"},
		&Done{},
		&Alive{},
		&Done{Failure: "worker 1 (never joined) joining: did not join within 1m0s"},
		&ErrorMessage{Message: "worker index 5 out of range"},
	}
}

// TestMessagesRoundTrip: every message type encodes as one line with
// "type" first and decodes to an equal message.
func TestMessagesRoundTrip(t *testing.T) {
	for _, m := range sampleMessages() {
		t.Run(m.messageType(), func(t *testing.T) {
			line, err := AppendMessage(nil, m)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(line, []byte(`{"type":"`+m.messageType()+`"`)) || bytes.Count(line, []byte("\n")) != 1 || line[len(line)-1] != '\n' {
				t.Fatalf("line %q: want one line starting with its type", line)
			}
			got, err := NewLineReader(bytes.NewReader(line), MaxLine).Next()
			if err != nil {
				t.Fatal(err)
			}
			if r, ok := m.(*Result); ok {
				g := got.(*Result)
				if !g.Result.Histograms[results.HistLatency].Equal(r.Result.Histograms[results.HistLatency]) {
					t.Fatal("histogram changed in the round trip")
				}
				g.Result.Histograms, r.Result.Histograms = nil, nil
			}
			if !reflect.DeepEqual(got, m) {
				t.Fatalf("round trip:\n got %#v\nwant %#v", got, m)
			}
		})
	}
}

// TestLineBound: a line at the bound is read; one byte more is refused with
// ErrLineTooLong naming the bound, even when it spans many buffer fills.
func TestLineBound(t *testing.T) {
	msg := &ErrorMessage{Message: strings.Repeat("x", 200<<10)}
	line, err := AppendMessage(nil, msg)
	if err != nil {
		t.Fatal(err)
	}
	n := len(line) - 1 // without the newline
	if _, err := NewLineReader(bytes.NewReader(line), n).Next(); err != nil {
		t.Fatalf("line of exactly the bound: %v", err)
	}
	_, err = NewLineReader(bytes.NewReader(line), n-1).Next()
	if !errors.Is(err, ErrLineTooLong) || !strings.Contains(err.Error(), "bytes") {
		t.Fatalf("line over the bound: %v, want ErrLineTooLong", err)
	}
	// A peer streaming an endless line is stopped at the bound, not buffered.
	_, err = NewLineReader(io.MultiReader(strings.NewReader(`{"type":"error","message":"`), endless{}), 1<<20).Next()
	if !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("endless line: %v, want ErrLineTooLong", err)
	}
}

// endless reads 'x' for ever.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// TestBadLines: what is not a message is refused with a reason, and a
// stream cut inside a line is io.ErrUnexpectedEOF.
func TestBadLines(t *testing.T) {
	tests := []struct{ in, want string }{
		{"not json\n", "not a JSON object"},
		{"{}\n", `without "type"`},
		{`{"type":"teleport"}` + "\n", `unknown message type "teleport"`},
		{`{"type":"ping","seq":"seven"}` + "\n", "ping message"},
		{`[1,2]` + "\n", "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := NewLineReader(strings.NewReader(tt.in), MaxLine).Next()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("%v, want %q", err, tt.want)
			}
		})
	}
	if _, err := NewLineReader(strings.NewReader(`{"type":"done"}`), MaxLine).Next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("cut line: %v", err)
	}
	if _, err := NewLineReader(strings.NewReader(""), MaxLine).Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("empty stream: %v", err)
	}
}
