package wire

import (
	"bytes"
	"testing"
)

// checkScanAgrees fails t when the fast path accepts b but encoding/json
// (ParseEnvelope) decodes it otherwise, or when ScanEnvelope and
// DecodeEnvelope disagree.
func checkScanAgrees(t *testing.T, b []byte) (fast bool) {
	t.Helper()
	f, ok := scanEnvelope(b)
	full, hasSeq, hasTS, err := ParseEnvelope(b, false)
	if ok {
		if err != nil {
			t.Fatalf("%q: fast path accepted, encoding/json refused: %v", b, err)
		}
		got := Envelope{Seq: f.seq, TS: f.ts, Topic: string(f.topic), Event: string(f.event), Data: string(f.data)}
		if got != full || f.hasSeq != hasSeq || f.hasTS != hasTS {
			t.Fatalf("%q: fast path %+v (seq %v ts %v), encoding/json %+v (seq %v ts %v)", b, got, f.hasSeq, f.hasTS, full, hasSeq, hasTS)
		}
	}
	st, serr := ScanEnvelope(b)
	env, derr := DecodeEnvelope(b)
	if (serr == nil) != (derr == nil) {
		t.Fatalf("%q: ScanEnvelope error %v, DecodeEnvelope error %v", b, serr, derr)
	}
	if serr == nil && (st.Seq != env.Seq || st.TS != env.TS || string(st.Topic) != env.Topic) {
		t.Fatalf("%q: ScanEnvelope %+v, DecodeEnvelope %+v", b, st, env)
	}
	return ok
}

func TestScanEnvelope(t *testing.T) {
	tests := []struct {
		name string
		in   string
		fast bool // the fast path takes it
	}{
		{"server envelope", `{"seq":42,"ts":1700000000000000000,"topic":"t1","data":"pushbench-"}`, true},
		{"with event", `{"seq":0,"ts":-5,"topic":"t","event":"e","data":"x"}`, true},
		{"whitespace", " {\n\t\"seq\" : 1 ,\r\"ts\":2 } \n", true},
		{"unknown scalar fields", `{"x":"a\"b\u00e9","n":-1.5e+3,"b":true,"f":false,"z":null,"seq":1,"ts":2}`, true},
		{"utf-8 topic", `{"seq":1,"ts":2,"topic":"h\u00e9llo"}`, false},
		{"raw utf-8 topic", "{\"seq\":1,\"ts\":2,\"topic\":\"h\xc3\xa9llo\"}", true},
		{"invalid utf-8 topic", "{\"seq\":1,\"ts\":2,\"topic\":\"h\xffllo\"}", false},
		{"null topic", `{"seq":1,"ts":2,"topic":null}`, true},
		{"duplicate keys: last wins", `{"seq":1,"ts":2,"seq":3}`, true},
		{"upper-case key", `{"SEQ":1,"ts":2}`, false},
		{"escaped key", `{"s\u0065q":1,"ts":2}`, false},
		{"nested unknown", `{"seq":1,"ts":2,"meta":{"a":[1]}}`, false},
		{"fraction seq", `{"seq":1.0,"ts":2}`, false},
		{"negative seq", `{"seq":-1,"ts":2}`, false},
		{"leading zero", `{"seq":01,"ts":2}`, false},
		{"seq overflow", `{"seq":18446744073709551616,"ts":2}`, false},
		{"seq max", `{"seq":18446744073709551615,"ts":-9223372036854775808}`, true},
		{"ts overflow", `{"seq":1,"ts":9223372036854775808}`, false},
		{"missing ts", `{"seq":1}`, true},
		{"empty object", `{}`, true},
		{"trailing comma", `{"seq":1,"ts":2,}`, false},
		{"trailing data", `{"seq":1,"ts":2} x`, false},
		{"trailing bracket", `{"seq":1,"ts":2}]`, false},
		{"not an object", `[1,2]`, false},
		{"cut", `{"seq":1,"ts":2`, false},
		{"control char", "{\"seq\":1,\"ts\":2,\"data\":\"a\x01\"}", false},
		{"bad literal", `{"seq":1,"ts":2,"x":nul}`, false},
		{"number then junk", `{"seq":1x,"ts":2}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if fast := checkScanAgrees(t, []byte(tt.in)); fast != tt.fast {
				t.Errorf("%q: fast path took it: %v, want %v", tt.in, fast, tt.fast)
			}
		})
	}
}

// TestScanEnvelopeRoundTrip: whatever AppendJSON writes, the fast path reads
// back unchanged when its strings need no escapes, and ScanEnvelope always.
func TestScanEnvelopeRoundTrip(t *testing.T) {
	envs := []Envelope{
		{Seq: 1, TS: 2, Topic: "t", Data: Payload(100)},
		{Seq: 1<<64 - 1, TS: -1 << 63, Topic: "x", Event: "ev", Data: ""},
		{Seq: 7, TS: 8, Topic: "quote\"d", Data: "line\nbreak"},
	}
	for _, env := range envs {
		b := env.AppendJSON(nil)
		checkScanAgrees(t, b)
		st, err := ScanEnvelope(b)
		if err != nil || st.Seq != env.Seq || st.TS != env.TS || string(st.Topic) != env.Topic {
			t.Fatalf("%+v: scanned as %+v (%v)", env, st, err)
		}
	}
}

func TestScanEnvelopeAllocatesNothing(t *testing.T) {
	b := Envelope{Seq: 42, TS: 1700000000000000000, Topic: "topic-1", Data: Payload(100)}.AppendJSON(nil)
	allocs := testing.AllocsPerRun(100, func() {
		if st, err := ScanEnvelope(b); err != nil || !bytes.Equal(st.Topic, []byte("topic-1")) {
			t.Fatal(st, err)
		}
	})
	if allocs != 0 {
		t.Fatalf("ScanEnvelope allocates %.1f times per envelope, want 0", allocs)
	}
}

func FuzzScanEnvelope(f *testing.F) {
	f.Add([]byte(`{"seq":1,"ts":2,"topic":"t","data":"d"}`))
	f.Add([]byte(`{"seq":1,"ts":-2,"x":[1],"y":"\u00e9\n","z":1.5e3,"w":null}`))
	f.Add([]byte(`{"Seq":1,"ts":2}`))
	f.Fuzz(func(t *testing.T, b []byte) { checkScanAgrees(t, b) })
}
