package wire

import (
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"
)

func TestEnvelopeAppendJSON(t *testing.T) {
	tests := []struct {
		name string
		env  Envelope
		want string
	}{
		{"minimal", Envelope{Seq: 1, TS: 2}, `{"seq":1,"ts":2,"data":""}`},
		{"full", Envelope{Seq: 18446744073709551615, TS: -5, Topic: "t", Event: "e", Data: "xx"}, `{"seq":18446744073709551615,"ts":-5,"topic":"t","event":"e","data":"xx"}`},
		{"escapes", Envelope{Data: "a\"b\\c\nd\x01\u2028"}, `{"seq":0,"ts":0,"data":"a\"b\\c\nd\u0001\u2028"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(tt.env.AppendJSON(nil))
			if got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestDecodeEnvelopeErrors(t *testing.T) {
	for _, in := range []string{``, `[]`, `{"seq":1}`, `{"ts":1}`, `{"seq":-1,"ts":1}`, `not json`} {
		if _, err := DecodeEnvelope([]byte(in)); !errors.Is(err, ErrNotEnvelope) {
			t.Errorf("DecodeEnvelope(%q) err = %v, want ErrNotEnvelope", in, err)
		}
	}
	env, err := DecodeEnvelope([]byte(`{"extra":true,"ts":9,"seq":3,"data":"d"}`))
	if err != nil || env != (Envelope{Seq: 3, TS: 9, Data: "d"}) {
		t.Fatalf("got %+v, %v", env, err)
	}
}

func FuzzEnvelopeRoundTrip(f *testing.F) {
	f.Add(uint64(1), int64(1700000000000000000), "topic", "", "payload")
	f.Add(uint64(0), int64(-1), "", "ev", "\x00\xff\"\n")
	f.Fuzz(func(t *testing.T, seq uint64, ts int64, topic, event, data string) {
		in := Envelope{Seq: seq, TS: ts, Topic: topic, Event: event, Data: data}
		b := in.AppendJSON(nil)
		if !json.Valid(b) {
			t.Fatalf("invalid JSON %q", b)
		}
		for _, c := range b {
			if c == '\n' || c == '\r' {
				t.Fatalf("raw line break in %q", b)
			}
		}
		out, err := DecodeEnvelope(b)
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.ValidString(topic) || !utf8.ValidString(event) || !utf8.ValidString(data) {
			return // invalid UTF-8 is replaced, as encoding/json does
		}
		if out != in {
			t.Fatalf("round trip %+v -> %s -> %+v", in, b, out)
		}
	})
}
